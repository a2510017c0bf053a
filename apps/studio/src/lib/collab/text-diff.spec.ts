import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applySplice, diffText, transformIndex, type DeltaOp } from './text-diff';

describe('diffText', () => {
  it('returns null for equal strings', () => {
    expect(diffText('', '')).toBeNull();
    expect(diffText('同一', '同一')).toBeNull();
  });

  it('finds a plain insert, delete and replace', () => {
    expect(diffText('hello world', 'hello brave world')).toEqual({ index: 6, remove: 0, insert: 'brave ' });
    expect(diffText('hello brave world', 'hello world')).toEqual({ index: 6, remove: 6, insert: '' });
    expect(diffText('the cat sat', 'the dog sat')).toEqual({ index: 4, remove: 3, insert: 'dog' });
    expect(diffText('', 'abc')).toEqual({ index: 0, remove: 0, insert: 'abc' });
    expect(diffText('abc', '')).toEqual({ index: 0, remove: 3, insert: '' });
  });

  it('keeps the change as small as the common prefix and suffix allow', () => {
    const d = diffText('一只猫在河边', '一只小猫在河边')!;
    expect(d).toEqual({ index: 2, remove: 0, insert: '小' });
  });

  it('handles CJK replacement typed through an input method', () => {
    expect(diffText('森林里的', '森林里的小鹿')).toEqual({ index: 4, remove: 0, insert: '小鹿' });
    expect(diffText('河流很长', '河水很长')).toEqual({ index: 1, remove: 1, insert: '水' });
  });

  it('uses the caret to place an edit among repeated characters', () => {
    expect(diffText('aa', 'aaa', 3)).toEqual({ index: 2, remove: 0, insert: 'a' });
    expect(diffText('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' });
    expect(diffText('aaa', 'aa', 0)).toEqual({ index: 0, remove: 1, insert: '' });
    expect(diffText('哈哈', '哈哈哈', 1)).toEqual({ index: 0, remove: 0, insert: '哈' });
  });

  it('never splits a surrogate pair', () => {
    // 😀 U+1F600 = D83D DE00, 😃 U+1F603 = D83D DE03: same high surrogate.
    expect(diffText('a😀b', 'a😃b')).toEqual({ index: 1, remove: 2, insert: '😃' });
    // 🈀 U+1F200 = D83C DE00: same low surrogate as 😀.
    expect(diffText('x😀', 'x🈀')).toEqual({ index: 1, remove: 2, insert: '🈀' });
    expect(diffText('😀', '😀😀')).toEqual({ index: 2, remove: 0, insert: '😀' });
    expect(diffText('🎬🎬', '🎬')).toMatchObject({ remove: 2, insert: '' });
    const d = diffText('镜头🎥推近', '镜头🎞推近')!;
    expect(d.index).toBe(2);
    expect(d.insert).toBe('🎞');
  });

  it('always reproduces the new string', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['abc', 'abXc'],
      ['👩‍👩‍👧 family', '👩‍👩‍👦 family'],
      ['中文English混合', '中文English和混合🙂'],
      ['🙂🙂🙂', '🙂🙃🙂'],
      ['line1\nline2', 'line1\r\nline2'],
    ];
    for (const [a, b] of cases) {
      for (let caret = 0; caret <= b.length; caret++) {
        const d = diffText(a, b, caret);
        expect(applySplice(a, d), `${a} → ${b} @${caret}`).toBe(b);
        if (d) {
          // Whole code points only: neither end of the splice falls between a surrogate pair.
          expect(a.slice(d.index, d.index + d.remove)).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
          expect(d.insert).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
        }
      }
    }
  });

  it('applied to a Y.Text, merges with a concurrent edit elsewhere', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.getText('t').insert(0, '林中小路');
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const edit = (doc: Y.Doc, next: string) => {
      const t = doc.getText('t');
      const d = diffText(t.toString(), next)!;
      doc.transact(() => {
        t.delete(d.index, d.remove);
        t.insert(d.index, d.insert);
      });
    };
    edit(a, '清晨林中小路');
    edit(b, '林中小路尽头');
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(a.getText('t').toString()).toBe('清晨林中小路尽头');
    expect(b.getText('t').toString()).toBe('清晨林中小路尽头');
  });
});

describe('transformIndex', () => {
  const ins = (at: number, s: string): DeltaOp[] => (at ? [{ retain: at }, { insert: s }] : [{ insert: s }]);
  const del = (at: number, n: number): DeltaOp[] => (at ? [{ retain: at }, { delete: n }] : [{ delete: n }]);

  it('moves a caret after text inserted before it', () => {
    expect(transformIndex(5, ins(2, 'abc'))).toBe(8);
    expect(transformIndex(1, ins(2, 'abc'))).toBe(1);
  });

  it('leaves a caret put when text is inserted right at it, unless told to stick right', () => {
    expect(transformIndex(2, ins(2, 'xy'))).toBe(2);
    expect(transformIndex(2, ins(2, 'xy'), true)).toBe(4);
  });

  it('pulls a caret back over deleted text, and into the start of a deleted range', () => {
    expect(transformIndex(6, del(1, 2))).toBe(4);
    expect(transformIndex(2, del(1, 4))).toBe(1);
    expect(transformIndex(0, del(0, 3))).toBe(0);
  });

  it('follows a real Y.Text event', () => {
    const doc = new Y.Doc();
    const t = doc.getText('t');
    t.insert(0, '一二三四五');
    let delta: DeltaOp[] = [];
    t.observe((e) => (delta = e.delta as DeltaOp[]));
    doc.transact(() => {
      t.insert(0, '零');
      t.delete(3, 1); // removes 三 (now at 3)
    });
    expect(t.toString()).toBe('零一二四五');
    // The caret was before 四 (index 3 of the old text): it is still before 四.
    expect(transformIndex(3, delta)).toBe(3);
    // The caret was at the very end: still at the end.
    expect(transformIndex(5, delta)).toBe(5);
  });
});
