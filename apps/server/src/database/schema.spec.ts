import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { TEST_PG_URL, freshPgSchema } from '../testing/test-app';
import { MIGRATIONS, databaseOptions } from './database.options';

/** The hand-written migrations must build exactly the schema the entities describe, on both databases. */
describe.each(['sqlite', 'postgres'] as const)('migrations on %s', (kind) => {
  it('leave nothing for TypeORM to synchronise, and roll back cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reelcraft-schema-'));
    const pg = kind === 'postgres' ? await freshPgSchema() : null;
    const config = loadConfig({ DATA_DIR: dir, ...(pg ? { DATABASE_URL: TEST_PG_URL, DATABASE_SCHEMA: pg.schema } : {}) });
    const db = new DataSource(databaseOptions(config));
    try {
      await db.initialize();
      const pending = await db.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      // Every migration's down(), newest first, must leave an empty database.
      for (let i = 0; i < MIGRATIONS.length; i++) await db.undoLastMigration();
      expect(await db.createQueryRunner().hasTable('tasks')).toBe(false);
      await db.runMigrations();
      expect(await db.createQueryRunner().hasTable('tasks')).toBe(true);
    } finally {
      if (db.isInitialized) await db.destroy();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keep every stored storyboard update when doc_updates loses its id column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reelcraft-schema-'));
    const pg = kind === 'postgres' ? await freshPgSchema() : null;
    const config = loadConfig({ DATA_DIR: dir, ...(pg ? { DATABASE_URL: TEST_PG_URL, DATABASE_SCHEMA: pg.schema } : {}) });
    const db = new DataSource(databaseOptions(config));
    const p = (n: number) => (kind === 'postgres' ? `$${n}` : '?');
    try {
      await db.initialize();
      await db.undoLastMigration(); // back to the keyed-by-id table
      for (let seq = 1; seq <= 3; seq++) {
        await db.query(`INSERT INTO doc_updates (id, project_id, seq, "update", user_id) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, NULL)`, [`id-${seq}`, 'project-1', seq, Buffer.from([seq, 7])]);
      }
      await db.runMigrations();
      const rows: { seq: number; update: Buffer }[] = await db.query(`SELECT seq, "update" FROM doc_updates WHERE project_id = ${p(1)} ORDER BY seq`, ['project-1']);
      expect(rows.map((r) => [r.seq, [...r.update]])).toEqual([
        [1, [1, 7]],
        [2, [2, 7]],
        [3, [3, 7]],
      ]);
      // The key is (project_id, seq) now: a second writer of the same seq is refused.
      await expect(db.query(`INSERT INTO doc_updates (project_id, seq, "update") VALUES (${p(1)}, ${p(2)}, ${p(3)})`, ['project-1', 3, Buffer.from([0])])).rejects.toThrow();
      if (kind === 'sqlite') {
        const [{ sql }] = await db.query(`SELECT sql FROM sqlite_master WHERE name = 'doc_updates'`);
        expect(sql).toMatch(/WITHOUT ROWID/);
      }
    } finally {
      if (db.isInitialized) await db.destroy();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
