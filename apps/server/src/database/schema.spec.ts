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
});
