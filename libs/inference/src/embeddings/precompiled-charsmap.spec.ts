import { describe, expect, it } from 'vitest';
import { compileCharsmap } from '../testing/charsmap-writer';
import { PrecompiledCharsmap } from './precompiled-charsmap';

describe('PrecompiledCharsmap (SentencePiece compiled normalizer)', () => {
  const map = new PrecompiledCharsmap(compileCharsmap({ a: 'x', ab: 'y', 'ａ': 'a', 'ﬁ': 'fi', '\u200d': ' ', '\u0001': '', '森林': '树' }));

  it('replaces the longest rule that matches at each position, as NormalizePrefix does', () => {
    expect(map.normalize('ab')).toBe('y');
    expect(map.normalize('abc')).toBe('yc');
    expect(map.normalize('ac')).toBe('xc');
    expect(map.normalize('aab')).toBe('xy');
  });

  it('rewrites multi-byte keys and values, drops what maps to nothing, copies every other character whole', () => {
    expect(map.normalize('ａﬁ\u200d森林河\u0001')).toBe('afi 树河');
    expect(map.normalize('森 林 😀 é')).toBe('森 林 😀 é');
    expect(map.normalize('')).toBe('');
  });

  it('reads the base64 form tokenizer.json stores, and refuses a blob whose trie does not fit', () => {
    const blob = compileCharsmap({ b: 'B' });
    expect(PrecompiledCharsmap.fromBase64(Buffer.from(blob).toString('base64')).normalize('abc')).toBe('aBc');
    expect(() => new PrecompiledCharsmap(new Uint8Array(3))).toThrow(/too few for a trie/);
    const cut = Buffer.from(blob.subarray(0, 10));
    expect(() => new PrecompiledCharsmap(cut)).toThrow(/does not fit/);
  });
});
