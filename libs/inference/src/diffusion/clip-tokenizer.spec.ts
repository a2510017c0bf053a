import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipTokenizer, bytesToUnicode } from './clip-tokenizer';

/**
 * The real CLIP vocabulary is 49,408 entries and not available offline. This fixture rebuilds the
 * parts that matter exactly as CLIP's vocabulary is built: the 256 byte symbols in CLIP's order
 * (ids 0–255), the same symbols with `</w>` (256–511), merges, then the two special tokens. The
 * ids of the byte symbols are therefore the real ones, and each whole word maps to its real CLIP
 * id; only intermediate merge products get made-up ids. Merges are written out by hand as the
 * chain that builds each word from its characters, so every word really goes through BPE.
 */
const REAL_IDS: Record<string, number> = {
  'a</w>': 320,
  'photo</w>': 1125,
  'of</w>': 539,
  'cat</w>': 2368,
  'how</w>': 829,
  'are</w>': 631,
  'you</w>': 592,
  'doing</w>': 1960,
  '?</w>': 286,
  'hello</w>': 3306,
  'world</w>': 1002,
  'the</w>': 518,
  'company</w>': 2634,
  'was</w>': 739,
  'founded</w>': 12240,
  'in</w>': 530,
  '2</w>': 273,
  '0</w>': 271,
  '1</w>': 272,
  '6</w>': 277,
  '.</w>': 269,
};

// Each line is one merge; rank = line order. "p h" must outrank "h o" or "photo" would start as "p ho".
const MERGES = `#version: 0.2
p h
ph o
pho t
phot o</w>
o f</w>
c a
ca t</w>
h o
ho w</w>
a r
ar e</w>
y o
yo u</w>
d o
do i
doi n
doin g</w>
h e
he l
hel l
hell o</w>
w o
wo r
wor l
worl d</w>
t h
th e</w>
c o
co m
com p
comp a
compa n
compan y</w>
w a
wa s</w>
f o
fo u
fou n
foun d
found e
founde d</w>
i n</w>
ç \u012e`;

/** CLIP's byte symbol order, computed here independently of the code under test. */
function clipByteOrder(): number[] {
  const order: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) order.push(b);
  for (let b = 0xa1; b <= 0xac; b++) order.push(b);
  for (let b = 0xae; b <= 0xff; b++) order.push(b);
  for (let b = 0; b < 256; b++) if (!order.includes(b)) order.push(b);
  return order;
}

function buildVocab(): Record<string, number> {
  const symbols = bytesToUnicode();
  const vocab: Record<string, number> = {};
  clipByteOrder().forEach((byte, i) => {
    vocab[symbols[byte]!] = i;
    vocab[symbols[byte]! + '</w>'] = 256 + i;
  });
  let fake = 40_000;
  for (const line of MERGES.split('\n').slice(1)) {
    const merged = line.replace(' ', '');
    vocab[merged] = REAL_IDS[merged] ?? fake++;
  }
  vocab['<|startoftext|>'] = 49406;
  vocab['<|endoftext|>'] = 49407;
  return vocab;
}

const tokenizer = new ClipTokenizer({ vocab: buildVocab(), merges: MERGES });

