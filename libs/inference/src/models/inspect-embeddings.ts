import { basename } from 'node:path';
import { describeValues, onnxErrorReason, openSession } from '../diffusion/onnx-session';
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
    problems = [`${label}: cannot be loaded by ONNX Runtime: ${onnxErrorReason(err)}`];
  }
  return { ok: problems.length === 0, problems };
}
