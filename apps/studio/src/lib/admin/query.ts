/** Query strings for the admin API's list calls. */

export type QueryValue = string | number | boolean | null | undefined;

/**
 * `?a=1&b=x` from the given parameters, in their order, leaving out the ones that say "no filter"
 * (undefined, null, blank strings); '' when nothing is left.
 */
export function queryString(params: Record<string, QueryValue>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value.trim() : String(value);
    if (text !== '') q.set(key, text);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * The ISO instant of a `<input type="datetime-local">` value ("2026-11-25T09:30"), read in the
 * browser's time zone; undefined when blank or unreadable. The API takes ISO date-times with an
 * offset, so the admin's local clock is what the filter means.
 */
export function localToIso(value: string | null | undefined): string | undefined {
  if (!value || !value.trim()) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value.trim())) return undefined;
  const ms = new Date(value.trim()).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The number of pages for `total` items, at least 1. */
export function pageCount(total: number, pageSize: number): number {
  if (!Number.isFinite(total) || total <= 0 || pageSize <= 0) return 1;
  return Math.max(1, Math.ceil(total / pageSize));
}
