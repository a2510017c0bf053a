import type { FilterAction, FilterRuleSpec } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { ContentFilter } from './content-filter';

function rule(id: string, pattern: string, action: FilterAction, more: Partial<FilterRuleSpec> = {}): FilterRuleSpec {
  return { id, pattern, kind: 'word', category: id, action, stages: [], enabled: true, ...more };
}

const RULES = [
  rule('drug', 'drug', 'block'),
  rule('ass', 'ass', 'mask'),
  rule('kill', 'kill', 'review'),
  rule('sex', 'sex', 'mask'),
  rule('cunt', 'cunt', 'mask'),
  rule('gamble', '赌博', 'review'),
  rule('narcotics', '毒品', 'block'),
  rule('porn', '色情', 'block'),
];
const filter = new ContentFilter(RULES);

/** [rule id, start, end] of every match. */
function spans(text: string): [string, number, number][] {
  return filter.check(text).map((m) => [m.rule_id, m.start, m.end]);
}

describe('evasion corpus: each spelling is caught with its exact span in the original text', () => {
  it.each<[string, [string, number, number][]]>([
    ['drug', [['drug', 0, 4]]],
    ['DRUG', [['drug', 0, 4]]],
    ['ｄｒｕｇ', [['drug', 0, 4]]],
    ['ＤＲＵＧ for sale', [['drug', 0, 4]]],
    ['buy d r u g now', [['drug', 4, 11]]],
    ['d.r.u.g', [['drug', 0, 7]]],
    ['d-r-u-g', [['drug', 0, 7]]],
    ['d_r_u_g', [['drug', 0, 7]]],
    ['d\u200Br\u200Bu\u200Bg', [['drug', 0, 7]]],
    ['Ｄ.Ｒ.Ｕ.Ｇ', [['drug', 0, 7]]],
    ['where is the D r U g?', [['drug', 13, 20]]],
    ['I hate Ｄ\u3000Ｒ\u3000Ｕ\u3000Ｇ dealers', [['drug', 7, 14]]],
    ['d\u0337r\u0337u\u0337g\u0337', [['drug', 0, 8]]],
    ['𝐝𝐫𝐮𝐠', [['drug', 0, 8]]],
    ['A S S', [['ass', 0, 5]]],
    ['you a.s.s!', [['ass', 4, 9]]],
    ['赌博', [['gamble', 0, 2]]],
    ['賭博', [['gamble', 0, 2]]],
    ['赌 博', [['gamble', 0, 3]]],
    ['赌\u200B博', [['gamble', 0, 3]]],
    ['賭·博', [['gamble', 0, 3]]],
    ['賭\u3000博', [['gamble', 0, 3]]],
    ['我们不要去賭 博。', [['gamble', 5, 8]]],
    ['毒\u200D品', [['narcotics', 0, 3]]],
    ['毒\uFEFF品交易', [['narcotics', 0, 3]]],
    [
      '他说ｄ＿ｒ＿ｕ＿ｇ和賭博都不好',
      [
        ['drug', 2, 9],
        ['gamble', 10, 12],
      ],
    ],
    [
      '赌博赌博',
      [
        ['gamble', 0, 2],
        ['gamble', 2, 4],
      ],
    ],
    [
      'DRUG，毒-品，色 情',
      [
        ['drug', 0, 4],
        ['narcotics', 5, 8],
        ['porn', 9, 12],
      ],
    ],
  ])('%j', (text, expected) => {
    expect(spans(text)).toEqual(expected);
    for (const m of filter.check(text)) expect(m.text).toBe(text.slice(m.start, m.end));
  });

  it('sorts matches by start, the longer first when two start together', () => {
    const f = new ContentFilter([rule('drug', 'drug', 'block'), rule('dealer', 'drug dealer', 'block')]);
    expect(f.check('a drug-dealer').map((m) => [m.rule_id, m.start, m.end])).toEqual([
      ['dealer', 2, 13],
      ['drug', 2, 6],
    ]);
  });
});

