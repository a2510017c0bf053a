import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ModelEntry } from '@reelcraft/shared';
import { onnxVariants } from './onnx-variants';
import type { ModelInspection } from './model-inspection';

/**
 * The deeper check of a whole layout: loading the tokenizer the embedder would use and opening
 * each model file (paths relative to the folder) with ONNX Runtime to read its signature.
 */
export type EmbeddingsInspector = (dir: string, modelFiles: string[]) => Promise<ModelInspection>;

/** Tokenizer files of the usual sentence-embedding exports (BERT WordPiece, BPE, SentencePiece, fast tokenizer). */
const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'vocab.json', 'sentencepiece.bpe.model', 'tokenizer.model'];

/**
 * An ONNX sentence-embedding model: a model file (at the top or in onnx/, as Optimum's
 * sentence-transformers exports place it) and some tokenizer file; with `inspect`, once the layout
 * is whole, the tokenizer is loaded and each model file's inputs and outputs are checked too
 * (see inspectEmbeddingsFolder).
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
  const models = Object.values(variants).map((f) => modelDir + f);
  if (inspect && problems.length === 0) problems.push(...(await inspect(dir, models)).problems);
  return {
    kind: 'embeddings',
    name: basename(dir),
    path: dir,
    ok: problems.length === 0,
    problems,
    details: { model: models, tokenizer },
  };
}
