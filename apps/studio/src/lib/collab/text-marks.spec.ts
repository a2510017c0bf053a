import { describe, expect, it } from 'vitest';
import { fitSpan, legendOf, mapSpanBetween, markSegments, rebaseSpan, type MarkSpan } from './text-marks';

const mark = (start: number, end: number, action: MarkSpan['action'] = 'block', category = 'gambling'): MarkSpan => ({ start, end, action, category });
/** The runs as [text, actions] pairs, for reading. */
const runs = (text: string, marks: MarkSpan[]) => markSegments(text, marks).map((s) => [s.text, s.marks.map((m) => m.action).join('+')]);

describe('markSegments', () => {
  it('cuts an English text around a flagged word, and the runs join to the text', () => {
    const text = 'Meet at the casino for gambling tonight';
    const segments = markSegments(text, [mark(23, 31)]);
    expect(segments.map((s) => s.text).join('')).toBe(text);
    expect(runs(text, [mark(23, 31)])).toEqual([
      ['Meet at the casino for ', ''],
      ['gambling', 'block'],
      [' tonight', ''],
    ]);
  });

  it('marks every occurrence in a Chinese text', () => {
    const text = '他在赌场里赌博，然后又去赌博';
    expect(runs(text, [mark(5, 7), mark(12, 14, 'review')])).toEqual([
      ['他在赌场里', ''],
      ['赌博', 'block'],
      ['，然后又去', ''],
      ['赌博', 'review'],
    ]);
  });

  it('splits overlapping marks into runs covered by one or both, the strongest action first', () => {
    const text = '网上赌博代理平台';
    expect(runs(text, [mark(4, 8, 'mask', 'ads'), mark(2, 6, 'block')])).toEqual([
      ['网上', ''],
      ['赌博', 'block'],
      ['代理', 'block+mask'],
      ['平台', 'mask'],
    ]);
    // The same span flagged twice (two rules) is one run with both marks.
    expect(runs('gambling', [mark(0, 8, 'review', 'a'), mark(0, 8, 'block', 'b')])).toEqual([['gambling', 'block+review']]);
  });

  it('never cuts a surrogate pair: a span edge inside an emoji takes the whole emoji', () => {
    const text = '🎲赌博🎲!';
    // 🎲 is two code units: [0,2) and [4,6).
    expect(runs(text, [mark(1, 5)])).toEqual([
      ['🎲赌博🎲', 'block'],
      ['!', ''],
    ]);
    expect(runs(text, [mark(2, 4)])).toEqual([
      ['🎲', ''],
      ['赌博', 'block'],
      ['🎲!', ''],
    ]);
  });

  it('cuts a span that runs past the end (the text was shortened) and drops one wholly past it', () => {
    expect(runs('赌博', [mark(0, 9), mark(5, 9, 'mask')])).toEqual([['赌博', 'block']]);
    expect(markSegments('', [mark(0, 2)])).toEqual([]);
  });
});

describe('fitSpan', () => {
  it('keeps a span that fits, cuts one past the end, and drops an empty one', () => {
    expect(fitSpan({ start: 1, end: 3 }, 'abcd')).toEqual({ start: 1, end: 3 });
    expect(fitSpan({ start: 2, end: 10 }, 'abcd')).toEqual({ start: 2, end: 4 });
    expect(fitSpan({ start: 6, end: 10 }, 'abcd')).toBeNull();
    expect(fitSpan({ start: 2, end: 2 }, 'abcd')).toBeNull();
  });
});

describe('rebaseSpan (a span through a Y.Text delta)', () => {
  const span = { start: 4, end: 6 }; // 赌博 in 'abc 赌博 xyz'

  it('moves with text typed or deleted before it, including right before it', () => {
    expect(rebaseSpan(span, [{ insert: '今天' }])).toEqual({ start: 6, end: 8 });
    expect(rebaseSpan(span, [{ retain: 4 }, { insert: '🎲' }])).toEqual({ start: 6, end: 8 });
    expect(rebaseSpan(span, [{ retain: 1 }, { delete: 2 }])).toEqual({ start: 2, end: 4 });
    expect(rebaseSpan(span, [{ delete: 4 }])).toEqual({ start: 0, end: 2 });
  });

  it('stays put for text typed or deleted after it, including right after it', () => {
    expect(rebaseSpan(span, [{ retain: 6 }, { insert: '!' }])).toEqual(span);
    expect(rebaseSpan(span, [{ retain: 7 }, { delete: 3 }])).toEqual(span);
  });

  it('is lost when the change touched its characters', () => {
    expect(rebaseSpan(span, [{ retain: 5 }, { insert: 'x' }])).toBeNull();
    expect(rebaseSpan(span, [{ retain: 5 }, { delete: 1 }])).toBeNull();
    expect(rebaseSpan(span, [{ retain: 3 }, { delete: 2 }])).toBeNull();
    expect(rebaseSpan(span, [{ delete: 10 }])).toBeNull();
  });
});

describe('mapSpanBetween (a span carried over one splice)', () => {
  it('follows edits before and after the span in English and Chinese text', () => {
    const from = 'no gambling here';
    expect(mapSpanBetween({ start: 3, end: 11 }, from, 'really no gambling here')).toEqual({ start: 10, end: 18 });
    expect(mapSpanBetween({ start: 3, end: 11 }, from, 'no gambling here, ok')).toEqual({ start: 3, end: 11 });
    expect(mapSpanBetween({ start: 2, end: 4 }, '今晚赌博', '今晚去赌博')).toEqual({ start: 3, end: 5 });
    expect(mapSpanBetween({ start: 2, end: 4 }, '今晚赌博', '今晚赌博')).toEqual({ start: 2, end: 4 });
  });

  it('is lost when the span was edited or deleted', () => {
    expect(mapSpanBetween({ start: 2, end: 4 }, '今晚赌博', '今晚赌')).toBeNull();
    expect(mapSpanBetween({ start: 2, end: 4 }, '今晚赌博', '今晚赌x博')).toBeNull();
    expect(mapSpanBetween({ start: 3, end: 11 }, 'no gambling here', 'no')).toBeNull();
  });
});

describe('legendOf', () => {
  it('lists each distinct flagged text once with its count, strongest action first', () => {
    const text = '赌博 and 赌博, spam';
    expect(legendOf(text, [mark(11, 15, 'mask', 'ads'), mark(0, 2), mark(7, 9)])).toEqual([
      { text: '赌博', action: 'block', category: 'gambling', count: 2 },
      { text: 'spam', action: 'mask', category: 'ads', count: 1 },
    ]);
  });
});