describe('word boundaries', () => {
  it('are never made by invisible characters: cl\u200Bass reads as class', () => {
    expect(spans('cl\u200Bass')).toEqual([]);
    expect(spans('drug\u200Bstore')).toEqual([]);
  });

  it('let a spelled-out word next to real words match, and a word after a one-letter word', () => {
    expect(spans('I said d r u g.')).toEqual([['drug', 7, 14]]);
    expect(spans('a drug')).toEqual([['drug', 2, 6]]);
  });

  it('hide a letter-by-letter spelling right after a one-letter word (the price of c l a s s)', () => {
    expect(spans('a d r u g')).toEqual([]);
  });

  it('do not apply to Chinese rules, nor to the Chinese side of a Latin rule', () => {
    expect(spans('我们赌博了')).toEqual([['gamble', 2, 4]]);
    expect(spans('买drug吗')).toEqual([['drug', 1, 5]]);
  });
});

describe('clean corpus: ordinary sentences trip no rule', () => {
  it.each([
    'The class starts at nine.',
    'We need to assess the risk.',
    'She bought aspirin at the drugstore.',
    'Scunthorpe is a town in England.',
    'His passion for music is obvious.',
    'The embassy opened a new office.',
    'Massive assignments were passed around.',
    'The bass guitar sounds great.',
    'Grass grows fast in spring.',
    'Classic cars are expensive.',
    'He is an assistant to the ambassador.',
    'The skill of the painter is remarkable.',
    'The killer whale swam by.',
    'Essex and Sussex are counties.',
    'The sextant helped the sailors navigate.',
    'Drugstores and pharmacies are open late.',
    'The pass was assessed by the whole class.',
    'a s k me anything',
    'The compass points north.',
    'He never harassed anybody.',
    'Assets and liabilities must balance.',
    'Skilled workers build bridges.',
    'C l a s s begins now.',
    'Play the b a s s line again.',
    'Middlesex hospital is nearby.',
    'The museum shows classical art.',
    'ＣＬＡＳＳ ＡＳＳＥＳＳＭＥＮＴ',
    'Cassandra passed the glass to Cassius.',
    'Mass transit carries many passengers.',
    'Unisex clothing is popular.',
    '他打赌明天会下雨，博物馆也会关门。',
    '博士说这种毒蛇的毒性很强。',
    '这件商品的质量很好。',
    '颜色很鲜艳，心情也不错。',
    '我们去博物馆参观。',
    '他赌气不说话。',
    '病毒已经被控制住了。',
    '这是一件艺术品。',
    '她的脸色很好。',
    '爱情是美好的。',
    '我们要消毒餐具。',
    '这个作品获得了大奖。',
    '他是一个博学的人。',
    '春天的景色很美，大家心情愉快。',
    '食品安全很重要。',
    '不要和他打赌。',
    '广博的知识来自阅读。',
    '她在读一本关于中毒急救的书。',
    '天色已晚，我们回家吧。',
    '我在drugstore买了药。',
    'class里有三十个学生。',
    '博彩业和毒理学是两门不同的学问。',
  ])('%j', (text) => {
    expect(filter.check(text)).toEqual([]);
  });
});

