import { readFile } from 'node:fs/promises';
import { isAbortError } from '../util/abort';
import { processChildPort, type ChildPort } from '../util/child-port';
import { parseParentMessage, type SceneJob, type WorkerMessage } from './protocol';
import { renderScene, sceneRenderer, type SceneResult } from './run-render-job';
import { knownFailureCodeOf } from './task-failure';

/**
 * What the worker needs from its process, abstracted so the protocol logic can be tested
 * without forking.
 */
export type WorkerPort = ChildPort<WorkerMessage>;

export interface SceneJobHooks {
  signal: AbortSignal;
  onSceneProgress(p: { scene_number: number; frame: number; frames: number }): void;
  onScenePreview(p: { scene_number: number; step: number; steps: number; jpeg: string; at: number }): void;
}

export type RunSceneJob = (job: SceneJob, hooks: SceneJobHooks) => Promise<SceneResult>;

/**
 * Draws one scene job in this process. The renderer is made per job, but the diffusion pipeline
 * under it is the process's shared one (sharedDiffusionPipeline caches it per folder), so a worker
 * that stays up loads its models once for all the scenes it is given.
 */
export const runSceneJob: RunSceneJob = async (job, hooks) => {
  const renderer = await sceneRenderer(job, { onScenePreview: hooks.onScenePreview });
  const chainFrom = job.chainFrom ? await readChainFrame(job) : undefined;
  return renderScene(
    job.scene,
    {
      title: job.title,
      caption: job.caption,
      width: job.width,
      height: job.height,
      fps: job.fps,
      outDir: job.outDir,
      ...(job.seed !== undefined ? { seed: job.seed } : {}),
      ...(job.style ? { style: job.style } : {}),
      ...(chainFrom ? { chainFrom } : {}),
    },
    renderer,
    { signal: hooks.signal, onSceneProgress: hooks.onSceneProgress },
    job.diffusionDir,
  );
};

async function readChainFrame(job: SceneJob): Promise<Buffer> {
  const frame = await readFile(job.chainFrom!).catch((err: Error) => {
    throw new Error(`scene ${job.scene.scene_number} is chained, but the previous scene's last frame cannot be read: ${err.message}`);
  });
  const want = job.width * job.height * 3;
  if (frame.length !== want) throw new Error(`scene ${job.scene.scene_number} is chained, but the previous scene's last frame has ${frame.length} bytes instead of ${want} (${job.width}x${job.height} RGB24)`);
  return frame;
}

/**
 * A worker that stays up: it draws one scene job at a time (`scene`), stops the one it is drawing
 * on `cancel` with that job's id, and answers each job with `scene-done` or `failed`, tagged with
 * the job id. A `scene` while another is running, or a message it cannot read, is answered with
 * `failed` and changes nothing else: the parent is told at once rather than left waiting. It
 * exits when its parent goes away, after stopping the job it was drawing (ffmpeg killed, partial
 * clip removed).
 */
export function serveRenderWorker(port: WorkerPort, runJob: RunSceneJob = runSceneJob): void {
  let current: { id: string; controller: AbortController; cancelled: boolean; done: Promise<void> } | null = null;
  let orphaned = false;

  port.onMessage((raw) => {
    if (orphaned) return;
    const parsed = parseParentMessage(raw);
    if (!parsed.ok) {
      const jobId = typeof (raw as { job?: { jobId?: unknown } })?.job?.jobId === 'string' ? (raw as { job: { jobId: string } }).job.jobId : null;
      // A job the worker is drawing is not the one this message names: it goes on.
      void port.send({ type: 'failed', job_id: jobId === current?.id ? null : jobId, message: `invalid message from parent: ${parsed.error}` });
      return;
    }
    const message = parsed.value;
    if (message.type === 'cancel') {
      // A cancel for a job that already ended crossed its answer on the way: nothing to do.
      if (current?.id === message.job_id) {
        current.cancelled = true;
        current.controller.abort();
      }
      return;
    }
    const job = message.job;
    if (current) {
      void port.send({ type: 'failed', job_id: job.jobId, message: `this render worker is drawing job ${current.id}; job ${job.jobId} was not started` });
      return;
    }
    const controller = new AbortController();
    const send = (m: WorkerMessage) => {
      if (current?.id === job.jobId && !controller.signal.aborted) void port.send(m);
    };
    const run = runJob(job, {
      signal: controller.signal,
      onSceneProgress: (p) => send({ type: 'scene-progress', job_id: job.jobId, ...p }),
      onScenePreview: (p) => send({ type: 'scene-preview', job_id: job.jobId, ...p }),
    });
    const state = {
      id: job.jobId,
      controller,
      cancelled: false,
      done: run.then(
        async (result) => {
          current = null;
          await port.send({ type: 'scene-done', job_id: job.jobId, scene_number: result.scene_number, clip: result.clip, last_frame: result.last_frame, ...(result.poster ? { poster: result.poster } : {}) });
        },
        async (err: unknown) => {
          current = null;
          const cancelled = state.cancelled && (isAbortError(err) || controller.signal.aborted);
          if (cancelled) return port.send({ type: 'failed', job_id: job.jobId, message: 'cancelled', cancelled: true });
          const code = knownFailureCodeOf(err);
          await port.send({ type: 'failed', job_id: job.jobId, message: err instanceof Error ? err.message : String(err), ...(code ? { code } : {}) });
        },
      ),
    };
    current = state;
  });

  port.onDisconnect(() => {
    orphaned = true;
    const job = current;
    if (!job) return port.exit(1);
    // The job's abort kills ffmpeg and removes the partial clip; exit once it has.
    job.cancelled = true;
    job.controller.abort();
    void job.done.finally(() => port.exit(1));
  });
}

/** The port of a forked child process: IPC to the parent, process.exit to end. */
export function processWorkerPort(proc: NodeJS.Process = process): WorkerPort {
  return processChildPort<WorkerMessage>(proc);
}
