import { EventEmitter } from 'node:events';
import { failureReason, knownFailureCodeOf, type OnnxDevice, type SceneDoneMessage, type WorkerMessage } from '@reelcraft/inference';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { SceneCancelledError, WorkerDiedError, type RenderWorkerPool } from '../renders/worker-pool';
import { fromPortable, toPortableDone, type PortableSceneDone, type PortableSceneJob } from './portable-scene-job';
import { BULL_CONNECTION, SCENE_QUEUE, sceneQueueKeys } from './scene-queue-keys';

/**
 * Where a consumer's scene files live: on the servers' shared DATA_DIR (a server's own workers, or
 * a worker host that mounts it), or in a folder of the worker's own, uploaded to a server when done.
 */
export interface ScenePlacement {
  /** The local folder the job is drawn into, and the local copy of a chained scene's start frame. */
  prepare(jobId: string, job: PortableSceneJob, signal: AbortSignal): Promise<{ outDir: string; chainFrom?: string }>;
  /** Hands a drawn scene's files to the servers (nothing to do on the shared volume). */
  deliver(jobId: string, job: PortableSceneJob, done: SceneDoneMessage, signal: AbortSignal): Promise<void>;
  /** Removes what the job left locally, drawn or not. */
  cleanUp(jobId: string): Promise<void>;
}

export interface SceneConsumerOptions {
  redis: { url: string; prefix: string };
  /** The render worker processes that draw the scenes; `slots` jobs are taken at once. */
  pool: RenderWorkerPool;
  slots: number;
  placement: ScenePlacement;
  modelsDir: string;
  device?: OnnxDevice;
  threads?: number;
  /**
   * How long a job stays ours without its lock being renewed: a consumer that dies (SIGKILL, a
   * lost host) has its jobs moved back to the queue by any other consumer after about this long.
   */
  lockMs: number;
  log?: (message: string) => void;
}

/** A job this consumer is drawing, for heartbeats and the admin's workers list. */
export interface CurrentSceneJob {
  job_id: string;
  task_id: string;
  scene_number: number;
  started_at: string;
}

interface ConsumerEvents {
  'job-start': [CurrentSceneJob];
  'job-end': [{ job_id: string; outcome: 'done' | 'failed' | 'cancelled' }];
}

/**
 * Takes scene jobs from the scaled mode's BullMQ queue and draws them on its render worker
 * processes: the servers' own workers use it, and so does the standalone `reelcraft-worker` on a
 * GPU host. Progress and previews go back over Redis pub/sub; the clip over the placement (shared
 * volume or upload); the outcome through BullMQ. A cancel arrives on a Redis channel. A render
 * worker process that dies under a job gives the job back for one retry (anywhere); a consumer
 * that dies has its jobs recovered by BullMQ's stalled-job check once their locks run out; a
 * scene that fails for its own reasons fails at once (drawing it again would fail again).
 */
export class SceneConsumer extends EventEmitter<ConsumerEvents> {
  private readonly keys: ReturnType<typeof sceneQueueKeys>;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  /** The BullMQ worker's; BullMQ leaves a connection it was given open on close. */
  private readonly workerConnection: Redis;
  private readonly worker: Worker<PortableSceneJob, PortableSceneDone>;
  private readonly cancels = new Map<string, AbortController>();
  private readonly current = new Map<string, CurrentSceneJob>();
  private closed = false;

