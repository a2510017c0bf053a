import { describe, expect, it } from 'vitest';
import { normaliseForMatching, normaliseWithSpans } from './normalise';

describe('normaliseForMatching', () => {
  it.each([
    ['ＤＲＵＧ', 'drug'],
    ['DrUg', 'drug'],
    ['d r u g', 'drug'],
    ['d.r-u_g!', 'drug'],
    ['d\u200Br\u200Cu\u200Dg\u2060\uFEFF', 'drug'],
    ['\u00ADd\u3164rug', 'drug'],
    ['賭博', '赌博'],
    ['賭　博', '赌博'],
    ['衞生', '卫生'],
    ['ﬁx', 'fix'],
    ['cafe\u0301', 'café'],
    ['d\u0337r\u0337u\u0337g\u0337', 'drug'],
    ['𝐝𝐫𝐮𝐠', 'drug'],
    ['①②', '12'],
    ['😀 !!! ---', ''],
  ])('%j reads as %j', (text, expected) => {
    expect(normaliseForMatching(text)).toBe(expected);
  });

  it('leaves simplified Chinese and plain words alone', () => {
    expect(normaliseForMatching('我们去博物馆参观')).toBe('我们去博物馆参观');
    expect(normaliseForMatching('class')).toBe('class');
  });
});

describe('normaliseWithSpans', () => {
  it('maps every normalised code point back to the span of its cluster in the original', () => {
    const text = 'Ａ b😀ﬁ e\u0301𝐱賭';
    const n = normaliseWithSpans(text);
    expect(n.text).toBe('abfiéx赌');
    const spans = [...n.text].map((_, k) => text.slice(n.starts[k], n.ends[k]));
    expect(spans).toEqual(['Ａ', 'b', 'ﬁ', 'ﬁ', 'e\u0301', '𝐱', '賭']);
  });
});
