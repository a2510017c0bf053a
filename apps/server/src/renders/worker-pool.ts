import { EventEmitter } from 'node:events';
import type { SceneRunner, SceneRunnerEvents } from '../scene-queue/scene-runner';
import { SupervisedChild, TaskFailure, isWorkerMessage, type ChildExit, type ParentMessage, type SceneDoneMessage, type SceneJob, type WorkerMessage } from '@reelcraft/inference';

/** A scene job ended because its worker died under it (not because the scene failed). */
export class WorkerDiedError extends Error {
  override readonly name = 'WorkerDiedError';
  constructor(readonly exit: ChildExit) {
    super(exit.reason);
  }
}

/** The scene job was cancelled (its signal aborted) and its worker has let go of it. */
export class SceneCancelledError extends Error {
  override readonly name = 'SceneCancelledError';
  constructor() {
    super('cancelled');
  }
}

export interface WorkerPoolOptions {
  entryPath: string;
  /** Read at each use, so a changed setting takes effect with the next worker or job. */
  size(): number;
  /** RENDER_MEMORY_LIMIT_MB for workers started from now on; 0: none. */
  memoryLimitMb(): number;
  /** The workers' environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** How long a cancelled scene has to stop before its worker is killed (default 500 ms). */
  cancelGraceMs?: number;
  /** How long a worker has to exit at shutdown before it is killed (default 2 s). */
  stopGraceMs?: number;
}

export interface PoolEvents extends SceneRunnerEvents {
  /** A scene job was handed to a worker. */
  'job-start': [{ jobId: string; taskId: string; sceneNumber: number; pid: number }];
  /** A scene job ended, however. */
  'job-end': [{ jobId: string; taskId: string; sceneNumber: number; pid: number; outcome: 'done' | 'failed' | 'cancelled' | 'died' }];
  /** A worker process ended; the pool starts a new one when it next needs one. */
  'worker-exit': [{ pid: number; exit: ChildExit }];
}

interface RunningJob {
  job: SceneJob;
  onMessage(msg: WorkerMessage): void;
  resolve(msg: SceneDoneMessage): void;
  reject(err: Error): void;
  cancelled: boolean;
}

interface PoolWorker {
  child: SupervisedChild;
  job: RunningJob | null;
}

/**
 * Render workers that stay up: started when a scene job needs one (up to `size`), each given one
 * scene job at a time and kept between jobs (so a diffusion pipeline stays loaded), watched for
 * memory, replaced when one dies or is killed, and stopped at shutdown. Which job goes to a free
 * worker is the scene scheduler's choice (scene-scheduler.ts); the pool only runs it.
 */
export class RenderWorkerPool extends EventEmitter<PoolEvents> implements SceneRunner {
  private readonly workers: PoolWorker[] = [];
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    super();
  }

  /** Scene jobs that could start now: workers idle or not started yet. */
  get free(): number {
    return Math.max(0, this.options.size() - this.workers.filter((w) => w.job).length);
  }

  /** The pid of the worker drawing a job, while it does. */
  pidOf(jobId: string): number | undefined {
    return this.workers.find((w) => w.job?.job.jobId === jobId)?.child.pid;
  }

  /** The pids of the workers up now (busy or idle). */
  get pids(): number[] {
    return this.workers.map((w) => w.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /**
   * Draws one scene on an idle worker (starting one when none is idle). Resolves with the worker's
   * scene-done; rejects with SceneCancelledError once a cancelled job has stopped (asked first,
   * its worker killed when it lingers), WorkerDiedError when the worker died under it, or the
   * worker's own error. The caller must not run more jobs at once than `free` allows.
   */
  run(job: SceneJob, onMessage: (msg: WorkerMessage) => void, signal: AbortSignal): Promise<SceneDoneMessage> {
    if (this.closed) return Promise.reject(new Error('the render worker pool has been closed'));
    if (signal.aborted) return Promise.reject(new SceneCancelledError());
    const worker = this.workers.find((w) => !w.job && w.child.alive) ?? this.start();
    return new Promise<SceneDoneMessage>((resolve, reject) => {
      const pid = worker.child.pid ?? 0;
      let force: NodeJS.Timeout | undefined;
      const end = (outcome: 'done' | 'failed' | 'cancelled' | 'died') => {
        signal.removeEventListener('abort', onAbort);
        clearTimeout(force);
        if (worker.job === running) worker.job = null;
        this.emit('job-end', { jobId: job.jobId, taskId: job.taskId, sceneNumber: job.scene.scene_number, pid, outcome });
      };
      const running: RunningJob = {
        job,
        onMessage,
        cancelled: false,
        resolve: (msg) => {
          end('done');
          resolve(msg);
        },
        reject: (err) => {
          end(err instanceof SceneCancelledError ? 'cancelled' : err instanceof WorkerDiedError ? 'died' : 'failed');
          reject(err);
        },
      };
      const onAbort = () => {
        running.cancelled = true;
        worker.child.send({ type: 'cancel', job_id: job.jobId } satisfies ParentMessage);
        // A scene stuck in native code (ONNX Runtime) does not see the abort: its worker goes.
        force = setTimeout(() => worker.child.kill('stopped', 'render worker killed: a cancelled scene did not stop in time'), this.options.cancelGraceMs ?? 500);
        force.unref();
      };
      worker.job = running;
      signal.addEventListener('abort', onAbort, { once: true });
      if (!worker.child.send({ type: 'scene', job } satisfies ParentMessage)) return; // its exit rejects the job
      this.emit('job-start', { jobId: job.jobId, taskId: job.taskId, sceneNumber: job.scene.scene_number, pid });
    });
  }

  /** Stops every worker (each stops the scene it draws and exits; killed if it lingers). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.child.stop(this.options.stopGraceMs ?? 2000, 'the server is shutting down')));
  }

  private start(): PoolWorker {
    const child = new SupervisedChild({ name: 'render worker', entryPath: this.options.entryPath, memoryLimitMb: this.options.memoryLimitMb(), ...(this.options.env ? { env: this.options.env } : {}) });
    const worker: PoolWorker = { child, job: null };
    this.workers.push(worker);
    child.on('message', (raw) => {
      if (!isWorkerMessage(raw)) return;
      const running = worker.job;
      // Messages of a job that already ended (a cancel that crossed its answer) are stale.
      if (!running || (raw.job_id !== running.job.jobId && !(raw.type === 'failed' && raw.job_id === null))) return;
      if (raw.type === 'scene-done') return running.resolve(raw);
      if (raw.type === 'failed') {
        // job_id null: the worker crashed (or could not read us) and is going; its exit tells the rest.
        if (raw.job_id === null) return;
        return running.reject(raw.cancelled || running.cancelled ? new SceneCancelledError() : raw.code ? new TaskFailure(raw.code, raw.message) : new Error(raw.message));
      }
      running.onMessage(raw);
    });
    child.on('exit', (exit) => {
      this.workers.splice(this.workers.indexOf(worker), 1);
      const running = worker.job;
      if (running) running.reject(running.cancelled && exit.cause === 'stopped' ? new SceneCancelledError() : new WorkerDiedError(exit));
      this.emit('worker-exit', { pid: child.pid ?? 0, exit });
    });
    return worker;
  }
}
