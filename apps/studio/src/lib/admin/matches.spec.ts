import { describe, expect, it } from 'vitest';
import { categoriesOf, segments } from './matches';

const m = (start: number, end: number, action: 'block' | 'mask' | 'review' = 'block', category = 'gambling') => ({ start, end, action, category });

describe('segments', () => {
  it('cuts the text into plain and matched pieces in order', () => {
    expect(segments('我想去赌博网站', [m(3, 5)])).toEqual([
      { text: '我想去', match: null },
      { text: '赌博', match: { category: 'gambling', action: 'block' } },
      { text: '网站', match: null },
    ]);
  });

  it('gives overlapping matches the strongest action and merges equal neighbours', () => {
    const out = segments('abcdef', [m(0, 4, 'mask', 'a'), m(2, 6, 'block', 'b'), m(0, 2, 'mask', 'a')]);
    expect(out).toEqual([
      { text: 'ab', match: { category: 'a', action: 'mask' } },
      { text: 'cdef', match: { category: 'b', action: 'block' } },
    ]);
  });

  it('clips spans outside the text and ignores empty ones', () => {
    expect(segments('abc', [m(2, 10), m(1, 1)])).toEqual([
      { text: 'ab', match: null },
      { text: 'c', match: { category: 'gambling', action: 'block' } },
    ]);
    expect(segments('', [])).toEqual([]);
    expect(segments('plain', [])).toEqual([{ text: 'plain', match: null }]);
  });
});

describe('categoriesOf', () => {
  it('lists each category once, first seen first', () => {
    expect(categoriesOf([{ category: 'b' }, { category: 'a' }, { category: 'b' }])).toEqual(['b', 'a']);
  });
});
