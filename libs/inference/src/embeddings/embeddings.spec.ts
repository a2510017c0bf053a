import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_UNIGRAM_PIECES, tinyUnigramTokenizerJson, writeTinyEmbeddingsModel } from '../testing/tiny-embeddings';
import { loadEmbeddingTokenizer } from './embedding-tokenizer';
import { SentenceEmbedder, cosine } from './sentence-embedder';
import { UnigramTokenizer } from './unigram-tokenizer';
import { WordPieceTokenizer } from './wordpiece-tokenizer';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reelcraft-embeddings-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('WordPieceTokenizer', () => {
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', ',', '!', '世', '界', 'un', '##aff', '##able', 'cafe', 'river', '##s'];
  const tokenizer = new WordPieceTokenizer(new Map(vocab.map((t, i) => [t, i])));

  it('splits as BERT does: lower case without accents, punctuation and each CJK character apart, longest word pieces first', () => {
    expect(tokenizer.basicTokens('Hello, 世界!  unaffable Café\tRivers')).toEqual(['hello', ',', '世', '界', '!', 'unaffable', 'cafe', 'rivers']);
    const ids = tokenizer.encode('Hello, 世界! unaffable Café rivers xyz').ids;
    expect(ids.map((i) => vocab[i])).toEqual(['[CLS]', 'hello', ',', '世', '界', '!', 'un', '##aff', '##able', 'cafe', 'river', '##s', '[UNK]', '[SEP]']);
  });

  it('truncates to its maximum length, keeping [CLS] and [SEP]', () => {
    const short = new WordPieceTokenizer(new Map(vocab.map((t, i) => [t, i])), true, 5);
    expect(short.encode('hello hello hello hello hello').ids.map((i) => vocab[i])).toEqual(['[CLS]', 'hello', 'hello', 'hello', '[SEP]']);
  });

  it('reads vocab.txt and tokenizer_config.json, and refuses a vocabulary without BERT\'s special tokens', async () => {
    const dir = join(root, 'vocab');
    await writeTinyEmbeddingsModel(dir);
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false, model_max_length: 128 }));
    const read = await WordPieceTokenizer.fromDirectory(dir);
    expect([read.lowerCase, read.maxLength, read.clsId, read.sepId]).toEqual([false, 128, 2, 3]);
    await writeFile(join(dir, 'vocab.txt'), 'a\nb\n');
    await expect(WordPieceTokenizer.fromDirectory(dir)).rejects.toThrow(/no \[PAD\] token/);
    await expect(WordPieceTokenizer.fromDirectory(join(root, 'nothing'))).rejects.toThrow(/vocab.txt missing/);
  });
});

describe('UnigramTokenizer (tokenizer.json, XLM-R style)', () => {
  const tokenizer = UnigramTokenizer.fromJson(tinyUnigramTokenizerJson());
  const pieces = (text: string) => tokenizer.encode(text).ids.map((id) => TINY_UNIGRAM_PIECES[id]![0]);

  it('takes the most probable segmentation of each ▁-prefixed word, inside <s> … </s>', () => {
    // ▁river (−5) beats ▁ri + ver (−8.5); ▁river + s beats anything with an unknown.
    expect(pieces('a river')).toEqual(['<s>', '▁a', '▁river', '</s>']);
    expect(pieces('rivers')).toEqual(['<s>', '▁river', 's', '</s>']);
    // 森林 (−8) beats 森 + 林 (−14); a run without spaces is one word after a single ▁.
    expect(pieces('森林河流')).toEqual(['<s>', '▁', '森林', '河', '流', '</s>']);
  });

  it('normalises as the file says: its compiled charsmap, then runs of spaces collapsed', () => {
    expect(pieces('ａ   ｒｉｖｅｒ')).toEqual(['<s>', '▁a', '▁river', '</s>']);
    // The charsmap, not NFKC: a newline is a space (NFKC keeps it, and no piece holds it), a control character goes.
    expect(pieces('a\n\u0001river')).toEqual(['<s>', '▁a', '▁river', '</s>']);
    const withoutMap = { ...tinyUnigramTokenizerJson(), normalizer: { type: 'Precompiled', precompiled_charsmap: '' } };
    expect(() => UnigramTokenizer.fromJson(withoutMap)).toThrow('tokenizer.json: a Precompiled normalizer without its precompiled_charsmap');
  });

  it('fuses a run of unknown characters into one <unk>, and truncates before </s>', () => {
    expect(pieces('xyz river')).toEqual(['<s>', '▁', '<unk>', '▁river', '</s>']);
    const short = UnigramTokenizer.fromJson(tinyUnigramTokenizerJson(), 4);
    expect(short.encode('a river city night').ids.map((id) => TINY_UNIGRAM_PIECES[id]![0])).toEqual(['<s>', '▁a', '▁river', '</s>']);
    expect(tokenizer.padId).toBe(1);
  });

  it('is picked from a folder by its files, and a tokenizer it cannot run is named', async () => {
    const uni = join(root, 'tok-unigram');
    await writeTinyEmbeddingsModel(uni, { tokenizer: 'unigram' });
    expect(await loadEmbeddingTokenizer(uni)).toBeInstanceOf(UnigramTokenizer);
    const bertJson = join(root, 'tok-bert-json');
    await mkdir(bertJson, { recursive: true });
    await writeFile(join(bertJson, 'tokenizer.json'), JSON.stringify({ normalizer: { type: 'BertNormalizer', lowercase: true }, model: { type: 'WordPiece', vocab: { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, river: 4 } } }));
    const bert = await loadEmbeddingTokenizer(bertJson);
    expect(bert).toBeInstanceOf(WordPieceTokenizer);
    expect(bert.encode('River').ids).toEqual([2, 4, 3]);
    const bpe = join(root, 'tok-bpe');
    await mkdir(bpe, { recursive: true });
    await writeFile(join(bpe, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab: {}, merges: [] } }));
    await expect(loadEmbeddingTokenizer(bpe)).rejects.toThrow(/tokenizer.json has a BPE model; only WordPiece and Unigram are supported/);
    await expect(loadEmbeddingTokenizer(join(root, 'nothing-here'))).rejects.toThrow(/no usable tokenizer/);
  });
});

