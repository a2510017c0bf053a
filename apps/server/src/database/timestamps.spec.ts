import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../auth/session.entity';
import { withMigratedDatabase } from '../testing/migrated-database';
import { User } from '../users/user.entity';

const HOUR = 3_600_000;

/**
 * Times mean the same instant whichever zone the server process runs in: a row's database
 * default (now()) and a Date the process wrote are both stored as UTC and read back as written.
 * This process runs in UTC+8 here, away from the test PostgreSQL's UTC, where a local-time
 * driver would put the two kinds of rows eight hours apart.
 */
describe.each(['sqlite', 'postgres'] as const)('timestamps on %s', (kind) => {
  const zone = process.env.TZ;
  beforeAll(() => {
    // Node picks a changed TZ up at once (no DST in Shanghai, so the offset is a flat +8 h).
    process.env.TZ = 'Asia/Shanghai';
    expect(new Date(Date.UTC(2026, 0, 1)).getHours()).toBe(8);
  });
  afterAll(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it('keeps a default created_at and a written expires_at on the same clock, stored as UTC', async () => {
    await withMigratedDatabase(kind, async (db) => {
      const before = Date.now();
      const userId = randomUUID();
      await db.getRepository(User).insert({ id: userId, username: `tz-${userId.slice(0, 8)}`, password_hash: 'x', role: 'user', disabled: false });
      const expires = new Date(before + HOUR);
      await db.getRepository(Session).insert({ id: randomUUID(), token_hash: randomUUID(), user_id: userId, expires_at: expires });

      const user = await db.getRepository(User).findOneByOrFail({ id: userId });
      // The default came from the database's clock: within a minute of this process's, not hours off.
      expect(Math.abs(user.created_at.getTime() - before)).toBeLessThan(60_000);
      const session = await db.getRepository(Session).findOneByOrFail({ user_id: userId });
      expect(session.expires_at.getTime()).toBe(expires.getTime());

      // What the table holds is the UTC wall time, as SQLite's datetime('now') writes it.
      const [{ text }]: { text: string }[] = await db.query(kind === 'postgres' ? `SELECT expires_at::text AS text FROM sessions` : `SELECT expires_at AS text FROM sessions`);
      expect(text.replace(' ', 'T').slice(0, 19)).toBe(expires.toISOString().slice(0, 19));
      // And a comparison inside the database sees the written time where it is.
      const later = await db.getRepository(Session).createQueryBuilder('s').where('s.expires_at > :t', { t: new Date(before + HOUR - 60_000) }).getCount();
      expect(later).toBe(1);
    });
  });
});
