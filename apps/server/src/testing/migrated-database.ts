import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/config';
import { databaseOptions } from '../database/database.options';
import { TEST_PG_URL, freshPgSchema } from './test-app';

export type DatabaseKind = 'sqlite' | 'postgres';

/** A migrated database of that kind in a fresh folder or PostgreSQL schema, dropped afterwards. */
export async function withMigratedDatabase(kind: DatabaseKind, use: (db: DataSource) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-db-'));
  const pg = kind === 'postgres' ? await freshPgSchema() : null;
  const config = loadConfig({ DATA_DIR: dir, ...(pg ? { DATABASE_URL: TEST_PG_URL, DATABASE_SCHEMA: pg.schema } : {}) });
  const db = new DataSource(databaseOptions(config));
  try {
    await db.initialize();
    await use(db);
  } finally {
    if (db.isInitialized) await db.destroy();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