describe('ClipTokenizer', () => {
  it('gives the real CLIP ids for the reference sentences', () => {
    const cases: [string, number[]][] = [
      ['How are you doing?', [49406, 829, 631, 592, 1960, 286, 49407]],
      ['Hello World', [49406, 3306, 1002, 49407]],
      ['The company was founded in 2016.', [49406, 518, 2634, 739, 12240, 530, 273, 271, 272, 277, 269, 49407]],
      ['a photo of a cat', [49406, 320, 1125, 539, 320, 2368, 49407]],
    ];
    for (const [text, ids] of cases) {
      const enc = tokenizer.encode(text);
      expect(enc.ids.slice(0, enc.length), text).toEqual(ids);
    }
  });

  it('normalises whitespace and case before splitting', () => {
    expect(tokenizer.tokenize('  HELLO \n\t  world  ')).toEqual([3306, 1002]);
  });

  it('merges by rank, not left to right', () => {
    // With "h o" ranked first, "photo" would be stuck at p + ho and never reach its vocab entry.
    const lines = MERGES.split('\n').filter((l) => l !== 'p h');
    const swapped = [...lines.slice(0, lines.indexOf('h o') + 1), 'p h', ...lines.slice(lines.indexOf('h o') + 1)].join('\n');
    const t = new ClipTokenizer({ vocab: buildVocab(), merges: swapped });
    expect(t.bpe('photo')).toEqual(['p', 'ho', 't', 'o</w>']);
    expect(tokenizer.bpe('photo')).toEqual(['photo</w>']);
  });

  it('pads with eos (SD 1.x) to 77 and with the configured pad token otherwise', () => {
    const enc = tokenizer.encode('a cat');
    expect(enc.ids).toHaveLength(77);
    expect(enc.length).toBe(4);
    expect(enc.ids.slice(4)).toEqual(new Array(73).fill(49407));
    const sd2 = new ClipTokenizer({ vocab: buildVocab(), merges: MERGES, config: { pad_token: { content: '!', lstrip: false } } });
    expect(sd2.encode('a cat').ids.slice(4)).toEqual(new Array(73).fill(0));
  });

  it('truncates to bos + 75 tokens + eos', () => {
    const enc = tokenizer.encode(Array.from({ length: 100 }, () => 'cat').join(' '));
    expect(enc.truncated).toBe(true);
    expect(enc.ids).toHaveLength(77);
    expect(enc.ids[0]).toBe(49406);
    expect(enc.ids[76]).toBe(49407);
    expect(enc.ids.slice(1, 76).every((id) => id === 2368)).toBe(true);
    expect(tokenizer.encode('cat').truncated).toBe(false);
  });

  it('splits Chinese over UTF-8 bytes with the byte→unicode symbols', () => {
    // 猫 = e7 8c ab: e7 and ab are printable Latin-1 and stand for themselves; 8c is shifted to
    // U+012E (the 47th non-printable byte), and the fixture's merge "ç \u012e" joins the first two.
    expect(tokenizer.bpe('猫')).toEqual(['\u00e7\u012e', '\u00ab</w>']);
    // 狗 = e7 8b 97: no merge applies; 8b → U+012D, 97 → U+0139.
    expect(tokenizer.bpe('狗')).toEqual(['\u00e7', '\u012d', '\u0139</w>']);
    const order = clipByteOrder();
    const id = (byte: number, eow = false) => order.indexOf(byte) + (eow ? 256 : 0);
    // Real CLIP ids of these byte symbols: ç = 163, \u012d = 233, \u0139</w> = 501.
    expect([id(0xe7), id(0x8b), id(0x97, true)]).toEqual([163, 233, 501]);
    expect(tokenizer.tokenize('狗')).toEqual([163, 233, 501]);
    const catMerge = buildVocab()['\u00e7\u012e']!;
    expect(tokenizer.tokenize('一只猫 a cat')).toEqual([
      // 一 = e4 b8 80, 只 = e5 8f aa: one letter run, so only the last byte carries </w>.
      id(0xe4), id(0xb8), id(0x80), id(0xe5), id(0x8f), id(0xaa), catMerge, id(0xab, true), 320, 2368,
    ]);
  });

  it('maps pieces missing from the vocabulary to the unknown token', () => {
    const vocab = buildVocab();
    delete vocab['\u00e7\u012e'];
    const t = new ClipTokenizer({ vocab, merges: MERGES });
    expect(t.tokenize('猫')).toEqual([49407, 256 + clipByteOrder().indexOf(0xab)]);
  });

  it('loads a tokenizer folder, skipping #version and reading the pad token from the config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clip-tok-'));
    try {
      await writeFile(join(dir, 'vocab.json'), JSON.stringify(buildVocab()));
      await writeFile(join(dir, 'merges.txt'), MERGES);
      await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '<|endoftext|>', model_max_length: 77 }));
      const t = await ClipTokenizer.fromDirectory(dir);
      expect(t.encode('how are you doing?').ids.slice(0, 8)).toEqual([49406, 829, 631, 592, 1960, 286, 49407, 49407]);
      await writeFile(join(dir, 'merges.txt'), 'not a merge line with spaces');
      await expect(ClipTokenizer.fromDirectory(dir)).rejects.toThrow(/merges.txt: malformed line/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('measures throughput', () => {
    const t = new ClipTokenizer({ vocab: buildVocab(), merges: MERGES });
    const text = 'The company was founded in 2016. How are you doing? a photo of a cat 一只猫 ';
    let tokens = 0;
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) tokens += t.tokenize(`${text}${i}`).length;
    const rate = tokens / ((performance.now() - t0) / 1000);
    console.log(`clip tokenizer: ${Math.round(rate).toLocaleString('en')} tokens/s`);
    expect(rate).toBeGreaterThan(10_000);
  });
});