describe('ContentFilter', () => {
  it('applies a rule at the stages it lists, at every stage when it lists none, and always without a stage', () => {
    const f = new ContentFilter([rule('c', 'drug', 'block', { stages: ['comment', 'render'] }), rule('all', '赌博', 'review')]);
    const text = 'drug 赌博';
    expect(f.check(text, 'comment').map((m) => m.rule_id)).toEqual(['c', 'all']);
    expect(f.check(text, 'render').map((m) => m.rule_id)).toEqual(['c', 'all']);
    expect(f.check(text, 'prompt').map((m) => m.rule_id)).toEqual(['all']);
    expect(f.check(text).map((m) => m.rule_id)).toEqual(['c', 'all']);
  });

  it('refuses a stage it does not know rather than applying no rule', () => {
    expect(() => filter.check('drug', 'nowhere' as never)).toThrow(/unknown filter stage/);
  });

  it('ignores disabled rules', () => {
    const f = new ContentFilter([rule('off', 'drug', 'block', { enabled: false }), rule('on', '赌博', 'review')]);
    expect(f.check('drug 赌博').map((m) => m.rule_id)).toEqual(['on']);
    expect(f.skipped).toEqual([]);
    expect(f.active.map((r) => r.id)).toEqual(['on']);
  });

  it('matches two rules with the same word separately', () => {
    const f = new ContentFilter([rule('a', 'drug', 'mask'), rule('b', 'DRUG', 'block', { category: 'other' })]);
    expect(f.check('drug').map((m) => [m.rule_id, m.category, m.action])).toEqual([
      ['a', 'a', 'mask'],
      ['b', 'other', 'block'],
    ]);
  });

  it('compiles with no rules at all', () => {
    expect(new ContentFilter([]).verdict('drug')).toEqual({ matches: [], action: 'allow', masked: 'drug' });
  });

  describe('verdict', () => {
    it.each<[string, string]>([
      ['a nice day', 'allow'],
      ['you ass', 'mask'],
      ['you ass, 赌博', 'review'],
      ['you ass, 赌博 and drug', 'block'],
      ['drug', 'block'],
    ])('%j → %s (block > review > mask)', (text, action) => {
      expect(filter.verdict(text).action).toBe(action);
    });

    it('masks only mask matches, one ＊ per character of the original span, and leaves the rest alone', () => {
      const v = filter.verdict('You A S S, buy drug! 𝐚𝐬𝐬 and Essex sex.');
      expect(v.masked).toBe('You ＊＊＊＊＊, buy drug! ＊＊＊ and Essex ＊＊＊.');
      expect(v.matches.map((m) => m.rule_id)).toEqual(['ass', 'drug', 'ass', 'sex']);
    });

    it('masks the separators inside a spaced-out spelling with the letters', () => {
      expect(filter.verdict('a . s . s').masked).toBe('＊＊＊＊＊＊＊＊＊');
    });
  });
});

describe('regex rules', () => {
  const regexRule = (id: string, pattern: string, action: FilterAction = 'block') => rule(id, pattern, action, { kind: 'regex' });

  it('match case-insensitively on the original text, offsets in UTF-16 units', () => {
    const f = new ContentFilter([regexRule('buy', 'buy\\s+now'), regexRule('wechat', 'wechat[:：]?\\s*\\d{6,}', 'review')]);
    expect(f.check('😀 BUY  Now').map((m) => [m.rule_id, m.start, m.end, m.text])).toEqual([['buy', 3, 11, 'BUY  Now']]);
    expect(f.check('Add me WeChat：123456789 thanks').map((m) => [m.rule_id, m.start, m.end, m.text])).toEqual([['wechat', 7, 23, 'WeChat：123456789']]);
  });

  it('sit beside word rules, sorted with them', () => {
    const f = new ContentFilter([regexRule('num', '\\d{3}-\\d{4}'), rule('drug', 'drug', 'block')]);
    expect(f.check('drug 555-1234').map((m) => m.rule_id)).toEqual(['drug', 'num']);
  });

  it('a rule set with a bad pattern compiles the rest and says which and why', () => {
    const f = new ContentFilter([regexRule('bad', '(a+)+$'), regexRule('broken', '(unclosed'), rule('empty', '!!! ...', 'block'), regexRule('ok', 'casino'), rule('drug', 'drug', 'block')]);
    expect(f.skipped.map((s) => s.rule_id)).toEqual(['bad', 'broken', 'empty']);
    for (const s of f.skipped) expect(s.reason).toMatch(/\w{4,}/);
    expect(f.check('drug casino').map((m) => m.rule_id)).toEqual(['drug', 'ok']);
  });
});
