import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileCharsmap } from './charsmap-writer';
import { GraphBuilder, ONNX_FLOAT, ONNX_INT64, type FloatIo } from './tiny-onnx-graph';

export interface TinyEmbeddingsOptions {
  /** Per-token states width. Default 16. */
  dim?: number;
  /** Where the model file goes: the folder itself (default) or onnx/, as Optimum's sentence-transformers exports. */
  layout?: 'flat' | 'onnx-subfolder';
  /**
   * 'wordpiece' (default): a BERT vocab.txt. 'unigram': only a tokenizer.json with a SentencePiece
   * Unigram model, Metaspace and a <s> … </s> template, as the multilingual (XLM-R) models ship.
   */
  tokenizer?: 'wordpiece' | 'unigram';
  /** Element type of the states: float16 as a half-precision export gives them. Default float32. */
  io?: FloatIo;
  /** Broken variants for negative tests: no attention_mask input, or an output nobody can pool. */
  fault?: 'no-attention-mask' | 'wrong-output';
}

const WORDS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'river', 'forest', 'city', 'night', '森', '林', '河', '流'];

/** An XLM-R-shaped Unigram vocabulary: specials first, then pieces with their log-probabilities. */
export const TINY_UNIGRAM_PIECES: [string, number][] = [
  ['<s>', 0],
  ['<pad>', 0],
  ['</s>', 0],
  ['<unk>', 0],
  ['▁', -2],
  ['▁a', -3],
  ['▁river', -5],
  ['▁ri', -4],
  ['ver', -4.5],
  ['s', -3.5],
  ['▁forest', -6],
  ['▁city', -6],
  ['▁night', -6],
  ['森', -7],
  ['林', -7],
  ['森林', -8],
  ['河', -7],
  ['流', -7],
];

/** A few of nmt_nfkc's rules (XLM-R's compiled normalizer): full-width letters, whitespace, a zero-width space, a control character. */
export const TINY_CHARSMAP_RULES: Record<string, string> = {
  ...Object.fromEntries([...'abcdefghijklmnopqrstuvwxyz'].map((c) => [String.fromCodePoint(c.codePointAt(0)! + 0xfee0), c])),
  '\u3000': ' ',
  '\t': ' ',
  '\n': ' ',
  '\u200b': ' ',
  '\u0001': '',
};

/** tokenizer.json as `tokenizers` writes it for XLM-RoBERTa, with TINY_UNIGRAM_PIECES and TINY_CHARSMAP_RULES. */
export function tinyUnigramTokenizerJson(): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['<s>', '<pad>', '</s>', '<unk>'].map((content, id) => ({ id, content, special: true })),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Precompiled', precompiled_charsmap: Buffer.from(compileCharsmap(TINY_CHARSMAP_RULES)).toString('base64') },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [],
      special_tokens: { '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 3, vocab: TINY_UNIGRAM_PIECES, byte_fallback: false },
  };
}

/**
 * Writes a tiny sentence-embedding export with the inputs and outputs of Optimum's
 * feature-extraction ONNX (input_ids, attention_mask, token_type_ids → last_hidden_state) and its
 * tokenizer (vocab.txt, or a Unigram tokenizer.json): each token's state is a fixed pseudo-random
 * row, zeroed where the mask is 0.
 */
export async function writeTinyEmbeddingsModel(dir: string, options: TinyEmbeddingsOptions = {}): Promise<string> {
  const dim = options.dim ?? 16;
  const g = new GraphBuilder('tiny-sentence-embeddings');
  const ids = g.input('input_ids', ONNX_INT64, ['batch_size', 'sequence_length']);
  const rows = Math.max(WORDS.length, TINY_UNIGRAM_PIECES.length);
  const table = g.floats([rows, dim], Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 12.9898) * 0.5));
  let states = g.op('Gather', [table, ids], { axis: 0 });
  if (options.fault !== 'no-attention-mask') {
    const mask = g.input('attention_mask', ONNX_INT64, ['batch_size', 'sequence_length']);
    states = g.op('Mul', [states, g.op('Unsqueeze', [g.op('Cast', [mask], { to: ONNX_FLOAT }), g.int64s([1], [2])])]);
  }
  const output = options.fault === 'wrong-output' ? 'logits' : 'last_hidden_state';
  const types = g.input('token_type_ids', ONNX_INT64, ['batch_size', 'sequence_length']);
  // Token types shift every state a little, so the input is really used (as BERT's segment embeddings).
  const shifted = g.op('Add', [states, g.op('Unsqueeze', [g.op('Cast', [types], { to: ONNX_FLOAT }), g.int64s([1], [2])])]);
  g.floatOutput(shifted, output, options.io ?? 'float32', ['batch_size', 'sequence_length', dim]);
  const modelDir = options.layout === 'onnx-subfolder' ? join(dir, 'onnx') : dir;
  await mkdir(modelDir, { recursive: true });
  await writeFile(join(modelDir, 'model.onnx'), g.encode({ opset: 17 }).model);
  if (options.tokenizer === 'unigram') await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tinyUnigramTokenizerJson()));
  else await writeFile(join(dir, 'vocab.txt'), `${WORDS.join('\n')}\n`);
  return dir;
}
