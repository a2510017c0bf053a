import { join } from 'node:path';
import { loadEmbeddingTokenizer } from '../embeddings/embedding-tokenizer';
import { describeValues, onnxErrorReason, openSession } from '../diffusion/onnx-session';
import { checkEmbeddingsModel } from './embeddings-contract';
import type { ModelInspection } from './model-inspection';

/** Opens one embedding model file with ONNX Runtime and checks its inputs and outputs (see checkEmbeddingsModel); `label` names it in the problems. */
async function inspectEmbeddingsModel(path: string, label: string): Promise<ModelInspection> {
  let problems: string[];
  try {
    const session = await openSession(path, { intraOpNumThreads: 1 });
    try {
      problems = checkEmbeddingsModel(label, describeValues(session.inputMetadata), describeValues(session.outputMetadata));
    } finally {
      await session.release();
    }
  } catch (err) {
    problems = [`${label}: cannot be loaded by ONNX Runtime: ${onnxErrorReason(err)}`];
  }
  return { ok: problems.length === 0, problems };
}

/**
 * The EmbeddingsInspector's work (run in a child process by the server): the tokenizer the
 * embedder would use must load — a folder with only a BPE or SentencePiece model file would
 * otherwise pass and fail at its first use, and a large tokenizer.json takes a tenth of a second
 * to parse — and every model file (relative to `dir`, which names it in the problems) must open
 * with the signature of a sentence-embedding model.
 */
export async function inspectEmbeddingsFolder(dir: string, modelFiles: string[]): Promise<ModelInspection> {
  const problems: string[] = [];
  await loadEmbeddingTokenizer(dir).catch((err: unknown) => problems.push(`tokenizer: ${(err as Error).message.replace(`${dir}: `, '')}`));
  for (const rel of modelFiles) problems.push(...(await inspectEmbeddingsModel(join(dir, rel), rel)).problems);
  return { ok: problems.length === 0, problems };
}
