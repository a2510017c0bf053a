import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { onnxVariants, pickPrecision, type OnnxDevice } from '@reelcraft/inference';
import type { ModelsView, WorkerHeartbeat, WorkerJob } from '@reelcraft/shared';
import type { RenderWorkerPool } from '../renders/worker-pool';

/** What a worker's heartbeat says of its models: the usable folders (relative to MODELS_DIR) and the ONNX variant its device runs. */
export async function modelSummary(view: ModelsView, modelsDir: string, device: OnnxDevice): Promise<Pick<WorkerHeartbeat, 'models' | 'precision'>> {
  const usable = [...view.diffusion, ...view.llm].filter((e) => e.ok).map((e) => relative(modelsDir, e.path) || '.');
  const diffusion = view.diffusion.find((e) => e.ok);
  const precision = diffusion ? pickPrecision(await onnxVariants(join(diffusion.path, 'unet')), device) : undefined;
  return { models: usable.slice(0, 50), ...(precision ? { precision } : {}) };
}

/** The scene jobs a pool is drawing now, from its own events (for heartbeats). */
export function trackPoolJobs(pool: RenderWorkerPool): () => WorkerJob | null {
  const current = new Map<string, WorkerJob>();
  pool.on('job-start', (e) => current.set(e.jobId, { job_id: e.jobId, task_id: e.taskId, scene_number: e.sceneNumber, started_at: new Date().toISOString() }));
  pool.on('job-end', (e) => current.delete(e.jobId));
  // The heartbeat names one job: the one drawing longest.
  return () => current.values().next().value ?? null;
}

/** The parts of a heartbeat that say which process this is. */
export function processIdentity(workerId: string): Pick<WorkerHeartbeat, 'worker_id' | 'host' | 'pid'> {
  return { worker_id: workerId, host: hostname(), pid: process.pid };
}
