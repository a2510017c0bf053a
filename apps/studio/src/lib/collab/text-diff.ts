/**
 * Minimal edits between two strings, for binding a <textarea> to a Y.Text: the textarea's new
 * value is turned into one splice (common prefix and suffix kept), so concurrent typing elsewhere
 * in the same text survives and merges. Indexes are UTF-16 code units, as Y.Text counts them; a
 * splice never starts or ends inside a surrogate pair, so an emoji is never torn in half.
 */

export interface TextSplice {
  /** Where the change starts (UTF-16 index into the old string). */
  index: number;
  /** How many code units of the old string go. */
  remove: number;
  /** What comes in their place. */
  insert: string;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * The single smallest splice that turns `prev` into `next`, or null when they are equal.
 * `caret` (the caret after the edit, in `next`) resolves ambiguity: typing "a" into "aa" at the
 * end is an insert at 2, not at 0.
 */
export function diffText(prev: string, next: string, caret?: number): TextSplice | null {
  if (prev === next) return null;
  const minLen = Math.min(prev.length, next.length);
  let start = 0;
  while (start < minLen && prev.charCodeAt(start) === next.charCodeAt(start)) start++;
  // When the caret sits inside the common prefix, the edit happened before it (repeated letters).
  if (caret !== undefined && caret >= 0) {
    const grew = next.length - prev.length;
    const limit = grew > 0 ? caret - grew : caret;
    if (limit >= 0 && limit < start) start = limit;
  }
  let end = 0;
  while (end < prev.length - start && end < next.length - start && prev.charCodeAt(prev.length - 1 - end) === next.charCodeAt(next.length - 1 - end)) end++;
  // Never split a surrogate pair: widen the splice to whole code points.
  if (start > 0 && isHigh(prev.charCodeAt(start - 1)) && (isLow(prev.charCodeAt(start)) || isLow(next.charCodeAt(start)))) start--;
  if (end > 0 && isLow(prev.charCodeAt(prev.length - end)) && (isHigh(prev.charCodeAt(prev.length - end - 1)) || isHigh(next.charCodeAt(next.length - end - 1)))) end--;
  return { index: start, remove: prev.length - start - end, insert: next.slice(start, next.length - end) };
}

/** Applies a splice to a string (the reference for what a Y.Text does with delete + insert). */
export function applySplice(s: string, splice: TextSplice | null): string {
  if (!splice) return s;
  return s.slice(0, splice.index) + splice.insert + s.slice(splice.index + splice.remove);
}

/** One op of a Y.Text change delta (Y.YTextEvent.delta). */
export interface DeltaOp {
  retain?: number;
  insert?: string | object;
  delete?: number;
}

/**
 * Where a position in the old text lands after someone else's change (a Y.Text delta). Text
 * inserted exactly at the position goes after it when `stickRight` is false (a caret stays put
 * while someone types right behind it), before it when true (the end of a selection grows).
 */
export function transformIndex(index: number, delta: readonly DeltaOp[], stickRight = false): number {
  let pos = 0; // position in the old text
  let shift = 0;
  for (const op of delta) {
    if (pos > index) break;
    if (op.retain !== undefined) {
      pos += op.retain;
    } else if (op.insert !== undefined) {
      const len = typeof op.insert === 'string' ? op.insert.length : 1;
      if (pos < index || (pos === index && stickRight)) shift += len;
    } else if (op.delete !== undefined) {
      if (pos < index) shift -= Math.min(op.delete, index - pos);
      pos += op.delete;
    }
  }
  return Math.max(0, index + shift);
}
