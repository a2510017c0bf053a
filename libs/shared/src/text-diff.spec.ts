import { describe, expect, it } from 'vitest';
import { charDiff, graphemes, type TextDiffPart } from './text-diff';

/** The diff as a compact string: [-removed-] and {+inserted+}, equal text as is. */
const marked = (parts: TextDiffPart[]) => parts.map((p) => (p.op === 'equal' ? p.text : p.op === 'delete' ? `[-${p.text}-]` : `{+${p.text}+}`)).join('');
const side = (parts: TextDiffPart[], keep: 'delete' | 'insert') => parts.filter((p) => p.op === 'equal' || p.op === keep).map((p) => p.text).join('');

/** Every diff must rebuild both texts and hold no empty or repeated-op parts. */
function checked(before: string, after: string): TextDiffPart[] {
  const parts = charDiff(before, after);
  expect(side(parts, 'delete')).toBe(before);
  expect(side(parts, 'insert')).toBe(after);
  for (const [i, p] of parts.entries()) {
    expect(p.text).not.toBe('');
    if (i > 0) expect(p.op).not.toBe(parts[i - 1].op);
    // Within a change the removal comes first.
    if (p.op === 'delete' && i > 0) expect(parts[i - 1].op).toBe('equal');
  }
  return parts;
}

const diffed = (before: string, after: string) => marked(checked(before, after));

describe('charDiff', () => {
  it('marks Chinese insertions, deletions and replacements character by character', () => {
    expect(diffed('一只猫在屋顶上睡觉', '一只黑猫在屋顶上安静地睡觉')).toBe('一只{+黑+}猫在屋顶上{+安静地+}睡觉');
    expect(diffed('灯塔在浓雾中闪烁', '灯塔在雾中闪烁')).toBe('灯塔在[-浓-]雾中闪烁');
    expect(diffed('灯塔在雾中熄灭', '灯塔在浓雾中闪烁')).toBe('灯塔在{+浓+}雾中[-熄灭-]{+闪烁+}');
    // Full-width punctuation is a character like any other.
    expect(diffed('渔船出港。', '渔船出港，海鸥盘旋。')).toBe('渔船出港{+，海鸥盘旋+}。');
  });

  it('marks English insertions, deletions and replacements', () => {
    expect(diffed('the lamp', 'the lamp fails in the fog')).toBe('the lamp{+ fails in the fog+}');
    expect(diffed('boats leave the harbour at dawn', 'boats leave at dawn')).toBe('boats leave [-the harbour -]at dawn');
    expect(diffed('The boats leave the harbour', 'The boats return to the harbour')).toBe('The boats [-leave-]{+return to+} the harbour');
  });

  it('keeps several separate changes apart instead of one span from the first to the last', () => {
    expect(diffed('红色的船在左边，蓝色的船在右边', '黄色的船在左边，蓝色的船在下边')).toBe('[-红-]{+黄+}色的船在左边，蓝色的船在[-右-]{+下+}边');
    expect(diffed('one two three four five', 'one 2 three four 5')).toBe('one [-two-]{+2+} three four [-five-]{+5+}');
  });

  it('reads a rewrite as one replacement, not as letters the two texts happen to share', () => {
    expect(diffed('cat sat', 'dog ran')).toBe('[-cat sat-]{+dog ran+}');
    expect(diffed('一只猫在屋顶上睡觉', '一只狗在院子里睡觉')).toBe('一只[-猫在屋顶上-]{+狗在院子里+}睡觉');
  });

  it('never splits an emoji, a surrogate pair, a flag or a joined sequence', () => {
    expect(diffed('a👍b', 'a👎b')).toBe('a[-👍-]{+👎+}b');
    // 👍 and 👎 share their high surrogate; the diff must not keep it as "equal".
    expect(charDiff('👍', '👎')).toEqual([
      { op: 'delete', text: '👍' },
      { op: 'insert', text: '👎' },
    ]);
    expect(diffed('🇨🇳', '🇺🇸')).toBe('[-🇨🇳-]{+🇺🇸+}');
    expect(diffed('👨‍👩‍👧 一家人', '👨‍👩‍👦 一家人')).toBe('[-👨‍👩‍👧-]{+👨‍👩‍👦+} 一家人');
    expect(diffed('e\u0301t\u00e9', 'et\u00e9')).toBe('[-e\u0301-]{+e+}t\u00e9');
    expect(diffed('海边🌊', '海边🌊🐟日落')).toBe('海边🌊{+🐟日落+}');
    const lone = checked('x\ud83dy', 'xy');
    expect(lone.map((p) => p.op)).toEqual(['equal', 'delete', 'equal']);
  });

  it('handles empty and equal texts', () => {
    expect(charDiff('', '')).toEqual([]);
    expect(charDiff('', '新增')).toEqual([{ op: 'insert', text: '新增' }]);
    expect(charDiff('removed', '')).toEqual([{ op: 'delete', text: 'removed' }]);
    expect(charDiff('同样', '同样')).toEqual([{ op: 'equal', text: '同样' }]);
  });

  it('shows a long rewrite as replaced whole, and still marks a small edit inside a long text', () => {
    const before = '甲乙丙丁'.repeat(1500);
    const after = 'wxyz'.repeat(1500);
    expect(charDiff(before, after)).toEqual([
      { op: 'delete', text: before },
      { op: 'insert', text: after },
    ]);
    // Two long texts made of the same characters in another order: too many edits to mark one by one.
    const words = [...'船在海上航行灯塔照亮夜空海鸥盘旋渔民归来'];
    const shuffled = (seed: number) => Array.from({ length: 600 }, (_, i) => words[(i * seed + (i >> 3)) % words.length]).join('');
    const rewrite = checked(shuffled(7), shuffled(11));
    expect(rewrite.filter((p) => p.op !== 'equal').map((p) => p.op)).toEqual(['delete', 'insert']);
    // A small edit to a long text is still marked where it is, at each end.
    expect(diffed(`${before}!`, `${before}?`)).toBe(`${before}[-!-]{+?+}`);
    expect(diffed(`前${before}后`, `先${before}後`)).toBe(`[-前-]{+先+}${before}[-后-]{+後+}`);
  });

  it('rebuilds both texts for many generated edits (mixed scripts, emoji, repeats)', () => {
    const alphabet = ['a', 'b', ' ', '猫', '狗', '雾', '，', '👍', '🇨🇳', 'e\u0301', '\n'];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const text = (n: number) => Array.from({ length: n }, () => alphabet[rand(alphabet.length)]).join('');
    for (let i = 0; i < 300; i++) {
      const before = text(rand(30));
      const cut = rand(before.length + 1);
      const after = rand(2) ? before.slice(0, cut) + text(rand(6)) + before.slice(cut + rand(5)) : text(rand(30));
      const parts = checked(before, after);
      // Parts begin and end on character boundaries: split part by part, each side gives its own characters.
      const chars = (keep: 'delete' | 'insert') => parts.filter((p) => p.op === 'equal' || p.op === keep).flatMap((p) => graphemes(p.text));
      expect(chars('delete')).toEqual(graphemes(before));
      expect(chars('insert')).toEqual(graphemes(after));
    }
  });
});

describe('graphemes', () => {
  it('splits text into user-perceived characters', () => {
    expect(graphemes('a👨‍👩‍👧🇨🇳é中')).toEqual(['a', '👨‍👩‍👧', '🇨🇳', 'é', '中']);
    expect(graphemes('')).toEqual([]);
  });
});
