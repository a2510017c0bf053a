import { isAbortError } from '../util/abort';
import { parseParentMessage, type RenderJob, type WorkerMessage } from './protocol';
import { runRenderJob, type RenderJobHooks } from './run-render-job';
import { processChildPort, type ChildPort } from '../util/child-port';

/**
 * What the worker needs from its process, abstracted so the protocol logic can be tested
 * without forking.
 */
export type WorkerPort = ChildPort<WorkerMessage>;

export type RunJob = (job: RenderJob, hooks: RenderJobHooks) => Promise<unknown>;

/**
 * One worker, one job. The first valid `run` starts it; `cancel` stops it; anything that breaks
 * the protocol (an invalid message, a second `run`) fails the job, because a confused parent is
 * better told at once than left waiting. The worker exits after its final message.
 */
export function serveRenderWorker(port: WorkerPort, runJob: RunJob = runRenderJob): void {
  const controller = new AbortController();
  let state: 'idle' | 'running' | 'finished' = 'idle';
  let cancelRequested = false;
  let orphaned = false;
  let job: Promise<unknown> | undefined;

  const finish = async (message: WorkerMessage, code: number) => {
    if (state === 'finished') return;
    state = 'finished';
    if (job) {
      // Report only once the job has stopped: ffmpeg killed, partial clip removed.
      controller.abort();
      await job.catch(() => undefined);
    }
    await port.send(message);
    port.exit(orphaned ? 1 : code);
  };

  const fail = (message: string) => void finish({ type: 'failed', message }, 1);

  port.onMessage((raw) => {
    if (state === 'finished') return;
    const parsed = parseParentMessage(raw);
    if (!parsed.ok) return fail(`invalid message from parent: ${parsed.error}`);
    const message = parsed.value;
    if (message.type === 'cancel') {
      cancelRequested = true;
      if (state === 'idle') void finish({ type: 'failed', message: 'cancelled', cancelled: true }, 0);
      else controller.abort();
      return;
    }
    if (state === 'running') return fail('a job is already running in this worker');
    state = 'running';
    const send = (m: WorkerMessage) => {
      if (state === 'running') void port.send(m);
    };
    job = runJob(message.job, {
      signal: controller.signal,
      onPlanned: (plan) => send({ type: 'planned', plan }),
      onSceneProgress: (p) => send({ type: 'scene-progress', ...p }),
      onScenePreview: (p) => send({ type: 'scene-preview', ...p }),
      onSceneDone: (r) => send({ type: 'scene-done', ...r }),
    });
    job.then(
      () => finish({ type: 'done' }, 0),
      (err: unknown) => {
        if (cancelRequested && isAbortError(err)) return finish({ type: 'failed', message: 'cancelled', cancelled: true }, 0);
        return finish({ type: 'failed', message: err instanceof Error ? err.message : String(err) }, 1);
      },
    );
  });

  port.onDisconnect(() => {
    orphaned = true;
    if (state === 'running') {
      // The job's abort kills ffmpeg and removes the partial clip; exit once it has.
      cancelRequested = true;
      controller.abort();
    } else if (state === 'idle') {
      state = 'finished';
      port.exit(1);
    }
  });
}

/** The port of a forked child process: IPC to the parent, process.exit to end. */
export function processWorkerPort(proc: NodeJS.Process = process): WorkerPort {
  return processChildPort<WorkerMessage>(proc);
}
