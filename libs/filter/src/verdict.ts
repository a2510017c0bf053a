import type { FilterAction, FilterMatch } from '@reelcraft/shared';

/** What a mask leaves in place of each character (code point) of a masked span. */
export const MASK_CHAR = '＊';

const STRENGTH: Record<FilterAction, number> = { mask: 1, review: 2, block: 3 };

/** The strongest action among the matches (block > review > mask), or `allow` when there are none. */
export function strongestAction(matches: readonly FilterMatch[]): FilterAction | 'allow' {
  let strongest: FilterAction | 'allow' = 'allow';
  for (const m of matches) if (strongest === 'allow' || STRENGTH[m.action] > STRENGTH[strongest]) strongest = m.action;
  return strongest;
}

/**
 * The text with every character inside one of the spans replaced by one `＊` (a surrogate pair is
 * one character); overlapping spans mask once, and nothing outside them changes.
 */
export function maskSpans(text: string, spans: readonly { start: number; end: number }[]): string {
  if (spans.length === 0) return text;
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let out = '';
  let done = 0;
  for (const { start, end } of sorted) {
    if (end <= done) continue;
    const from = Math.max(start, done);
    out += text.slice(done, from);
    for (let i = from; i < end; i += text.codePointAt(i)! > 0xffff ? 2 : 1) out += MASK_CHAR;
    done = end;
  }
  return out + text.slice(done);
}
