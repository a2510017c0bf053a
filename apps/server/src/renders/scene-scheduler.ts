import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { SceneDoneMessage, SceneJob, WorkerMessage } from '@reelcraft/inference';
import { pickNext } from './fair-pick';
import type { SceneRunner } from '../scene-queue/scene-runner';
import { SceneCancelledError, WorkerDiedError } from './worker-pool';

/** A scene of a running task, to be drawn by a render worker. */
export interface SceneRequest {
  /** Without its id and folder: each attempt gets its own (a retry never meets a dead worker's files). */
  job: Omit<SceneJob, 'jobId' | 'outDir'>;
  /** The folder each attempt's own folder is made in. */
  outRoot: string;
  ownerId: string;
  priority: number;
  /** The task's creation time and the scene's place in it: a task's scenes keep their order. */
  taskCreatedAt: Date;
  order: number;
  signal: AbortSignal;
  /** The scene went to a worker (again, on a retry). */
  onStart?(attempt: { jobId: string; pid: number | undefined }): void;
  onMessage?(msg: WorkerMessage): void;
}

export interface SchedulerEvents {
  /** A scene joined the queue for a worker (`waiting` counts it). */
  queued: [{ taskId: string; sceneNumber: number; ownerId: string; waiting: number }];
  /** A scene went to a worker (`attempt` 2: the retry after its first worker died). */
  started: [{ taskId: string; sceneNumber: number; ownerId: string; job: SceneJob; attempt: number }];
}

interface Entry {
  id: string;
  owner_id: string;
  priority: number;
  created_at: Date;
  order: number;
  request: SceneRequest;
  attempts: number;
  resolve(msg: SceneDoneMessage): void;
  reject(err: Error): void;
}

/**
 * Hands free render workers (local processes, or the scaled mode's scene queue) to the scene jobs of running tasks, fairly between users: by the
 * task's priority, then the owner with the fewest scenes rendering now, then the owner whose last
 * scene started longest ago (fair-pick.ts, as for admitting tasks). So a user's single scene
 * starts as soon as a worker frees up, however many scenes another user has queued. A scene whose
 * worker died is queued once more, in its old place, for a fresh worker; a second death fails it.
 */
export class SceneScheduler extends EventEmitter<SchedulerEvents> {
  private readonly queued: Entry[] = [];
  private readonly renderingByOwner = new Map<string, number>();
  private readonly lastStartByOwner = new Map<string, number>();
  private clock = 0;

  constructor(readonly pool: SceneRunner) {
    super();
    // A worker that joined (or a job that ended on another instance) may let a waiting scene start.
    pool.on('capacity', () => this.dispatch());
  }

  /** Scene jobs waiting for a worker. */
  get waiting(): number {
    return this.queued.length;
  }

  /** Resolves with the worker's scene-done; rejects with SceneCancelledError when its signal aborted, else with why it failed. */
  submit(request: SceneRequest): Promise<SceneDoneMessage> {
    if (request.signal.aborted) return Promise.reject(new SceneCancelledError());
    return new Promise<SceneDoneMessage>((resolve, reject) => {
      const entry: Entry = {
        id: randomUUID(),
        owner_id: request.ownerId,
        priority: request.priority,
        created_at: request.taskCreatedAt,
        order: request.order,
        request,
        attempts: 0,
        resolve,
        reject,
      };
      const onAbort = () => {
        const i = this.queued.indexOf(entry);
        if (i < 0) return; // running: the pool stops it
        this.queued.splice(i, 1);
        reject(new SceneCancelledError());
      };
      request.signal.addEventListener('abort', onAbort, { once: true });
      const settle = <T>(fn: (v: T) => void) => (v: T) => {
        request.signal.removeEventListener('abort', onAbort);
        fn(v);
      };
      entry.resolve = settle(resolve);
      entry.reject = settle(reject);
      this.queued.push(entry);
      this.emit('queued', { taskId: request.job.taskId, sceneNumber: request.job.scene.scene_number, ownerId: request.ownerId, waiting: this.queued.length });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.pool.free > 0 && this.queued.length) {
      const next = pickNext(this.queued, {
        runningByOwner: this.renderingByOwner,
        lastStartByOwner: this.lastStartByOwner,
        // Per-user limits bound admitted tasks; a user's admitted scenes may use every free worker.
        maxRunningOf: () => Number.POSITIVE_INFINITY,
      }) as Entry | null;
      if (!next) return;
      this.queued.splice(this.queued.indexOf(next), 1);
      this.start(next);
    }
  }

  private start(entry: Entry): void {
    const { request } = entry;
    entry.attempts += 1;
    const jobId = randomUUID();
    const job: SceneJob = { ...request.job, jobId, outDir: join(request.outRoot, jobId) };
    const owner = entry.owner_id;
    this.renderingByOwner.set(owner, (this.renderingByOwner.get(owner) ?? 0) + 1);
    // A counter, not the clock: two starts in one millisecond still take turns.
    this.lastStartByOwner.set(owner, ++this.clock);
    const run = this.pool.run(job, (msg) => request.onMessage?.(msg), request.signal, { priority: request.priority });
    request.onStart?.({ jobId, pid: this.pool.pidOf(jobId) });
    this.emit('started', { taskId: job.taskId, sceneNumber: job.scene.scene_number, ownerId: owner, job, attempt: entry.attempts });
    run
      .then(entry.resolve, (err: Error) => {
        if (err instanceof WorkerDiedError && err.exit.cause === 'crashed' && entry.attempts < 2 && !request.signal.aborted) {
          this.queued.push(entry);
          return;
        }
        if (err instanceof WorkerDiedError && entry.attempts >= 2) {
          return entry.reject(new Error(`scene ${request.job.scene.scene_number}: ${err.message} (its render worker died twice; it was retried once on a fresh worker)`));
        }
        entry.reject(err);
      })
      .finally(() => {
        this.renderingByOwner.set(owner, (this.renderingByOwner.get(owner) ?? 1) - 1);
        this.dispatch();
      });
  }
}
