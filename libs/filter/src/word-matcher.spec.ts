import { describe, expect, it } from 'vitest';
import { normaliseForMatching, normaliseWithSpans } from './normalise';
import { seededRandom } from './seeded-random.testing';
import { isWordBoundary, isWordChar } from './word-boundary';
import { WordMatcher, wordRuleProblem } from './word-matcher';

/**
 * The matcher's fast path (one table lookup per code unit, clusters peeked one unit ahead) must
 * read a text exactly as normaliseWithSpans does. The reference here finds the same hits the slow,
 * obvious way: search the normalised string, map through the spans, apply the same boundaries.
 */
function reference(patterns: string[], text: string): string[] {
  const n = normaliseWithSpans(text);
  const units = [...n.text];
  const hits: string[] = [];
  patterns.forEach((pattern, p) => {
    const word = [...normaliseForMatching(pattern)];
    for (let first = 0; first + word.length <= units.length; first++) {
      if (!word.every((u, j) => units[first + j] === u)) continue;
      const last = first + word.length - 1;
      const start = n.starts[first];
      const end = n.ends[last];
      const spaced = [...text.slice(start, end)].some((c) => normaliseForMatching(c) === '' && !/\p{M}/u.test(c));
      if (isWordChar(word[0].codePointAt(0)!) && ((first > 0 && n.starts[first - 1] === start) || !isWordBoundary(text, start, -1, spaced))) continue;
      if (isWordChar(word[word.length - 1].codePointAt(0)!) && ((last + 1 < units.length && n.starts[last + 1] === n.starts[last]) || !isWordBoundary(text, end, 1, spaced))) continue;
      hits.push(`${p}:${start}-${end}`);
    }
  });
  return hits.sort();
}

function scan(patterns: string[], text: string): string[] {
  return new WordMatcher(patterns)
    .scan(text, () => true)
    .map((h) => `${h.pattern}:${h.start}-${h.end}`)
    .sort();
}

describe('WordMatcher', () => {
  it('reads random texts exactly as the reference does: separators, marks, surrogates, ligatures, folds', () => {
    const random = seededRandom(42);
    const pieces = ['赌', '博', '毒', '品', '賭', '中', 'a', 'b', 's', 'ａ', 'Ｂ', 'S', ' ', '.', '-', '\u200B', '\u0301', '\u0337', 'é', 'e\u0301', 'ﬁ', 'f', 'i', '😀', '𝐚', '\uD800', '①', '1'];
    const patterns = ['赌博', '毒品', '中', 'ab', 'ass', 'fi', 'if', 'a', 'é', '1a', '博中', 'bs'];
    for (let round = 0; round < 3000; round++) {
      let text = '';
      const length = Math.floor(random() * 24);
      for (let k = 0; k < length; k++) text += pieces[Math.floor(random() * pieces.length)];
      expect(scan(patterns, text), JSON.stringify(text)).toEqual(reference(patterns, text));
    }
  });

  it('only reports patterns the caller wants', () => {
    const m = new WordMatcher(['赌博', '毒品']);
    expect(m.scan('赌博毒品', (p) => p === 1)).toEqual([{ pattern: 1, start: 2, end: 4 }]);
  });

  it('reads a long text whose matches lie further apart than the longest pattern', () => {
    const m = new WordMatcher(['赌博']);
    const text = `${'中'.repeat(1000)}赌 . 博${'中'.repeat(1000)}`;
    expect(m.scan(text, () => true)).toEqual([{ pattern: 0, start: 1000, end: 1005 }]);
  });
});

describe('wordRuleProblem', () => {
  it('refuses words with nothing left once normalised, and accepts the rest', () => {
    expect(wordRuleProblem('!!! ...')).toMatch(/nothing is left/);
    expect(wordRuleProblem('   ')).toMatch(/empty/);
    expect(wordRuleProblem('x'.repeat(201))).toMatch(/longer than 200/);
    expect(wordRuleProblem('赌博')).toBeNull();
    expect(wordRuleProblem('ｄｒｕｇ')).toBeNull();
  });
});
