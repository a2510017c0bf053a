import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ModelEntry } from '@reelcraft/shared';
import { loadEmbeddingTokenizer } from '../embeddings/embedding-tokenizer';
import { onnxVariants } from './onnx-variants';

/** A deeper check of one model file (opening it with ONNX Runtime, reading its signature). */
export type EmbeddingsInspector = (file: string) => Promise<{ ok: boolean; problems: string[] }>;

/** Tokenizer files of the usual sentence-embedding exports (BERT WordPiece, BPE, SentencePiece, fast tokenizer). */
const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'vocab.json', 'sentencepiece.bpe.model', 'tokenizer.model'];

/**
 * An ONNX sentence-embedding model: a model file (at the top or in onnx/, as Optimum's
 * sentence-transformers exports place it) and some tokenizer file; with `inspect`, the tokenizer
 * is loaded and each model file's inputs and outputs are checked too (see checkEmbeddingsModel),
 * once the layout is whole.
 */
export async function inspectEmbeddingsDir(dir: string, inspect?: EmbeddingsInspector): Promise<ModelEntry> {
  const problems: string[] = [];
  let modelDir = '';
  let variants = await onnxVariants(dir);
  if (Object.keys(variants).length === 0) {
    variants = await onnxVariants(join(dir, 'onnx'));
    if (Object.keys(variants).length > 0) modelDir = 'onnx/';
  }
  if (Object.keys(variants).length === 0) problems.push('model.onnx missing (looked in the folder and in onnx/)');
  const files = new Set(await readdir(dir).catch(() => [] as string[]));
  const tokenizer = TOKENIZER_FILES.filter((f) => files.has(f));
  if (tokenizer.length === 0) problems.push(`tokenizer missing (expected one of ${TOKENIZER_FILES.join(', ')})`);
  if (inspect && problems.length === 0) {
    // The tokenizer the embedder would use must load too: a folder with only a BPE or SentencePiece
    // model file would otherwise pass here and fail at its first use.
    await loadEmbeddingTokenizer(dir).catch((err: unknown) => problems.push(`tokenizer: ${(err as Error).message.replace(`${dir}: `, '')}`));
    for (const file of Object.values(variants)) {
      const rel = modelDir + file;
      const checked = await inspect(join(dir, rel));
      // The inspector names the file by its base name; the entry names it from the model folder.
      problems.push(...checked.problems.map((p) => (p.startsWith(`${file}: `) ? `${rel}: ${p.slice(file.length + 2)}` : `${rel}: ${p}`)));
    }
  }
  return {
    kind: 'embeddings',
    name: basename(dir),
    path: dir,
    ok: problems.length === 0,
    problems,
    details: { model: Object.values(variants).map((f) => modelDir + f), tokenizer },
  };
}
