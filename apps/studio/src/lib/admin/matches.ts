/** Shows where the content filter matched in a text. */
import type { FilterAction, FilterMatch } from '@reelcraft/shared';

export interface TextSegment {
  text: string;
  /** The strongest match covering this piece, or null for plain text. */
  match: Pick<FilterMatch, 'category' | 'action'> | null;
}

const STRENGTH: Record<FilterAction, number> = { mask: 1, review: 2, block: 3 };

/**
 * Cuts `text` into plain and matched pieces, in order. Matches may overlap (a word inside a
 * longer one, two rules on one span): where they do, the piece takes the strongest action. Spans
 * outside the text are clipped; offsets are UTF-16 code units, as the API gives them.
 */
export function segments(text: string, matches: readonly Pick<FilterMatch, 'start' | 'end' | 'category' | 'action'>[]): TextSegment[] {
  const cuts = new Set<number>([0, text.length]);
  const spans = matches
    .map((m) => ({ ...m, start: Math.max(0, Math.min(text.length, m.start)), end: Math.max(0, Math.min(text.length, m.end)) }))
    .filter((m) => m.end > m.start);
  for (const m of spans) {
    cuts.add(m.start);
    cuts.add(m.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: TextSegment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [from, to] = [points[i], points[i + 1]];
    let best: TextSegment['match'] = null;
    for (const m of spans) {
      if (m.start <= from && m.end >= to && (!best || STRENGTH[m.action] > STRENGTH[best.action])) best = { category: m.category, action: m.action };
    }
    const prev = out[out.length - 1];
    const piece = text.slice(from, to);
    if (prev && sameMatch(prev.match, best)) prev.text += piece;
    else out.push({ text: piece, match: best });
  }
  return out;
}

function sameMatch(a: TextSegment['match'], b: TextSegment['match']): boolean {
  return a === b || (a !== null && b !== null && a.category === b.category && a.action === b.action);
}

/** Each category once, in the order it first matched. */
export function categoriesOf(matches: readonly Pick<FilterMatch, 'category'>[]): string[] {
  return [...new Set(matches.map((m) => m.category))];
}
