import { resolve } from 'node:path';
import { DiffusionPipeline, type DiffusionPipelineOptions } from './pipeline';

/**
 * One pipeline per directory per process: opening the ONNX sessions takes seconds on a real
 * model, far longer than a scene's first keyframe, so a worker loads it once and reuses it for
 * every scene (and every job, if the worker is kept alive). A failed load is not cached.
 */
const loaded = new Map<string, Promise<DiffusionPipeline>>();

export function sharedDiffusionPipeline(dir: string, options: DiffusionPipelineOptions = {}): Promise<DiffusionPipeline> {
  const path = resolve(dir);
  // The sessions are bound to their execution provider: another device is another pipeline.
  const key = `${options.device ?? 'cpu'}:${path}`;
  let pipeline = loaded.get(key);
  if (!pipeline) {
    pipeline = DiffusionPipeline.load(path, options);
    loaded.set(key, pipeline);
    pipeline.catch(() => loaded.delete(key));
  }
  return pipeline;
}

/** Releases every shared pipeline (tests, and a worker about to exit). */
export async function releaseSharedDiffusionPipelines(): Promise<void> {
  const all = [...loaded.values()];
  loaded.clear();
  await Promise.all(all.map((p) => p.then((x) => x.release()).catch(() => undefined)));
}
