import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskFailure, isWorkerMessage, readFailureReason, type SceneDoneMessage, type SceneJob, type WorkerMessage } from '@reelcraft/inference';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { SceneCancelledError, WorkerDiedError } from '../renders/worker-pool';
import { fromPortableDone, toPortable, type PortableSceneDone, type PortableSceneJob } from './portable-scene-job';
import { BULL_CONNECTION, SCENE_QUEUE, bullPriority, sceneQueueKeys } from './scene-queue-keys';
import type { SceneRunner, SceneRunnerEvents } from './scene-runner';

export interface BullSceneRunnerOptions {
  redis: { url: string; prefix: string };
  dataDir: string;
  modelsDir: string;
  /** Scene jobs the live render workers of the whole deployment can draw at once (their heartbeats' slots). */
  liveSlots(): Promise<number>;
  /** Whose jobs these are (the render queue's instance id): the BullMQ name of every job added here, so another instance can stop them after this one died. */
  owner?: string;
  /** How often the capacity is read again (default 1 s). */
  refreshMs?: number;
  /** How long a cancelled job that a worker is drawing has to stop before it is let go of here (default 5 s). */
  cancelGraceMs?: number;
  log?: (message: string) => void;
}

interface InFlight {
  job: SceneJob;
  onMessage(msg: WorkerMessage): void;
  resolve(msg: SceneDoneMessage): void;
  reject(err: Error): void;
  cancelled: boolean;
  /** Set once Redis took the job: from then on a job Redis does not know was lost, not yet to come. */
  queued: boolean;
}

/** What a job failed with when a worker died under it twice (BullMQ's stalled-job limit). */
const STALLED = /stalled more than allowable limit/i;

/**
 * The scaled mode's scene runner: scene jobs go into one BullMQ queue on Redis that the render
 * workers of every host take from (SceneConsumer). The scene scheduler of each server instance
 * keeps deciding whose scene goes next, fairly between users; this runner only lets it hand out
 * as many as the live workers of the whole deployment can draw (their heartbeats' slots, less what
 * is queued or drawing already), so the BullMQ queue stays short and a user's single scene is not
 * stuck behind another's hundred. BullMQ carries the rest: priorities, the job's lock while a
 * worker draws it, and recovery of the jobs of a worker that died (stalled-job check).
 */
export class BullSceneRunner extends EventEmitter<SceneRunnerEvents> implements SceneRunner {
  private readonly keys: ReturnType<typeof sceneQueueKeys>;
  private readonly connection: Redis;
  private readonly subscriber: Redis;
  /** QueueEvents' blocking reads; BullMQ leaves a connection it was given open on close. */
  private readonly eventsConnection: Redis;
  readonly queue: Queue<PortableSceneJob, PortableSceneDone>;
  private readonly events: QueueEvents;
  private readonly inFlight = new Map<string, InFlight>();
  private slotsRead = 0;
  private queued = 0;
  /** Jobs added since the counts were read: counted against the capacity until the next read sees them. */
  private addedSinceRefresh = 0;
  private readonly refreshTimer: NodeJS.Timeout;
  private refreshing: Promise<void> = Promise.resolve();
  private rounds = 0;
  private closed = false;
  private readonly log: (message: string) => void;

  constructor(private readonly options: BullSceneRunnerOptions) {
    super();
    this.log = options.log ?? (() => undefined);
    this.keys = sceneQueueKeys(options.redis.prefix);
    this.connection = new Redis(options.redis.url, BULL_CONNECTION);
    this.subscriber = new Redis(options.redis.url, BULL_CONNECTION);
    for (const c of [this.connection, this.subscriber]) c.on('error', (err: Error) => this.log(`scene queue: Redis: ${err.message}`));
    this.queue = new Queue(SCENE_QUEUE, { connection: this.connection, prefix: this.keys.bullPrefix });
    this.queue.on('error', (err: Error) => this.log(`scene queue: ${err.message}`));
    this.eventsConnection = new Redis(options.redis.url, BULL_CONNECTION);
    this.eventsConnection.on('error', (err: Error) => this.log(`scene queue events: Redis: ${err.message}`));
    this.events = new QueueEvents(SCENE_QUEUE, { connection: this.eventsConnection, prefix: this.keys.bullPrefix });
    this.events.on('error', (err: Error) => this.log(`scene queue events: ${err.message}`));
    this.events.on('completed', ({ jobId, returnvalue }) => this.completed(jobId, returnvalue));
    this.events.on('failed', ({ jobId, failedReason }) => this.failed(jobId, failedReason));
    // A job removed while waiting (its cancel) ends here too.
    this.events.on('removed', ({ jobId }) => this.failed(jobId, 'cancelled'));
    this.subscriber.on('messageBuffer', (channel: Buffer, payload: Buffer) => this.message(channel.toString(), payload));
    this.refreshTimer = setInterval(() => this.refresh(), options.refreshMs ?? 1000);
    this.refreshTimer.unref();
    this.refresh();
  }

