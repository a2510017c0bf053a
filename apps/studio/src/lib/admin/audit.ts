/** How free-form details (an audit entry's, a model's) read in the console's tables. */
import type { AuditEntryView, FilterAction } from '@reelcraft/shared';

export interface AuditHit {
  category: string;
  action: FilterAction | string;
  text: string;
}

export interface AuditSummary {
  /** Filter hits: which category matched which words. */
  hits: AuditHit[];
  /** Everything else, as short `key: value` pairs in the detail's order. */
  fields: { key: string; value: string }[];
}

const MAX_VALUE = 120;

function short(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function hitOf(v: unknown): AuditHit | null {
  if (!v || typeof v !== 'object') return null;
  const r = v as Record<string, unknown>;
  if (typeof r.category !== 'string' || typeof r.text !== 'string') return null;
  return { category: r.category, action: typeof r.action === 'string' ? r.action : '', text: r.text };
}

/** A record as short `key: value` pairs in its order; empty values left out, long ones cut. */
export function detailPairs(detail: Record<string, unknown> | null | undefined, skip: readonly string[] = []): { key: string; value: string }[] {
  return Object.entries(detail ?? {})
    .filter(([key, value]) => !skip.includes(key) && value !== undefined && value !== null && value !== '')
    .map(([key, value]) => ({ key, value: short(value) }));
}

export function summariseAudit(entry: Pick<AuditEntryView, 'detail'>): AuditSummary {
  const matches = entry.detail?.matches;
  const hits = Array.isArray(matches) ? matches.map(hitOf).filter((h): h is AuditHit => h !== null) : [];
  return { hits, fields: detailPairs(entry.detail, Array.isArray(matches) ? ['matches'] : []) };
}
