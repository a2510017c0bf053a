import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ModelEntry } from '@reelcraft/shared';
import { GgufFormatError, readGgufHeader, type GgufHeader } from './gguf-reader';

/**
 * Architectures whose loaders in llama.cpp need the classic llama block layout. For these a missing
 * tensor is reported here; other architectures get the metadata checks only.
 */
const LLAMA_LAYOUT = new Set(['llama', 'mistral', 'qwen2', 'qwen3']);
const BLOCK_TENSORS = ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'];
/** Keys whose absence makes llama.cpp assert (abort the whole process) or fail at generation. */
const ARCH_KEYS = ['context_length', 'embedding_length', 'block_count', 'feed_forward_length', 'attention.head_count'];
const TOKENIZER_KEYS = ['tokenizer.ggml.model', 'tokenizer.ggml.tokens', 'tokenizer.ggml.token_type'];

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Lists everything a loader would trip over, so the operator fixes it all in one go. */
export function ggufProblems(header: GgufHeader): string[] {
  const problems: string[] = [];
  const meta = header.metadata;
  const arch = str(meta.get('general.architecture'));
  if (!arch) {
    problems.push('general.architecture missing');
  } else {
    for (const key of ARCH_KEYS) if (!meta.has(`${arch}.${key}`)) problems.push(`${arch}.${key} missing`);
  }
  for (const key of TOKENIZER_KEYS) if (!meta.has(key)) problems.push(`${key} missing`);
  const tokens = meta.get('tokenizer.ggml.tokens');
  const types = meta.get('tokenizer.ggml.token_type');
  if (typeof tokens === 'object' && typeof types === 'object' && tokens.length !== types.length) {
    problems.push(`tokenizer.ggml.token_type has ${types.length} entries for ${tokens.length} tokens`);
  }

  if (arch && LLAMA_LAYOUT.has(arch)) {
    const names = new Set(header.tensors.map((t) => t.name));
    const missing: string[] = [];
    for (const name of ['token_embd.weight', 'output_norm.weight']) if (!names.has(name)) missing.push(name);
    const blocks = num(meta.get(`${arch}.block_count`)) ?? 0;
    for (let i = 0; i < blocks; i++) {
      for (const t of BLOCK_TENSORS) if (!names.has(`blk.${i}.${t}.weight`)) missing.push(`blk.${i}.${t}.weight`);
    }
    // A long list helps nobody: name the first few and count the rest.
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).join(', ');
      problems.push(`tensor${missing.length > 1 ? 's' : ''} missing: ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
    }
  }
  return problems;
}

export function ggufDetails(header: GgufHeader): Record<string, unknown> {
  const meta = header.metadata;
  const arch = str(meta.get('general.architecture'));
  const tokens = meta.get('tokenizer.ggml.tokens');
  return {
    ggufVersion: header.version,
    architecture: arch ?? null,
    modelName: str(meta.get('general.name')) ?? null,
    contextLength: arch ? (num(meta.get(`${arch}.context_length`)) ?? null) : null,
    embeddingLength: arch ? (num(meta.get(`${arch}.embedding_length`)) ?? null) : null,
    blockCount: arch ? (num(meta.get(`${arch}.block_count`)) ?? null) : null,
    vocabularySize: typeof tokens === 'object' ? tokens.length : null,
    tensorCount: header.tensors.length,
    sizeBytes: header.fileSize,
  };
}

/** Checks one `.gguf` file without loading its weights; a broken file becomes problems, never a throw. */
export async function inspectGguf(path: string): Promise<ModelEntry> {
  const entry: ModelEntry = { kind: 'llm', name: basename(path), path, ok: false, problems: [], details: {} };
  try {
    const header = await readGgufHeader(path);
    entry.details = ggufDetails(header);
    entry.problems = ggufProblems(header);
  } catch (err) {
    if (err instanceof GgufFormatError) entry.problems = [err.message];
    else entry.problems = [`cannot read the file: ${err instanceof Error ? err.message : String(err)}`];
    entry.details = { sizeBytes: await stat(path).then((s) => s.size, () => null) };
  }
  entry.ok = entry.problems.length === 0;
  return entry;
}
