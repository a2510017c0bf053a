import { defaults, types } from 'pg';

/**
 * Every timestamp column is `timestamp` (without time zone) on PostgreSQL, as the one migration
 * set for both databases writes them (sql-dialect.ts). SQLite keeps UTC there (datetime('now'),
 * and TypeORM writes and reads UTC); node-postgres by default writes a Date as this process's
 * local time, which PostgreSQL keeps as a wall time without its offset, reads one back as local
 * time, and now() defaults follow the server's TimeZone. A process whose zone differs from the
 * server's would then see the rows that took a default hours away from the rows it wrote. These
 * make PostgreSQL hold UTC too: the session's TimeZone, Dates written as UTC (node-postgres has
 * this switch only globally; the server's one pg user is TypeORM) and read back as UTC (the
 * pool's own type parsers).
 */
export function utcTimestamps(): { sessionOption: string; types: { getTypeParser: typeof types.getTypeParser } } {
  defaults.parseInputDatesAsUTC = true;
  return { sessionOption: '-c TimeZone=UTC', types: pgUtcTypes };
}

const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

const pgUtcTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMP && format !== 'binary') {
      const withZone = types.getTypeParser(TIMESTAMPTZ, 'text') as (value: string) => Date;
      return (value: string) => withZone(`${value}+00`);
    }
    return types.getTypeParser(oid, format);
  }) as typeof types.getTypeParser,
};
