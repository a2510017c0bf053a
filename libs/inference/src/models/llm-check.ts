import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ModelEntry } from '@reelcraft/shared';
import { GgufFormatError, metadataValue, readGgufFile, type GgufFile } from './gguf-file';

/**
 * Architectures whose loaders in llama.cpp need the classic llama block layout. For these a missing
 * tensor is reported here; other architectures get the metadata checks only.
 */
const LLAMA_LAYOUT = new Set(['llama', 'mistral', 'qwen2', 'qwen3']);
const BLOCK_TENSORS = ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'];
/** Keys whose absence makes llama.cpp assert (abort the whole process) or fail at generation. */
const ARCH_KEYS = ['context_length', 'embedding_length', 'block_count', 'feed_forward_length', 'attention.head_count'];
const TOKENIZER_KEYS = ['tokenizer.ggml.model', 'tokenizer.ggml.tokens', 'tokenizer.ggml.token_type'];

/** The library gives every 64-bit value as a bigint, small ones included. */
const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arrayLength = (v: unknown): number | undefined => (Array.isArray(v) ? v.length : undefined);

/** Lists everything a loader would trip over, so the operator fixes it all in one go. */
export function ggufProblems(gguf: GgufFile): string[] {
  const problems: string[] = [];
  const meta = (key: string) => metadataValue(gguf.info.metadata, key);
  const arch = str(meta('general.architecture'));
  if (!arch) {
    problems.push('general.architecture missing');
  } else {
    for (const key of ARCH_KEYS) if (meta(`${arch}.${key}`) === undefined) problems.push(`${arch}.${key} missing`);
  }
  for (const key of TOKENIZER_KEYS) if (meta(key) === undefined) problems.push(`${key} missing`);
  const tokens = arrayLength(meta('tokenizer.ggml.tokens'));
  const types = arrayLength(meta('tokenizer.ggml.token_type'));
  if (tokens !== undefined && types !== undefined && tokens !== types) {
    problems.push(`tokenizer.ggml.token_type has ${types} entries for ${tokens} tokens`);
  }

  if (arch && LLAMA_LAYOUT.has(arch)) {
    const names = new Set(gguf.tensors.map((t) => t.name));
    const missing: string[] = [];
    for (const name of ['token_embd.weight', 'output_norm.weight']) if (!names.has(name)) missing.push(name);
    const blocks = num(meta(`${arch}.block_count`)) ?? 0;
    // Blocks past what the table could hold are wholly missing: counted, not walked, so a
    // garbage block_count cannot stall the scan.
    const walked = Math.min(blocks, Math.ceil(names.size / BLOCK_TENSORS.length) + 1);
    for (let i = 0; i < walked; i++) {
      for (const t of BLOCK_TENSORS) if (!names.has(`blk.${i}.${t}.weight`)) missing.push(`blk.${i}.${t}.weight`);
    }
    const total = missing.length + (blocks - walked) * BLOCK_TENSORS.length;
    // A long list helps nobody: name the first few and count the rest.
    if (total > 0) {
      const shown = missing.slice(0, 5).join(', ');
      problems.push(`tensor${total > 1 ? 's' : ''} missing: ${shown}${total > 5 ? ` and ${total - 5} more` : ''}`);
    }
  }
  return problems;
}

export function ggufDetails(gguf: GgufFile): Record<string, unknown> {
  const meta = (key: string) => metadataValue(gguf.info.metadata, key);
  const arch = str(meta('general.architecture'));
  return {
    ggufVersion: gguf.info.version,
    architecture: arch ?? null,
    modelName: str(meta('general.name')) ?? null,
    contextLength: arch ? (num(meta(`${arch}.context_length`)) ?? null) : null,
    embeddingLength: arch ? (num(meta(`${arch}.embedding_length`)) ?? null) : null,
    blockCount: arch ? (num(meta(`${arch}.block_count`)) ?? null) : null,
    vocabularySize: arrayLength(meta('tokenizer.ggml.tokens')) ?? null,
    tensorCount: gguf.tensors.length,
    sizeBytes: gguf.fileSize,
  };
}

/** Checks one `.gguf` file without loading its weights; a broken file becomes problems, never a throw. */
export async function inspectGguf(path: string): Promise<ModelEntry> {
  const entry: ModelEntry = { kind: 'llm', name: basename(path), path, ok: false, problems: [], details: {} };
  try {
    const gguf = await readGgufFile(path);
    entry.details = ggufDetails(gguf);
    entry.problems = ggufProblems(gguf);
  } catch (err) {
    if (err instanceof GgufFormatError) entry.problems = [err.message];
    else entry.problems = [`cannot read the file: ${err instanceof Error ? err.message : String(err)}`];
    entry.details = { sizeBytes: await stat(path).then((s) => s.size, () => null) };
  }
  entry.ok = entry.problems.length === 0;
  return entry;
}
