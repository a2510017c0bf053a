import { WORKER_TOKEN_PATTERN } from '@reelcraft/shared';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditLog, AuditRecord } from '../moderation/audit-log';
import { MemoryWorkerTokenRepository } from '../testing/memory-worker-tokens';
import { TOKEN_TOUCH_MS, WorkerTokensService, hashToken } from './worker-tokens.service';

/** The service over the in-memory repository: no database, milliseconds per test. */
function setup() {
  const repo = new MemoryWorkerTokenRepository();
  repo.users.set('u1', 'admin');
  const audited: AuditRecord[] = [];
  const audit = { record: async (r: AuditRecord) => void audited.push(r) } as Pick<AuditLog, 'record'> as AuditLog;
  return { repo, audited, service: new WorkerTokensService(repo, audit) };
}
const admin = { id: 'u1', username: 'admin' };

afterEach(() => vi.useRealTimers());

describe('WorkerTokensService', () => {
  it('issues a token shown once: rcw_ + 43 base64url characters, only its SHA-256 stored, audited', async () => {
    const { service, repo, audited } = setup();
    const issued = await service.issue('gpu-01', admin);
    expect(issued.token).toMatch(WORKER_TOKEN_PATTERN);
    expect(issued).toMatchObject({ name: 'gpu-01', created_by_username: 'admin', last_used_at: null, revoked_at: null });
    const stored = (await repo.findById(issued.id))!;
    expect(stored.token_hash).toBe(hashToken(issued.token));
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await service.list())).not.toContain(issued.token);
    expect(audited).toEqual([expect.objectContaining({ action: 'worker_token.issue', target: issued.id, actor: admin, detail: { name: 'gpu-01' } })]);
    // Two tokens never share their plaintext.
    expect((await service.issue('gpu-02', admin)).token).not.toBe(issued.token);
  });

  it('refuses a name a live token has (409), and allows it again once that token is revoked', async () => {
    const { service } = setup();
    const first = await service.issue('gpu-01', admin);
    await expect(service.issue('gpu-01', admin)).rejects.toMatchObject({ status: 409 });
    await service.revoke(first.id, admin);
    expect((await service.issue('gpu-01', admin)).name).toBe('gpu-01');
  });

  it('verifies a live token to its id and name, and nothing else', async () => {
    const { service } = setup();
    const issued = await service.issue('gpu-01', admin);
    expect(await service.verify(issued.token)).toEqual({ id: issued.id, name: 'gpu-01' });
    // A token of the right shape that was never issued, one character off, the wrong prefix, junk.
    const last = issued.token.at(-1) === 'A' ? 'B' : 'A';
    for (const wrong of [`rcw_${'A'.repeat(43)}`, issued.token.slice(0, -1) + last, issued.token.replace('rcw_', 'rcx_'), '', 'rcw_', `${issued.token} `]) {
      expect(await service.verify(wrong), wrong).toBeNull();
    }
  });

  it('revokes: the token stops verifying at once; revoking again is harmless and audited once; unknown id 404', async () => {
    const { service, audited } = setup();
    const issued = await service.issue('gpu-01', admin);
    const revoked = await service.revoke(issued.id, admin);
    expect(revoked.revoked_at).not.toBeNull();
    expect(await service.verify(issued.token)).toBeNull();
    expect((await service.revoke(issued.id, admin)).revoked_at).toBe(revoked.revoked_at);
    expect(audited.filter((a) => a.action === 'worker_token.revoke')).toEqual([expect.objectContaining({ target: issued.id, detail: { name: 'gpu-01' } })]);
    await expect(service.revoke(randomUUID(), admin)).rejects.toMatchObject({ status: 404 });
    expect((await service.list()).map((t) => [t.name, t.revoked_at !== null])).toEqual([['gpu-01', true]]);
  });

  it('writes last_used_at on a verify at most once a minute per token', async () => {
    const { service, repo } = setup();
    const a = await service.issue('gpu-a', admin);
    const b = await service.issue('gpu-b', admin);
    const touch = vi.spyOn(repo, 'touch');
    vi.useFakeTimers({ now: Date.parse('2026-05-01T10:00:00Z'), toFake: ['Date'] });
    await service.verify(a.token);
    expect((await repo.findById(a.id))?.last_used_at?.toISOString()).toBe('2026-05-01T10:00:00.000Z');
    vi.setSystemTime(Date.parse('2026-05-01T10:00:00Z') + TOKEN_TOUCH_MS - 1);
    await service.verify(a.token);
    // Another token has a minute of its own.
    await service.verify(b.token);
    expect(touch.mock.calls.map(([id]) => id)).toEqual([a.id, b.id]);
    vi.setSystemTime(Date.parse('2026-05-01T10:00:00Z') + TOKEN_TOUCH_MS);
    await service.verify(a.token);
    expect(touch).toHaveBeenCalledTimes(3);
    expect((await service.list()).find((t) => t.id === a.id)?.last_used_at).toBe(new Date(Date.parse('2026-05-01T10:00:00Z') + TOKEN_TOUCH_MS).toISOString());
  });
});
