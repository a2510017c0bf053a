import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, until, type TestApp } from '../testing/test-app';
import { WalCheckpointer } from './wal-checkpointer';

describe('WalCheckpointer (SQLite)', () => {
  let t: TestApp;
  let conn: { pragma(s: string, o?: { simple: boolean }): unknown; prepare(sql: string): { run(...p: unknown[]): unknown } };

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    conn = (t.app.get(DataSource).driver as unknown as { databaseConnection: typeof conn }).databaseConnection;
  });
  afterAll(async () => t?.close());

  it('checkpoints the WAL from its own thread while the server connection no longer does', async () => {
    expect(conn.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const project = randomUUID();
    const insert = conn.prepare('INSERT INTO doc_updates (project_id, seq, "update", user_id) VALUES (?, ?, ?, NULL)');
    // Enough commits to pass SQLite's 1000-page threshold, which no longer triggers a checkpoint inline.
    for (let seq = 1; seq <= 1500; seq++) insert.run(project, seq, Buffer.alloc(64, seq % 251));
    const checkpointer = t.app.get(WalCheckpointer);
    const done = await until('a checkpoint that copied the WAL', async () => {
      const r = checkpointer.last;
      return r && r.busy === 0 && r.log > 0 && r.checkpointed === r.log ? r : null;
    });
    expect(done.checkpointed).toBe(done.log);
  });

  it('hands checkpointing back to the connection when the thread stops', async () => {
    await t.app.get(WalCheckpointer).stop();
    expect(conn.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });
});