describe('SentenceEmbedder on a real ONNX session', () => {
  it('runs a multilingual-style model whose only tokenizer is a Unigram tokenizer.json', async () => {
    const embedder = await SentenceEmbedder.load(await writeTinyEmbeddingsModel(join(root, 'unigram-model'), { tokenizer: 'unigram' }), 'model.onnx', { intraOpNumThreads: 1 });
    try {
      const [a, b, c] = await embedder.embed(['a river', 'ａ   ｒｉｖｅｒ', '森林河流']);
      expect(cosine(a!, b!)).toBeCloseTo(1, 5);
      expect(cosine(a!, c!)).toBeLessThan(0.99);
    } finally {
      await embedder.release();
    }
  });

  it('gives one normalised vector per text, the same for the same text, alone or padded in a batch', async () => {
    const dir = await writeTinyEmbeddingsModel(join(root, 'tiny'), { layout: 'onnx-subfolder' });
    const embedder = await SentenceEmbedder.load(dir, 'onnx/model.onnx', { intraOpNumThreads: 1 });
    try {
      const [a, again, other] = await embedder.embed(['a river', 'a river', 'city night']);
      expect(a).toHaveLength(16);
      expect(cosine(a!, a!)).toBeCloseTo(1, 5);
      expect(again).toBe(a);
      expect(cosine(a!, other!)).toBeLessThan(0.99);
      // Mean pooling over the mask: padding next to a longer text changes nothing.
      const fresh = await SentenceEmbedder.load(dir, 'onnx/model.onnx', { intraOpNumThreads: 1 });
      try {
        const [padded] = await fresh.embed(['a river', '森林 河流 forest city night a river']);
        for (let d = 0; d < 16; d++) expect(padded![d]).toBeCloseTo(a![d]!, 5);
      } finally {
        await fresh.release();
      }
    } finally {
      await embedder.release();
    }
  });

  it('takes a half-precision export: the same vectors within float16 rounding', async () => {
    const full = await SentenceEmbedder.load(await writeTinyEmbeddingsModel(join(root, 'fp32')), 'model.onnx', { intraOpNumThreads: 1 });
    const half = await SentenceEmbedder.load(await writeTinyEmbeddingsModel(join(root, 'fp16'), { io: 'float16' }), 'model.onnx', { intraOpNumThreads: 1 });
    try {
      const texts = ['a river', '森林 河流', 'city night'];
      const [a, b] = [await full.embed(texts), await half.embed(texts)];
      texts.forEach((_, i) => {
        expect(cosine(b[i]!, b[i]!)).toBeCloseTo(1, 5);
        expect(cosine(a[i]!, b[i]!)).toBeGreaterThan(0.9999);
        expect(Array.from(a[i]!)).not.toEqual(Array.from(b[i]!));
      });
    } finally {
      await Promise.all([full.release(), half.release()]);
    }
  });

  it("puts the folder's default sentence-transformers prompt before every text (E5's \"query: \")", async () => {
    const plain = await SentenceEmbedder.load(await writeTinyEmbeddingsModel(join(root, 'no-prompt')), 'model.onnx', { intraOpNumThreads: 1 });
    const dir = await writeTinyEmbeddingsModel(join(root, 'prompted'));
    await writeFile(join(dir, 'config_sentence_transformers.json'), JSON.stringify({ prompts: { query: 'a ', passage: 'city ' }, default_prompt_name: 'query' }));
    const prompted = await SentenceEmbedder.load(dir, 'model.onnx', { intraOpNumThreads: 1 });
    try {
      expect(prompted.prompt).toBe('a ');
      const [withPrompt] = await prompted.embed(['river']);
      const [spelledOut, bare] = await plain.embed(['a river', 'river']);
      expect(Array.from(withPrompt!)).toEqual(Array.from(spelledOut!));
      expect(cosine(withPrompt!, bare!)).toBeLessThan(0.999);
    } finally {
      await Promise.all([plain.release(), prompted.release()]);
    }
    await writeFile(join(dir, 'config_sentence_transformers.json'), '{ broken');
    await expect(SentenceEmbedder.load(dir, 'model.onnx')).rejects.toThrow(/config_sentence_transformers.json: /);
  });

  it('refuses a model it cannot pool, saying what is wrong', async () => {
    const dir = await writeTinyEmbeddingsModel(join(root, 'logits'), { fault: 'wrong-output' });
    await expect(SentenceEmbedder.load(dir, 'model.onnx')).rejects.toThrow(/is not a usable embedding model: model.onnx: no usable output/);
  });
});
