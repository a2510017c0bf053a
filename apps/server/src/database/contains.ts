import { Raw, type FindOperator } from 'typeorm';

/**
 * The LIKE pattern for "holds `term` anywhere, whatever its case", to compare with
 * `LOWER(column) LIKE :pattern ESCAPE '\'` (CONTAINS_SQL). Both parts matter for the two
 * databases: SQLite's LIKE ignores ASCII case and PostgreSQL's does not, and SQLite has no
 * default escape character, so "a_b" or "50%" would otherwise match more than they say.
 */
export const containsPattern = (term: string): string => `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** `column` holds the pattern's term, for a query builder; `column` is trusted SQL, the pattern a parameter. */
export const containsSql = (column: string, param: string): string => `LOWER(${column}) LIKE :${param} ESCAPE '\\'`;

/** The same test as a find option: `where: { username: contains(q) }`. */
export const contains = (term: string): FindOperator<string> => Raw((column) => containsSql(column, 'containsTerm'), { containsTerm: containsPattern(term) });
