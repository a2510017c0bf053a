import type { QueryRunner } from 'typeorm';

/**
 * The column types that differ between SQLite and PostgreSQL; every migration writes one SQL text
 * for both databases with these in it, and schema.spec.ts checks the result against the entities.
 */
export function sqlDialect(q: QueryRunner) {
  const pg = q.connection.driver.options.type === 'postgres';
  return {
    pg,
    timestamp: pg ? 'TIMESTAMP' : 'datetime',
    now: pg ? 'now()' : "datetime('now')",
    bytes: pg ? 'bytea' : 'blob',
    false: pg ? 'false' : '0',
  };
}
