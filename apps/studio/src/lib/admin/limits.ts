/** What an admin types for a task's priority and a user's limits, read as the API takes them. */

/** A priority as typed: a whole number in -100..100, or null when it is not one. */
export function parsePriority(text: string): number | null {
  if (!/^\s*[-+]?\d+\s*$/.test(text)) return null;
  const n = Number(text);
  return n >= -100 && n <= 100 ? n : null;
}

/** A per-user limit as typed: empty is the server's default (null); a whole number from 1 up; undefined when it is neither. */
export function parseUserLimit(text: string): number | null | undefined {
  if (text.trim() === '') return null;
  if (!/^\s*\d+\s*$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 100_000 ? n : undefined;
}
