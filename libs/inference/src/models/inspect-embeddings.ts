import { basename } from 'node:path';
import { describeValues, openSession } from '../diffusion/onnx-session';
import { checkEmbeddingsModel } from './embeddings-contract';

/** Opens one embedding model file with ONNX Runtime and checks its inputs and outputs (see checkEmbeddingsModel). */
export async function inspectEmbeddingsModel(path: string, label = basename(path)): Promise<{ ok: boolean; problems: string[] }> {
  let problems: string[];
  try {
    const session = await openSession(path, { intraOpNumThreads: 1 });
    try {
      problems = checkEmbeddingsModel(label, describeValues(session.inputMetadata), describeValues(session.outputMetadata));
    } finally {
      await session.release();
    }
  } catch (err) {
    problems = [`${label}: cannot be loaded by ONNX Runtime: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300)}`];
  }
  return { ok: problems.length === 0, problems };
}
