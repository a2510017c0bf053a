import { join } from 'node:path';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { describeValues, floatData, openSession, type SessionOptions, type TensorInfo } from '../diffusion/onnx-session';
import { checkEmbeddingsModel } from '../models/embeddings-contract';
import { readJsonIfExists } from '../util/read-json';
import { loadEmbeddingTokenizer, type EmbeddingTokenizer } from './embedding-tokenizer';

/** Texts embedded before are answered from memory: the same past prompts are compared again and again. */
const CACHE_ENTRIES = 2000;

/**
 * An ONNX sentence-embedding model (the registry's embeddings/<name>/): text tokenised by the
 * folder's own tokenizer (WordPiece or Unigram, see loadEmbeddingTokenizer) in, one L2-normalised
 * vector per text out — the model's sentence_embedding when it has one,
 * else its per-token states mean-pooled over the attention mask (sentence-transformers' pooling
 * for MiniLM, and close enough to BGE's [CLS] for ranking). Dot products are cosine similarities.
 */
export class SentenceEmbedder {
  private readonly cache = new Map<string, Float32Array>();
  /** Element type of each input the model takes (int64 or int32; each as the export declares it). */
  private readonly inputTypes: Map<string, string>;
  private readonly output: { name: string; pooled: boolean };

  private constructor(
    private readonly session: InferenceSession,
    readonly tokenizer: EmbeddingTokenizer,
    readonly name: string,
    /** Put before every text: the folder's default sentence-transformers prompt (E5's "query: "). */
    readonly prompt = '',
  ) {
    this.inputTypes = new Map(describeValues(session.inputMetadata).map((i) => [i.name, i.type]));
    const outputs = describeValues(session.outputMetadata);
    const float = (o: TensorInfo) => o.type === 'float32' || o.type === 'float16';
    const pooled = outputs.find((o) => o.name === 'sentence_embedding' && float(o));
    const states = outputs.find((o) => (o.name === 'last_hidden_state' || o.name === 'token_embeddings') && float(o));
    this.output = pooled ? { name: pooled.name, pooled: true } : { name: states!.name, pooled: false };
  }

  /** `dir`: the model folder (its tokenizer there); `modelFile`: the ONNX file in it (e.g. onnx/model.onnx). */
  static async load(dir: string, modelFile: string, options: SessionOptions = {}): Promise<SentenceEmbedder> {
    const tokenizer = await loadEmbeddingTokenizer(dir);
    const prompt = await defaultPrompt(dir);
    const session = await openSession(join(dir, modelFile), options);
    const inputs = describeValues(session.inputMetadata);
    const outputs = describeValues(session.outputMetadata);
    const problems = checkEmbeddingsModel(modelFile, inputs, outputs);
    if (problems.length) {
      await session.release();
      throw new Error(`${dir} is not a usable embedding model: ${problems.join('; ')}`);
    }
    return new SentenceEmbedder(session, tokenizer, join(dir, modelFile), prompt);
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  /** One normalised vector per text, in order. */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const missing = [...new Set(texts.filter((t) => !this.cache.has(t)))];
    // Small batches: padding to the longest text costs little when the lengths are alike.
    for (let i = 0; i < missing.length; i += 16) {
      const batch = missing.slice(i, i + 16);
      const vectors = await this.run(batch);
      batch.forEach((text, k) => this.remember(text, vectors[k]!));
    }
    return texts.map((t) => this.cache.get(t)!);
  }

  private remember(text: string, vector: Float32Array): void {
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(text, vector);
  }

  private async run(texts: string[]): Promise<Float32Array[]> {
    const encoded = texts.map((t) => this.tokenizer.encode(this.prompt + t).ids);
    const len = Math.max(...encoded.map((ids) => ids.length));
    const n = texts.length;
    const ids = new Array<number>(n * len).fill(this.tokenizer.padId);
    const mask = new Array<number>(n * len).fill(0);
    encoded.forEach((row, b) =>
      row.forEach((id, k) => {
        ids[b * len + k] = id;
        mask[b * len + k] = 1;
      }),
    );
    const tensor = (name: string, values: number[]) =>
      this.inputTypes.get(name) === 'int64' ? new Tensor('int64', BigInt64Array.from(values, BigInt), [n, len]) : new Tensor('int32', Int32Array.from(values), [n, len]);
    const feeds: Record<string, Tensor> = { input_ids: tensor('input_ids', ids), attention_mask: tensor('attention_mask', mask) };
    if (this.inputTypes.has('token_type_ids')) feeds.token_type_ids = tensor('token_type_ids', new Array<number>(n * len).fill(0));
    const out = (await this.session.run(feeds))[this.output.name]!;
    const data = floatData(out, `${this.name} ${this.output.name}`);
    const dim = out.dims[out.dims.length - 1]!;
    return texts.map((_, b) => {
      const v = new Float32Array(dim);
      if (this.output.pooled) v.set(data.subarray(b * dim, (b + 1) * dim));
      else {
        let count = 0;
        for (let k = 0; k < len; k++) {
          if (!mask[b * len + k]) continue;
          count++;
          const row = (b * len + k) * dim;
          for (let d = 0; d < dim; d++) v[d]! += data[row + d]!;
        }
        for (let d = 0; d < dim; d++) v[d] = v[d]! / count;
      }
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += v[d]! * v[d]!;
      norm = Math.sqrt(norm) || 1;
      for (let d = 0; d < dim; d++) v[d] = v[d]! / norm;
      if (!v.every(Number.isFinite)) throw new Error(`${this.name} produced a non-finite embedding`);
      return v;
    });
  }
}

/**
 * sentence-transformers' config_sentence_transformers.json: `prompts[default_prompt_name]`, the
 * text its encode() puts before every input. E5 models are trained with "query: " in front of
 * both sides of a similarity; their folders do not say so, and an operator adds
 * {"prompts": {"query": "query: "}, "default_prompt_name": "query"}. No file or no default: none.
 */
async function defaultPrompt(dir: string): Promise<string> {
  const config = await readJsonIfExists(join(dir, 'config_sentence_transformers.json'));
  const name = config?.default_prompt_name;
  const prompt = typeof name === 'string' ? (config?.prompts as Record<string, unknown> | undefined)?.[name] : undefined;
  return typeof prompt === 'string' ? prompt : '';
}

/** Cosine similarity of two normalised vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}