  /** The live workers' slots, as last read. */
  get slots(): number {
    return this.slotsRead;
  }

  get free(): number {
    return Math.max(0, this.slotsRead - this.queued - this.addedSinceRefresh);
  }

  pidOf(): number | undefined {
    return undefined;
  }

  /** Resolves once the queue and its event stream are connected (tests, the bench). */
  async ready(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
    await this.refreshing;
  }

  /** Reads the capacity again now (and answers when it has). */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(async () => {
      if (this.closed) return;
      try {
        const [slots, counts] = await Promise.all([this.options.liveSlots(), this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'paused')]);
        const before = this.free;
        this.slotsRead = slots;
        this.queued = Object.values(counts).reduce((a, b) => a + b, 0);
        this.addedSinceRefresh = 0;
        if (this.free > before || this.free > 0) this.emit('capacity');
        if (++this.rounds % 5 === 0) await this.sweep();
      } catch (err) {
        this.log(`scene queue: cannot read the workers' capacity: ${(err as Error).message}`);
      }
    });
    return this.refreshing;
  }

  run(job: SceneJob, onMessage: (msg: WorkerMessage) => void, signal: AbortSignal, meta: { priority?: number } = {}): Promise<SceneDoneMessage> {
    if (this.closed) return Promise.reject(new Error('the scene queue has been closed'));
    if (signal.aborted) return Promise.reject(new SceneCancelledError());
    let portable: PortableSceneJob;
    try {
      portable = toPortable(job, this.options);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.addedSinceRefresh += 1;
    return new Promise<SceneDoneMessage>((resolve, reject) => {
      const entry: InFlight = {
        job,
        onMessage,
        cancelled: false,
        queued: false,
        resolve: (msg) => end() && resolve(msg),
        reject: (err) => end() && reject(err),
      };
      let grace: NodeJS.Timeout | undefined;
      const end = () => {
        if (this.inFlight.get(job.jobId) !== entry) return false;
        this.inFlight.delete(job.jobId);
        signal.removeEventListener('abort', onAbort);
        clearTimeout(grace);
        void this.subscriber.unsubscribe(this.keys.messages(job.jobId)).catch(() => undefined);
        // A job ended: another may start (here, or on another instance once its counts are read).
        void this.refresh();
        return true;
      };
      const onAbort = () => {
        entry.cancelled = true;
        void this.cancel(job.jobId);
        // A worker that does not answer (gone, or stuck in native code) must not hold the task: let go of it after the grace.
        grace = setTimeout(() => entry.reject(new SceneCancelledError()), this.options.cancelGraceMs ?? 5000);
        grace.unref();
      };
      this.inFlight.set(job.jobId, entry);
      signal.addEventListener('abort', onAbort, { once: true });
      this.subscriber
        .subscribe(this.keys.messages(job.jobId))
        .then(() =>
          this.queue.add(this.options.owner ?? 'scene', portable, {
            jobId: job.jobId,
            priority: bullPriority(meta.priority ?? 0),
            // One more try when the render process under it died (a scene's own failure is final: the consumer says so).
            attempts: 2,
            removeOnComplete: { age: 3600, count: 1000 },
            removeOnFail: { age: 24 * 3600, count: 5000 },
          }),
        )
        .then(() => {
          entry.queued = true;
        })
        .catch((err: Error) => entry.reject(new Error(`could not queue scene ${job.scene.scene_number}: ${err.message}`)));
    });
  }

  /**
   * Stops the jobs that `owner` (another instance's render queue) added for `taskId`: that task was
   * re-queued after its lease ran out, so whoever claims it next draws its scenes again, and a
   * worker still drawing the old ones would render for nobody. Jobs of the same task added by any
   * other owner (the one that claimed it since) are left alone. Resolves with how many were stopped.
   */
  async dropJobsOf(owner: string, taskId: string): Promise<number> {
    if (owner === this.options.owner) return 0;
    // The queue holds at most what the live workers can draw (see free), so listing it stays cheap.
    const jobs = await this.queue.getJobs(['waiting', 'prioritized', 'delayed', 'paused', 'active']);
    const stale = jobs.filter((j): j is Job<PortableSceneJob> => !!j?.id && j.name === owner && j.data?.taskId === taskId);
    for (const j of stale) await this.cancel(j.id!);
    return stale.length;
  }

  /** Stops a job: removed while it waits; asked to stop (a Redis message, and a mark a consumer checks before it starts) once taken. */
  private async cancel(jobId: string): Promise<void> {
    try {
      await this.connection.set(`${this.keys.cancels}:${jobId}`, '1', 'EX', 3600);
      const job = await Job.fromId(this.queue, jobId);
      const removed = job ? await job.remove().then(() => true, () => false) : false;
      if (!removed) await this.connection.publish(this.keys.cancels, jobId);
      if (removed) this.failed(jobId, 'cancelled');
    } catch (err) {
      this.log(`scene queue: cannot cancel job ${jobId}: ${(err as Error).message}`);
    }
  }

  private message(channel: string, payload: Buffer): void {
    const jobId = channel.slice(this.keys.messages('').length);
    const entry = this.inFlight.get(jobId);
    if (!entry) return;
    let msg: unknown;
    try {
      msg = JSON.parse(payload.toString());
    } catch {
      return;
    }
    // Only progress and previews travel this way, and only of this job; the outcome comes through BullMQ.
    if (!isWorkerMessage(msg) || (msg.type !== 'scene-progress' && msg.type !== 'scene-preview') || msg.job_id !== jobId) return;
    entry.onMessage(msg);
  }

  private completed(jobId: string, returnvalue: unknown): void {
    const entry = this.inFlight.get(jobId);
    if (!entry) return;
    let value = returnvalue;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        value = undefined;
      }
    }
    if (entry.cancelled) return entry.reject(new SceneCancelledError());
    const done = fromPortableDone(value, jobId, entry.job.scene.scene_number, join(this.options.dataDir, toPortable(entry.job, this.options).outDir));
    if (!done) return entry.reject(new Error(`scene ${entry.job.scene.scene_number}: the render worker's answer is malformed`));
    // The clip came over the shared volume or an upload to any instance: it must be here, whole, before it becomes a take.
    void stat(done.clip.path).then(
      (s) => (s.size === done.clip.bytes ? entry.resolve(done) : entry.reject(new Error(`scene ${done.scene_number}: the render worker's clip arrived with ${s.size} of ${done.clip.bytes} bytes`))),
      () => entry.reject(new Error(`scene ${done.scene_number}: the render worker's clip did not arrive (is DATA_DIR shared by every server instance?)`)),
    );
  }

  private failed(jobId: string, reason: string): void {
    const entry = this.inFlight.get(jobId);
    if (!entry) return;
    if (entry.cancelled || reason === 'cancelled') return entry.reject(new SceneCancelledError());
    const n = entry.job.scene.scene_number;
    if (STALLED.test(reason)) return entry.reject(new Error(`scene ${n}: its render worker died twice (it was retried once on another)`));
    const { code, message } = readFailureReason(reason);
    const text = message.startsWith(`scene ${n}`) ? message : `scene ${n}: ${message}`;
    entry.reject(code ? new TaskFailure(code, text) : new Error(text));
  }

  /**
   * Settles jobs whose end was announced while the event stream was away (a Redis blip): asks each
   * its state. A job Redis does not know at all was lost with its data (a Redis restarted without
   * persistence): no event will ever come for it, so it ends as a render worker's death does, and
   * the scene scheduler retries it once as a new job.
   */
  private async sweep(): Promise<void> {
    for (const [jobId, entry] of [...this.inFlight.entries()]) {
      // The state first, then the job: a job read before it completed would carry no answer yet.
      const state = await this.queue.getJobState(jobId);
      if (state === 'unknown' && entry.queued) {
        if (entry.cancelled) entry.reject(new SceneCancelledError());
        else entry.reject(new WorkerDiedError({ code: null, signal: null, cause: 'crashed', reason: `the scene queue lost the job of scene ${entry.job.scene.scene_number} (Redis restarted without its data)` }));
        continue;
      }
      if (state !== 'completed' && state !== 'failed') continue;
      const job = await Job.fromId<PortableSceneJob, PortableSceneDone>(this.queue, jobId);
      if (!job) continue;
      if (state === 'completed') this.completed(jobId, job.returnvalue);
      else this.failed(jobId, job.failedReason);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.refreshTimer);
    await this.refreshing;
    for (const entry of this.inFlight.values()) entry.reject(new Error('the server is shutting down'));
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    for (const c of [this.subscriber, this.connection, this.eventsConnection]) c.disconnect();
  }
}
