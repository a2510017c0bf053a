import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pickOnnxFile } from '../models/onnx-variants';
import { ClipTokenizer } from './clip-tokenizer';
import { checkComponent, DIFFUSION_COMPONENTS } from './export-contract';
import { describeValues, onnxErrorReason, openSession } from './onnx-session';
import { parseSchedulerConfig } from './schedulers';
import type { ModelInspection } from '../models/model-inspection';

/**
 * Checks that `dir` is a Stable Diffusion ONNX export this pipeline can run, without running it:
 * opens each component's session (of the file the pipeline would pick) and compares its inputs and outputs with the export contract, and reads
 * the tokenizer and scheduler. Every problem found is listed (not just the first), each naming
 * the file and what is wrong, so an operator can fix a model folder in one go.
 */
export async function inspectDiffusionPipeline(dir: string): Promise<ModelInspection> {
  const problems: string[] = [];
  for (const component of DIFFUSION_COMPONENTS) {
    // The file DiffusionPipeline.load would run (pickOnnxFile's choice among the variants).
    const picked = await pickOnnxFile(join(dir, component));
    if (!picked) {
      if (component !== 'vae_encoder') problems.push(`${component}/model.onnx: missing`);
      continue;
    }
    try {
      const session = await openSession(join(dir, component, picked), { intraOpNumThreads: 1 });
      try {
        problems.push(...checkComponent(component, describeValues(session.inputMetadata), describeValues(session.outputMetadata), picked));
      } finally {
        await session.release();
      }
    } catch (err) {
      problems.push(`${component}/${picked}: cannot be loaded by ONNX Runtime: ${onnxErrorReason(err)}`);
    }
  }
  try {
    await ClipTokenizer.fromDirectory(join(dir, 'tokenizer'));
  } catch (err) {
    problems.push(`tokenizer/: ${(err as Error).message}`);
  }
  const schedulerPath = join(dir, 'scheduler', 'scheduler_config.json');
  try {
    parseSchedulerConfig(JSON.parse(await readFile(schedulerPath, 'utf8')) as Record<string, unknown>);
  } catch (err) {
    problems.push(`scheduler/scheduler_config.json: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message}`);
  }
  return { ok: problems.length === 0, problems };
}
