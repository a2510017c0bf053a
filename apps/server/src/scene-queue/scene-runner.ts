import type { SceneDoneMessage, SceneJob, WorkerMessage } from '@reelcraft/inference';

export interface SceneRunnerEvents {
  /** More scene jobs could start now than before (a worker joined, a job ended elsewhere): the scheduler looks again. */
  capacity: [];
}

/**
 * Where the scene scheduler sends the scene jobs it picked: the embedded mode's own render worker
 * processes (RenderWorkerPool), or, in the scaled mode, the BullMQ scene queue that render workers
 * on any host take them from (BullSceneRunner). The scheduler keeps the order fair between users;
 * a runner only runs what it is handed, at most `free` at a time.
 */
export interface SceneRunner {
  on(event: 'capacity', listener: () => void): unknown;
  /** Scene jobs that could start now. */
  readonly free: number;
  /**
   * Draws one scene. Resolves with its scene-done (files at absolute paths on this server);
   * rejects with SceneCancelledError once a cancelled job has let go, WorkerDiedError when the
   * process drawing it died (the scheduler retries it once), or why the scene failed.
   */
  run(job: SceneJob, onMessage: (msg: WorkerMessage) => void, signal: AbortSignal, meta?: { priority?: number }): Promise<SceneDoneMessage>;
  /** The pid of the local process drawing a job, while it does (remote jobs: undefined). */
  pidOf(jobId: string): number | undefined;
  close(): Promise<void>;
}
