/**
 * Spans of a text that the content filter flagged, and how they move when the text changes.
 * Offsets are UTF-16 code units, as the server, Y.Text and a <textarea> count them.
 */
import type { FilterAction } from '@reelcraft/shared';
import { diffText, type DeltaOp, type TextSplice } from './text-diff';

export interface Span {
  start: number;
  end: number;
}

export interface MarkSpan extends Span {
  action: FilterAction;
  category: string;
}

/** A run of text and the marks covering all of it (strongest action first; empty: unmarked). */
export interface Segment {
  start: number;
  text: string;
  marks: MarkSpan[];
}

/** What a render does with the text: block refuses it, review holds it, mask replaces the characters. */
export const ACTION_STRENGTH: Record<FilterAction, number> = { block: 3, review: 2, mask: 1 };

export const byStrength = (a: { action: FilterAction }, b: { action: FilterAction }): number => ACTION_STRENGTH[b.action] - ACTION_STRENGTH[a.action];

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * The span cut to the text (a span past the end, left by a deletion, ends at the end) and widened
 * to whole code points, so an emoji is never half marked; null when nothing of it is left.
 */
export function fitSpan<S extends Span>(span: S, text: string): S | null {
  let start = Math.max(0, Math.min(span.start, text.length));
  let end = Math.max(start, Math.min(span.end, text.length));
  if (start > 0 && start < text.length && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) start--;
  if (end > 0 && end < text.length && isLow(text.charCodeAt(end)) && isHigh(text.charCodeAt(end - 1))) end++;
  return end > start ? { ...span, start, end } : null;
}

/**
 * The text cut into runs at every mark's edges, each run with the marks that cover it; overlapping
 * marks give a run covered by both. Marks are fitted to the text first. The runs join to the text.
 */
export function markSegments(text: string, marks: readonly MarkSpan[]): Segment[] {
  const fitted = marks.map((m) => fitSpan(m, text)).filter((m): m is MarkSpan => m !== null);
  const cuts = [...new Set([0, text.length, ...fitted.flatMap((m) => [m.start, m.end])])].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [start, end] = [cuts[i], cuts[i + 1]];
    const covering = fitted.filter((m) => m.start <= start && m.end >= end).sort(byStrength);
    out.push({ start, text: text.slice(start, end), marks: covering });
  }
  return out;
}

/** A splice as a Y.Text-style delta. */
export function spliceDelta(splice: TextSplice): DeltaOp[] {
  const ops: DeltaOp[] = [];
  if (splice.index) ops.push({ retain: splice.index });
  if (splice.remove) ops.push({ delete: splice.remove });
  if (splice.insert) ops.push({ insert: splice.insert });
  return ops;
}

/**
 * Where a span lands after a change (a Y.Text delta); null when the change touched its characters
 * (deleted any of them or inserted between them): the span no longer holds the text that was
 * flagged. Text typed right before or right after the span stays outside it.
 */
export function rebaseSpan<S extends Span>(span: S, delta: readonly DeltaOp[]): S | null {
  let pos = 0; // position in the old text
  let shiftStart = 0;
  let shiftEnd = 0;
  for (const op of delta) {
    if (pos >= span.end) break;
    if (op.retain !== undefined) {
      pos += op.retain;
    } else if (op.insert !== undefined) {
      const len = typeof op.insert === 'string' ? op.insert.length : 1;
      if (pos > span.start) return null;
      shiftStart += len;
      shiftEnd += len;
    } else if (op.delete !== undefined) {
      if (pos + op.delete > span.start) return null;
      shiftStart -= op.delete;
      shiftEnd -= op.delete;
      pos += op.delete;
    }
  }
  return { ...span, start: span.start + shiftStart, end: span.end + shiftEnd };
}

/** A span of `from` carried over to `to` (one splice between them); null when the change touched it. */
export function mapSpanBetween<S extends Span>(span: S, from: string, to: string): S | null {
  const splice = diffText(from, to);
  return splice ? rebaseSpan(span, spliceDelta(splice)) : span;
}

/** One line of a field's legend: the flagged characters, what the filter does and why, and how often. */
export interface LegendEntry {
  text: string;
  action: FilterAction;
  category: string;
  count: number;
}

/** The distinct marks of a text (same characters, action and category counted once), strongest first. */
export function legendOf(text: string, marks: readonly MarkSpan[]): LegendEntry[] {
  const out = new Map<string, LegendEntry>();
  for (const m of marks) {
    const fitted = fitSpan(m, text);
    if (!fitted) continue;
    const entry = { text: text.slice(fitted.start, fitted.end), action: m.action, category: m.category, count: 1 };
    const key = JSON.stringify([entry.text, entry.action, entry.category]);
    const seen = out.get(key);
    if (seen) seen.count++;
    else out.set(key, entry);
  }
  return [...out.values()].sort(byStrength);
}
