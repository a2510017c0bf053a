import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TOKEN_TYPE } from '../models/gguf-format';
import { encodeGguf, type GgufWriteTensor, type GgufWriteValue } from './gguf-writer';
import { buildTinyVocab } from './tiny-vocab';

/**
 * Writes a small llama-architecture GGUF with seeded random weights that node-llama-cpp loads and
 * runs, so the LLM planner, the registry and the benchmarks can be tested without a downloaded
 * model. Its output is nonsense, but any grammar still makes it schema-valid nonsense.
 */
export interface TinyGgufOptions {
  /** Same seed, same bytes. Default 1. */
  seed?: number;
  embedding?: number;
  layers?: number;
  heads?: number;
  feedForward?: number;
  contextLength?: number;
  name?: string;
  /** Metadata keys to leave out, to build the broken files the registry must diagnose. */
  omitKeys?: readonly string[];
}

export interface TinyGgufInfo {
  bytes: number;
  vocabSize: number;
  tensorCount: number;
}

/** Deterministic PRNG (mulberry32) with a Box–Muller normal on top. */
function normalSource(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

export function buildTinyGguf(options: TinyGgufOptions = {}): { buffer: Buffer; info: TinyGgufInfo } {
  const nEmbd = options.embedding ?? 64;
  const nLayer = options.layers ?? 2;
  const nHead = options.heads ?? 4;
  const nFf = options.feedForward ?? 128;
  const nCtx = options.contextLength ?? 512;
  if (nEmbd % nHead !== 0) throw new RangeError('embedding must be a multiple of heads');
  const vocab = buildTinyVocab();
  const nVocab = vocab.tokens.length;
  const randn = normalSource(options.seed ?? 1);
  const matrix = (rows: number, cols: number, std: number) => Float32Array.from({ length: rows * cols }, () => randn() * std);
  const ones = (n: number) => new Float32Array(n).fill(1);

  // Channel 0 of the residual stream carries a constant: every embedding holds BIAS_CHANNEL there
  // and no layer writes to it, so after the final RMS norm it is a near-constant positive value.
  // The output rows of byte and control tokens weigh it negatively. That is the output bias the
  // llama architecture lacks: random weights would otherwise emit stray bytes (broken UTF-8) and
  // control tokens.
  const BIAS_CHANNEL = 8;
  const embd = matrix(nVocab, nEmbd, 1);
  for (let t = 0; t < nVocab; t++) embd[t * nEmbd] = BIAS_CHANNEL;
  const output = matrix(nVocab, nEmbd, 0.6);
  for (let t = 0; t < nVocab; t++) {
    const special = vocab.types[t] !== TOKEN_TYPE.normal;
    output[t * nEmbd] = special ? -4 : 0;
  }
  const writesResidual = (m: Float32Array, cols: number) => {
    m.fill(0, 0, cols); // row 0 produces channel 0
    return m;
  };

  const tensors: GgufWriteTensor[] = [
    { name: 'token_embd.weight', dims: [nEmbd, nVocab], data: embd },
    { name: 'output_norm.weight', dims: [nEmbd], data: ones(nEmbd) },
    { name: 'output.weight', dims: [nEmbd, nVocab], data: output },
  ];
  const std = 1 / Math.sqrt(nEmbd);
  for (let i = 0; i < nLayer; i++) {
    const blk = `blk.${i}`;
    tensors.push(
      { name: `${blk}.attn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) },
      { name: `${blk}.attn_q.weight`, dims: [nEmbd, nEmbd], data: matrix(nEmbd, nEmbd, std) },
      { name: `${blk}.attn_k.weight`, dims: [nEmbd, nEmbd], data: matrix(nEmbd, nEmbd, std) },
      { name: `${blk}.attn_v.weight`, dims: [nEmbd, nEmbd], data: matrix(nEmbd, nEmbd, std) },
      { name: `${blk}.attn_output.weight`, dims: [nEmbd, nEmbd], data: writesResidual(matrix(nEmbd, nEmbd, std), nEmbd) },
      { name: `${blk}.ffn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) },
      { name: `${blk}.ffn_gate.weight`, dims: [nEmbd, nFf], data: matrix(nFf, nEmbd, std) },
      { name: `${blk}.ffn_up.weight`, dims: [nEmbd, nFf], data: matrix(nFf, nEmbd, std) },
      { name: `${blk}.ffn_down.weight`, dims: [nFf, nEmbd], data: writesResidual(matrix(nEmbd, nFf, 1 / Math.sqrt(nFf)), nFf) },
    );
  }

  const metadata: Array<readonly [string, GgufWriteValue]> = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: options.name ?? 'reelcraft-tiny' }],
    ['general.file_type', { type: 'uint32', value: 0 }],
    ['llama.context_length', { type: 'uint32', value: nCtx }],
    ['llama.embedding_length', { type: 'uint32', value: nEmbd }],
    ['llama.block_count', { type: 'uint32', value: nLayer }],
    ['llama.feed_forward_length', { type: 'uint32', value: nFf }],
    ['llama.attention.head_count', { type: 'uint32', value: nHead }],
    ['llama.attention.head_count_kv', { type: 'uint32', value: nHead }],
    ['llama.rope.dimension_count', { type: 'uint32', value: nEmbd / nHead }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'float32', value: 1e-5 }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'float32[]', value: vocab.scores }],
    ['tokenizer.ggml.token_type', { type: 'int32[]', value: vocab.types }],
    ['tokenizer.ggml.bos_token_id', { type: 'uint32', value: vocab.bos }],
    ['tokenizer.ggml.eos_token_id', { type: 'uint32', value: vocab.eos }],
    ['tokenizer.ggml.unknown_token_id', { type: 'uint32', value: vocab.unk }],
  ];
  const omit = new Set(options.omitKeys ?? []);
  const buffer = encodeGguf(
    metadata.filter(([key]) => !omit.has(key)),
    tensors,
  );
  return { buffer, info: { bytes: buffer.length, vocabSize: nVocab, tensorCount: tensors.length } };
}

/** Writes the model to `path` (creating its folder) and says how big it came out. */
export async function writeTinyGguf(path: string, options: TinyGgufOptions = {}): Promise<TinyGgufInfo> {
  const { buffer, info } = buildTinyGguf(options);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, buffer);
  return info;
}
