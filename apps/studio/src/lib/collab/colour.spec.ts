import { describe, expect, it } from 'vitest';
import { hashString } from '@reelcraft/shared';
import { PRESENCE_COLOURS, colourFor, initialsOf } from './colour';

describe('colourFor', () => {
  it('is stable for one name and ignores case and spaces', () => {
    expect(colourFor('alice')).toBe(colourFor('alice'));
    expect(colourFor(' Alice ')).toBe(colourFor('alice'));
  });

  it('always picks a colour from the palette, CJK names included', () => {
    for (const name of ['admin', 'bob', '王小明', '😀', '', 'a.b-c_d']) expect(PRESENCE_COLOURS).toContain(colourFor(name));
  });

  it('tells the usual first users apart', () => {
    expect(new Set(['admin', 'bob', 'carol'].map(colourFor)).size).toBe(3);
  });

  it('spreads names over the palette', () => {
    const names = Array.from({ length: 60 }, (_, i) => `user${i}`);
    const used = new Set(names.map(colourFor));
    expect(used.size).toBeGreaterThanOrEqual(PRESENCE_COLOURS.length - 2);
  });

  it('hashes to an unsigned 32-bit integer', () => {
    for (const s of ['', 'a', '很长的名字'.repeat(20)]) {
      const h = hashString(s);
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 32);
    }
    expect(hashString('a')).not.toBe(hashString('b'));
  });
});

describe('initialsOf', () => {
  it('takes the first character, whole code points only', () => {
    expect(initialsOf('alice')).toBe('A');
    expect(initialsOf('王小明')).toBe('王');
    expect(initialsOf('😀x')).toBe('😀');
    expect(initialsOf('  ')).toBe('?');
  });
});
