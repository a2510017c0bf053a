import type { FilterAction, FilterMatch } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { maskSpans, strongestAction } from './verdict';

const match = (action: FilterAction): FilterMatch => ({ rule_id: action, category: 'c', action, start: 0, end: 1, text: 'x' });

describe('strongestAction', () => {
  it('is allow without matches, else block > review > mask whatever the order', () => {
    expect(strongestAction([])).toBe('allow');
    expect(strongestAction([match('mask')])).toBe('mask');
    expect(strongestAction([match('mask'), match('review')])).toBe('review');
    expect(strongestAction([match('review'), match('block'), match('mask')])).toBe('block');
  });
});

describe('maskSpans', () => {
  it('puts one ＊ per code point, a surrogate pair counting once', () => {
    const text = 'ab😀cd';
    expect(maskSpans(text, [{ start: 1, end: 5 }])).toBe('a＊＊＊d');
  });

  it('masks overlapping and nested spans once and keeps everything between them', () => {
    const text = '0123456789';
    expect(maskSpans(text, [{ start: 6, end: 8 }, { start: 1, end: 4 }, { start: 2, end: 3 }, { start: 3, end: 5 }])).toBe('0＊＊＊＊5＊＊89');
  });

  it('returns the text itself when there is nothing to mask', () => {
    expect(maskSpans('赌博', [])).toBe('赌博');
  });
});
