import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withMigratedDatabase } from '../testing/migrated-database';
import { MemoryWorkerTokenRepository } from '../testing/memory-worker-tokens';
import type { WorkerToken } from './worker-token.entity';
import { TypeOrmWorkerTokenRepository, WorkerTokenRepository } from './worker-token.repository';

/** What a contract run needs besides the repository: a user to issue tokens as. */
interface Harness {
  repo: WorkerTokenRepository;
  addUser(username: string): Promise<string>;
}

/** A user row the foreign key accepts; the users table's other columns have defaults or are filled here. */
async function insertUser(db: DataSource, username: string): Promise<string> {
  const id = randomUUID();
  const p = (n: number) => (db.options.type === 'postgres' ? `$${n}` : '?');
  await db.query(`INSERT INTO users (id, username, password_hash, role) VALUES (${p(1)}, ${p(2)}, 'x', 'admin')`, [id, username]);
  return id;
}

const kinds: [string, (use: (h: Harness) => Promise<void>) => Promise<void>][] = [
  [
    'memory',
    (use) => {
      const repo = new MemoryWorkerTokenRepository();
      return use({
        repo,
        addUser: async (username) => {
          const id = randomUUID();
          repo.users.set(id, username);
          return id;
        },
      });
    },
  ],
  ['sqlite', (use) => withMigratedDatabase('sqlite', (db) => use({ repo: new TypeOrmWorkerTokenRepository(db), addUser: (u) => insertUser(db, u) }))],
  ['postgres', (use) => withMigratedDatabase('postgres', (db) => use({ repo: new TypeOrmWorkerTokenRepository(db), addUser: (u) => insertUser(db, u) }))],
];

let clock = Date.parse('2026-03-01T00:00:00Z');
function token(name: string, createdBy: string | null, extra: Partial<WorkerToken> = {}): WorkerToken {
  // Whole seconds apart: both databases keep them, and "newest first" is unambiguous.
  return { id: randomUUID(), name, token_hash: createHash('sha256').update(randomUUID()).digest('hex'), created_by: createdBy, created_at: new Date((clock += 1000)), last_used_at: null, revoked_at: null, ...extra };
}

describe.each(kinds)('WorkerTokenRepository (%s)', (_name, withHarness) => {
  let h: Harness;
  let admin: string;
  let done: () => void;
  let closed: Promise<void>;
  beforeAll(async () => {
    // One database per kind for the whole suite; each test uses names of its own.
    await new Promise<void>((ready) => {
      closed = withHarness(async (harness) => {
        h = harness;
        admin = await h.addUser('root-admin');
        ready();
        await new Promise<void>((resolve) => (done = resolve));
      });
    });
  });
  afterAll(async () => {
    done();
    await closed;
  });

  it('stores a token, finds it by hash while it is not revoked, and names its issuer', async () => {
    const t = token('gpu-01', admin);
    expect(await h.repo.insert(t)).toBe(true);
    expect(await h.repo.findActiveByHash(t.token_hash)).toMatchObject({ id: t.id, name: 'gpu-01', created_by: admin, revoked_at: null, last_used_at: null });
    expect(await h.repo.findById(t.id)).toMatchObject({ id: t.id, created_by_username: 'root-admin', created_at: t.created_at });
    expect(await h.repo.findActiveByHash('0'.repeat(64))).toBeNull();
    expect(await h.repo.findById(randomUUID())).toBeNull();
  });

  it('refuses a second token of a name not revoked, and takes the name again once it is', async () => {
    const first = token('gpu-02', admin);
    expect(await h.repo.insert(first)).toBe(true);
    const clash = token('gpu-02', admin);
    expect(await h.repo.insert(clash)).toBe(false);
    expect(await h.repo.findById(clash.id)).toBeNull();
    await h.repo.revoke(first.id, new Date());
    const again = token('gpu-02', admin);
    expect(await h.repo.insert(again)).toBe(true);
    expect((await h.repo.list()).filter((t) => t.name === 'gpu-02').map((t) => t.id)).toEqual([again.id, first.id]);
  });

  it('refuses a hash stored already with an error, not an answer', async () => {
    const a = token('hash-a', admin);
    await h.repo.insert(a);
    await expect(h.repo.insert(token('hash-b', admin, { token_hash: a.token_hash }))).rejects.toThrow();
    expect((await h.repo.list()).some((t) => t.name === 'hash-b')).toBe(false);
  });

  it('revokes once: a second revocation keeps the first time, and a revoked token is not found by hash', async () => {
    const t = token('gpu-03', admin);
    await h.repo.insert(t);
    const at = new Date((clock += 1000));
    expect((await h.repo.revoke(t.id, at))?.revoked_at).toEqual(at);
    expect((await h.repo.revoke(t.id, new Date((clock += 1000))))?.revoked_at).toEqual(at);
    expect(await h.repo.findActiveByHash(t.token_hash)).toBeNull();
    expect(await h.repo.revoke(randomUUID(), at)).toBeNull();
  });

  it('records its last use, lists newest first, and hands out copies', async () => {
    const older = token('list-older', null);
    const newer = token('list-newer', admin);
    await h.repo.insert(older);
    await h.repo.insert(newer);
    const used = new Date((clock += 1000));
    await h.repo.touch(older.id, used);
    const listed = await h.repo.list();
    const ids = listed.map((t) => t.id);
    expect(ids.indexOf(newer.id)).toBeLessThan(ids.indexOf(older.id));
    expect(listed.find((t) => t.id === older.id)).toMatchObject({ last_used_at: used, created_by: null, created_by_username: null });
    const got = (await h.repo.findById(newer.id))!;
    got.name = 'changed';
    expect((await h.repo.findById(newer.id))?.name).toBe('list-newer');
  });
});

describe.each(['sqlite', 'postgres'] as const)('worker_tokens on %s', (kind) => {
  it('keeps a token whose issuer is deleted, with no issuer (ON DELETE SET NULL)', async () => {
    await withMigratedDatabase(kind, async (db) => {
      const repo = new TypeOrmWorkerTokenRepository(db);
      const userId = await insertUser(db, 'gone-admin');
      const t = token('orphan', userId);
      await repo.insert(t);
      await db.query(`DELETE FROM users WHERE id = ${kind === 'postgres' ? '$1' : '?'}`, [userId]);
      expect(await repo.findById(t.id)).toMatchObject({ name: 'orphan', created_by: null, created_by_username: null });
      // And the key refuses an issuer that never existed.
      await expect(repo.insert(token('no-such-issuer', randomUUID()))).rejects.toThrow();
    });
  });
});
