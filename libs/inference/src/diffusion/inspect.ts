import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClipTokenizer } from './clip-tokenizer';
import { checkComponent, DIFFUSION_COMPONENTS } from './export-contract';
import { describeValues, openSession } from './onnx-session';
import { parseSchedulerConfig } from './schedulers';

/**
 * Checks that `dir` is a Stable Diffusion ONNX export this pipeline can run, without running it:
 * opens each session and compares its inputs and outputs with the export contract, and reads
 * the tokenizer and scheduler. Every problem found is listed (not just the first), each naming
 * the file and what is wrong, so an operator can fix a model folder in one go.
 */
export async function inspectDiffusionPipeline(dir: string): Promise<{ ok: boolean; problems: string[] }> {
  const problems: string[] = [];
  for (const component of DIFFUSION_COMPONENTS) {
    const path = join(dir, component, 'model.onnx');
    const present = await access(path).then(
      () => true,
      () => false,
    );
    if (!present) {
      if (component !== 'vae_encoder') problems.push(`${component}/model.onnx: missing`);
      continue;
    }
    try {
      const session = await openSession(path, { intraOpNumThreads: 1 });
      try {
        problems.push(...checkComponent(component, describeValues(session.inputMetadata), describeValues(session.outputMetadata)));
      } finally {
        await session.release();
      }
    } catch (err) {
      problems.push(`${component}/model.onnx: cannot be loaded by ONNX Runtime: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300)}`);
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