  constructor(private readonly options: SceneConsumerOptions) {
    super();
    this.keys = sceneQueueKeys(options.redis.prefix);
    const log = options.log ?? (() => undefined);
    this.publisher = new Redis(options.redis.url, BULL_CONNECTION);
    this.subscriber = new Redis(options.redis.url, BULL_CONNECTION);
    for (const c of [this.publisher, this.subscriber]) c.on('error', (err: Error) => log(`scene consumer: Redis: ${err.message}`));
    void this.subscriber.subscribe(this.keys.cancels).catch((err: Error) => log(`scene consumer: cannot listen for cancels: ${err.message}`));
    this.subscriber.on('message', (_channel: string, jobId: string) => this.cancels.get(jobId)?.abort());
    this.workerConnection = new Redis(options.redis.url, BULL_CONNECTION);
    this.workerConnection.on('error', (err: Error) => log(`scene consumer: Redis: ${err.message}`));
    this.worker = new Worker<PortableSceneJob, PortableSceneDone>(SCENE_QUEUE, (job) => this.draw(job), {
      connection: this.workerConnection,
      prefix: this.keys.bullPrefix,
      concurrency: options.slots,
      lockDuration: options.lockMs,
      stalledInterval: Math.max(1000, Math.floor(options.lockMs / 2)),
      // A job whose consumer died is given to another once; dying twice fails it (as the local pool's retry).
      maxStalledCount: 1,
    });
    this.worker.on('error', (err: Error) => log(`scene consumer: ${err.message}`));
  }

  /** The jobs being drawn now. */
  get jobs(): CurrentSceneJob[] {
    return [...this.current.values()];
  }

  /** Resolves once the consumer is connected and taking jobs. */
  async ready(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  private async draw(job: Job<PortableSceneJob, PortableSceneDone>): Promise<PortableSceneDone> {
    const jobId = job.id!;
    const abort = new AbortController();
    this.cancels.set(jobId, abort);
    const data = job.data;
    const entry: CurrentSceneJob = { job_id: jobId, task_id: String(data?.taskId), scene_number: Number(data?.scene?.scene_number), started_at: new Date().toISOString() };
    this.current.set(jobId, entry);
    this.emit('job-start', entry);
    let outcome: 'done' | 'failed' | 'cancelled' = 'failed';
    try {
      // A cancel may have been published before this consumer took the job.
      if (await this.publisher.exists(this.cancelledKey(jobId))) throw new SceneCancelledError();
      const local = await this.options.placement.prepare(jobId, data, abort.signal);
      const parsed = fromPortable(data, { ...local, modelsDir: this.options.modelsDir, device: this.options.device, threads: this.options.threads });
      if (!parsed.ok) throw new UnrecoverableError(`invalid scene job: ${parsed.error}`);
      const onMessage = (msg: WorkerMessage) => void this.publisher.publish(this.keys.messages(jobId), JSON.stringify(msg)).catch(() => undefined);
      const done = await this.options.pool.run(parsed.value, onMessage, abort.signal);
      await this.options.placement.deliver(jobId, data, done, abort.signal);
      outcome = 'done';
      return toPortableDone(done);
    } catch (err) {
      // Stopped because this consumer is going away, not cancelled: a plain error, so the job's second attempt runs elsewhere.
      if (this.closed) throw new Error('the render worker host stopped while drawing this scene');
      if (err instanceof SceneCancelledError || abort.signal.aborted) {
        outcome = 'cancelled';
        throw new UnrecoverableError('cancelled');
      }
      // The render process died under the scene (a crash, its memory limit): the job may go again, here or elsewhere.
      if (err instanceof WorkerDiedError || err instanceof UnrecoverableError) throw err;
      // The code travels in the reason's text: BullMQ keeps nothing else of a failure.
      throw new UnrecoverableError(failureReason(knownFailureCodeOf(err), (err as Error).message));
    } finally {
      this.cancels.delete(jobId);
      this.current.delete(jobId);
      this.emit('job-end', { job_id: jobId, outcome });
      await this.options.placement.cleanUp(jobId).catch(() => undefined);
    }
  }

  private cancelledKey(jobId: string): string {
    return `${this.keys.cancels}:${jobId}`;
  }

  /** Stops taking jobs; the scenes being drawn are stopped and go back to the queue for their second attempt. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const abort of this.cancels.values()) abort.abort();
    await this.worker.close(true).catch(() => undefined);
    for (const c of [this.subscriber, this.publisher, this.workerConnection]) c.disconnect();
  }
}
