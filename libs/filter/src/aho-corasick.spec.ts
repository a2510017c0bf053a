import { describe, expect, it } from 'vitest';
import { buildAutomaton, next, ROOT } from './aho-corasick';
import { seededRandom } from './seeded-random.testing';

/** Every (pattern, end) the automaton reports while reading `text`. */
function run(patterns: number[][], alphabet: number, text: number[]): string[] {
  const a = buildAutomaton(patterns, alphabet);
  const found: string[] = [];
  let state = ROOT;
  text.forEach((symbol, i) => {
    state = next(a, state, symbol);
    for (let s = a.output[state]; s !== -1; s = a.nextOutput[s]) for (let p = a.firstPattern[s]; p !== -1; p = a.samePlace[p]) found.push(`${p}@${i}`);
  });
  return found.sort();
}

function naive(patterns: number[][], text: number[]): string[] {
  const found: string[] = [];
  patterns.forEach((p, k) => {
    for (let end = p.length - 1; end < text.length; end++) if (p.every((s, j) => text[end - p.length + 1 + j] === s)) found.push(`${k}@${end}`);
  });
  return found.sort();
}

describe('buildAutomaton', () => {
  it('finds every occurrence of every pattern, overlapping and nested ones included', () => {
    // he, she, his, hers over h=1 e=2 s=3 i=4 r=5: the textbook example.
    const patterns = [
      [1, 2],
      [3, 1, 2],
      [1, 4, 3],
      [1, 2, 5, 3],
    ];
    const text = [4, 3, 1, 2, 5, 3]; // "ishers"
    expect(run(patterns, 5, text)).toEqual(naive(patterns, text));
    expect(run(patterns, 5, text)).toEqual(['0@3', '1@3', '3@5'].sort());
  });

  it('reports two patterns with the same symbols separately, in order', () => {
    expect(run([[1, 2], [1, 2]], 2, [1, 2])).toEqual(['0@1', '1@1']);
  });

  it('agrees with a naive search on random patterns and texts (small and wide alphabets)', () => {
    const random = seededRandom(7);
    for (const alphabet of [2, 3, 5, 40, 3000]) {
      for (let round = 0; round < 30; round++) {
        const symbol = () => 1 + Math.floor(random() * alphabet);
        const patterns = Array.from({ length: 1 + Math.floor(random() * 60) }, () => Array.from({ length: 1 + Math.floor(random() * 5) }, symbol));
        const text = Array.from({ length: Math.floor(random() * 200) }, () => (random() < 0.05 ? 0 : symbol()));
        expect(run(patterns, alphabet, text)).toEqual(naive(patterns, text));
      }
    }
  });

  it('refuses empty patterns and symbols outside the alphabet', () => {
    expect(() => buildAutomaton([[]], 3)).toThrow(/empty/);
    expect(() => buildAutomaton([[4]], 3)).toThrow(/outside/);
  });
});
