import { describe, expect, it } from 'vitest';
import { compileRegexRule, regexRuleProblem, regexSpans } from './regex-rule';

describe('regexRuleProblem', () => {
  it.each<[string, RegExp]>([
    ['(a+)+$', /nests repetitions/],
    ['(\\w+\\s?)+$', /nests repetitions/],
    ['(?:https?://)?\\S+\\.onion', /optional part counts too/],
    ['a?'.repeat(26) + 'b', /more than 25 repeated parts/],
    ['(x|x)*y', /more than one way/],
    ['(a|aa)*b', /more than one way/],
    ['(a|b|ab)*c', /more than one way/],
    ['x(?=(y|y)*z)', /more than one way/],
    ['\\d+\\d+x', /one after the other/],
    ['a*a*b', /one after the other/],
    ['微信\\s*[:：]?\\s*\\w+', /one after the other/],
    ['(unclosed', /not a valid regular expression/],
    ['a{2,1}', /not a valid regular expression/],
    ['a*', /empty text/],
    ['x?|y?', /empty text/],
    ['\\b', /empty text/],
    ['^$', /empty text/],
    ['(a)\\1', /back-references/],
    ['(?<x>a)\\k<x>', /back-references/],
    ['(?<=a)b', /lookbehind/],
    ['(?<!a)b', /lookbehind/],
    ['', /empty/],
    ['a'.repeat(201), /longer than 200/],
  ])('refuses %j', (pattern, reason) => {
    expect(regexRuleProblem(pattern)).toMatch(reason);
  });

  const accepted = [
    'buy\\s+now',
    '\\bcasino\\b',
    '[a-z]+@[a-z]+\\.com',
    '\\d{3}-\\d{4}',
    '(beep|boop)+z',
    '(a|ab)*c',
    '微信[\\s:：]*\\w+',
    'wechat[:：]?\\s*\\d{6,}',
    '\\p{Script=Han}{2}币',
    'free\\s+(money|cash)',
    'x(?!y)',
    '\\d+\\d+',
  ];
  it.each(accepted)('accepts %j', (pattern) => {
    expect(regexRuleProblem(pattern)).toBeNull();
  });

  it('accepted patterns stay fast on texts built to make them backtrack', () => {
    for (const pattern of accepted) {
      const regex = compileRegexRule(pattern);
      // Long runs of each character the pattern names (and of a few classes' members), then a
      // character that makes the match fail at the very end.
      for (const char of new Set([...pattern.replace(/\\[a-zA-Z]/g, ''), 'a', '1', ' ', '中'])) {
        const text = char.repeat(5000) + '\u0000';
        const t0 = performance.now();
        regexSpans(regex, text);
        expect(performance.now() - t0, `${pattern} on ${JSON.stringify(char)}×5000`).toBeLessThan(250);
      }
    }
  });
});

describe('regexSpans', () => {
  it('finds every match, case-insensitively and with Unicode classes', () => {
    const regex = compileRegexRule('ca\\p{L}ino');
    expect(regexSpans(regex, 'CASINO, casino, caßino')).toEqual([
      [0, 6],
      [8, 14],
      [16, 22],
    ]);
  });
});
