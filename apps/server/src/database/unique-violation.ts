import { QueryFailedError } from 'typeorm';

/**
 * Whether a failed insert or update broke a unique key, on either database: PostgreSQL says
 * SQLSTATE 23505, better-sqlite3 SQLITE_CONSTRAINT_UNIQUE (or _PRIMARYKEY). A check before the
 * write cannot stand in for it: two requests (or two server processes) can both pass the check.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const code = (err.driverError as { code?: unknown } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
