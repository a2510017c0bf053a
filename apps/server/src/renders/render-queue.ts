import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { RENDER_WORKER_PATH } from '@reelcraft/inference';
import type { StoryboardPlan } from '@reelcraft/shared';
import { DataSource, In, IsNull, LessThan, Not, Or } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { ModelsService } from '../models/models.service';
import { ContentScreening } from '../moderation/content-screening';
import { PlanningService } from '../planning/planning.service';
import { StoryboardExamples } from '../planning/storyboard-examples';
import { RenderEvents } from './render-events';
import { MusicTrackRepository } from '../music/music-track.repository';
import { RenderRecords } from './render-records';
import { overallProgress, renderTask, type JobProgress, type RenderStores } from './render-job';
import { hashPlanScenes } from './scene-plan';
import { Take } from './take.entity';
import { TakeRepository } from './take.repository';
import { User } from '../users/user.entity';
import { pickNext, queueOrder, type QueueState } from './fair-pick';
import { Scene } from './scene.entity';
import { ServerSetting } from './server-setting.entity';
import { TaskEvents } from './task-events';
import { Task } from './task.entity';
import { SceneScheduler } from './scene-scheduler';
import { RenderWorkerPool } from './worker-pool';
import { withTaskLook } from './task-look';
import { TaskFailure, failureCodeOf, planFailureCodeOf } from './failure-code';
import { hidePaths } from '../common/hide-paths';
import type { WorkerJob } from '@reelcraft/shared';
import { BullSceneRunner } from '../scene-queue/bull-scene-runner';
import { SceneConsumer } from '../scene-queue/scene-consumer';
import type { SceneRunner } from '../scene-queue/scene-runner';
import { sharedPlacement } from '../scene-queue/shared-placement';
import { modelSummary, processIdentity, trackPoolJobs } from '../scene-queue/worker-report';
import { WorkerDirectory } from '../workers/worker-directory';

const PAUSED = 'queue.paused';
/** How many of the latest drawn scenes the ETA's seconds per scene average over. */
const SCENES_MEASURED = 50;
/** How long queue changes are gathered into one 'queue' event. */
const QUEUE_NOTICE_MS = 250;

interface RunningJob {
  ownerId: string;
  abort: AbortController;
  progress: JobProgress;
  done: Promise<void>;
  /** Set when a lease round found the task no longer leased here (taken over after expiry, or cancelled elsewhere): its end is not ours to record. */
  lost?: boolean;
}

/**
 * The embedded mode's durable queue: the tasks table is the queue. A task is stored as `pending`
 * before the API answers; at most RENDER_ACTIVE_TASKS run at once (each owner within their own
 * limit), and the scenes of the running ones share the RENDER_CONCURRENCY render workers through
 * the scene scheduler, fairly between users. Several server processes may share one database: a
 * claimed task carries a lease (this process's instance id and an expiry) that its process renews
 * while it runs; any process puts a `running` task whose lease ran out back to `pending` (its
 * process died or hung), and never one whose lease is live, so a restart of one process does not
 * take the tasks of another.
 */
@Injectable()
export class RenderQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RenderQueue');
  private readonly running = new Map<string, RunningJob>();
  private pumping = false;
  private pumpAgain = false;
  private closing = false;
  /** Set while a 'queue' event is due: changes within QUEUE_NOTICE_MS share one. */
  private queueNotice: NodeJS.Timeout | undefined;
  /** When each owner's last task started, for taking turns (this process's memory: a restart starts the turns afresh). */
  private readonly lastStart = new Map<string, number>();
  /** This server's own render workers, kept between scenes. */
  readonly pool: RenderWorkerPool;
  /** Who gets the next free worker. */
  readonly scenes: SceneScheduler;
  /** Scaled mode (REDIS_URL): the BullMQ scene queue the scheduler hands scenes to, for the render workers of every host. */
  readonly remote: BullSceneRunner | undefined;
  /** Scaled mode: this server's own workers taking scenes from that queue (none with RENDER_CONCURRENCY=0). */
  readonly consumer: SceneConsumer | undefined;
  private readonly currentJob: () => WorkerJob | null;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** This process among all that share the database, written into the leases of the tasks it runs; random per start, so a restarted process owns nothing of its former self. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  /** How many lease rounds (renew, then re-queue the expired) have finished; a round's effects are visible once this moved. */
  leaseRounds = 0;
  private leaseTimer: NodeJS.Timeout | undefined;
  private leaseRound: Promise<void> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: RenderEvents,
    private readonly taskEvents: TaskEvents,
    private readonly models: ModelsService,
    private readonly planner: PlanningService,
    private readonly examples: StoryboardExamples,
    private readonly screening: ContentScreening,
    private readonly records: RenderRecords,
    private readonly takes: TakeRepository,
    private readonly music: MusicTrackRepository,
    private readonly workers: WorkerDirectory,
  ) {
    this.pool = new RenderWorkerPool({
      entryPath: RENDER_WORKER_PATH,
      size: () => this.config.render.concurrency,
      memoryLimitMb: () => this.config.render.memoryLimitMb,
    });
    this.pool.on('worker-exit', ({ pid, exit }) => {
      if (exit.cause !== 'stopped') this.logger.warn(`render worker ${pid} ended: ${exit.reason}`);
    });
    this.currentJob = trackPoolJobs(this.pool);
    let runner: SceneRunner = this.pool;
    const { redis } = config;
    if (redis) {
      const log = (message: string) => this.logger.warn(message);
      this.remote = new BullSceneRunner({ redis, dataDir: config.dataDir, modelsDir: config.modelsDir, liveSlots: () => this.liveSlots(), owner: this.instanceId, log });
      runner = this.remote;
      if (config.render.concurrency > 0) {
        this.consumer = new SceneConsumer({
          redis,
          pool: this.pool,
          slots: config.render.concurrency,
          placement: sharedPlacement(config.dataDir),
          modelsDir: config.modelsDir,
          device: config.render.device,
          threads: config.render.threads,
          lockMs: config.render.sceneJobLockMs,
          log,
        });
      }
    }
    this.scenes = new SceneScheduler(runner);
  }

  /** Scene jobs the live render workers of the deployment draw at once: every heartbeat's slots. */
  private async liveSlots(): Promise<number> {
    return (await this.workers.list()).filter((w) => w.alive).reduce((n, w) => n + w.slots, 0);
  }

  /** Scenes drawn side by side: this server's workers, or in the scaled mode those of every live worker. */
  lanes(): number {
    return this.remote ? Math.max(1, this.remote.slots) : this.config.render.concurrency;
  }

  /**
   * Lists this server's own render workers among the deployment's workers (the admin console), as
   * a worker process's heartbeat would; in the scaled mode that is also what lets scenes be handed to them.
   */
  private async heartbeat(): Promise<void> {
    if (this.config.render.concurrency === 0) return;
    const device = this.config.render.device;
    await this.workers.record({
      ...processIdentity(this.instanceId),
      device,
      slots: this.config.render.concurrency,
      ...(await modelSummary(await this.models.view(), this.config.modelsDir, device)),
      job: this.currentJob(),
      token_name: 'local',
    });
  }

  /** What a render reads and writes through (render-job.ts holds no database handle). */
  private get stores(): RenderStores {
    return {
      records: this.records,
      takes: this.takes,
      music: this.music,
      hashScenes: (projectId, plan, look, renderer) => hashPlanScenes(this.db, projectId, plan, look, renderer),
    };
  }

  /** The first diffusion export in MODELS_DIR that passed every check; none: scenes are drawn as animatics. */
  async diffusionDir(): Promise<string | undefined> {
    return (await this.models.view()).diffusion.find((entry) => entry.ok)?.path;
  }

  private get tasks() {
    return this.db.getRepository(Task);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.heartbeat().catch((err: Error) => this.logger.warn(`could not list this server's render workers: ${err.message}`));
    this.heartbeatTimer = setInterval(() => void this.heartbeat().catch(() => undefined), this.config.workers.heartbeatMs);
    this.heartbeatTimer.unref();
    await this.remote?.refresh();
    await this.requeueDeadOnThisHost();
    await this.requeueExpired();
    this.leaseTimer = setInterval(() => this.runLeaseRound(), this.config.render.taskLeaseRenewMs);
    this.leaseTimer.unref();
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.queueNotice);
    await this.stopLeaseRounds();
    clearInterval(this.heartbeatTimer);
    for (const job of this.running.values()) job.abort.abort();
    await Promise.allSettled([...this.running.values()].map((j) => j.done));
    await this.consumer?.close();
    await this.remote?.close();
    await this.pool.close();
    // Hand this process's tasks back at once instead of letting their leases run out: another process (or the next start) takes them.
    try {
      const released = await this.tasks.update(
        { status: 'running', lease_owner: this.instanceId },
        { status: 'pending', started_at: null, lease_owner: null, lease_until: null },
      );
      if (released.affected) this.logger.warn(`handed back ${released.affected} running task(s) at shutdown`);
    } catch (err) {
      // The database may already be closing; the leases then run out and another process re-queues the tasks.
      this.logger.warn(`could not hand back the running tasks at shutdown: ${(err as Error).message}`);
    }
  }

  /**
   * Stops renewing this process's leases and re-queueing expired ones, after the round in flight.
   * Shutdown calls it; past it, this process's running tasks are taken over by another once their leases run out.
   */
  async stopLeaseRounds(): Promise<void> {
    clearInterval(this.leaseTimer);
    this.leaseTimer = undefined;
    await this.leaseRound;
  }

  private runLeaseRound(): void {
    // One round at a time: a slow database must not pile rounds up.
    this.leaseRound = this.leaseRound
      .then(() => this.renewLeases())
      .then(() => this.requeueExpired())
      .then(() => {
        this.leaseRounds += 1;
      })
      .catch((err: Error) => this.logger.error(`task lease round failed: ${err.message}`));
  }

  /** Pushes the leases of the tasks this process runs to now + TASK_LEASE_MS; a task no longer leased here has its local job stopped. */
  private async renewLeases(): Promise<void> {
    const mine = [...this.running.keys()];
    if (!mine.length) return;
    const owned = { id: In(mine), status: 'running' as const, lease_owner: this.instanceId };
    await this.tasks.update(owned, { lease_until: new Date(Date.now() + this.config.render.taskLeaseMs) });
    const kept = new Set((await this.tasks.find({ select: { id: true }, where: owned })).map((t) => t.id));
    for (const id of mine) {
      const job = this.running.get(id);
      if (kept.has(id) || !job || job.lost) continue;
      // Its row moved on without us (cancelled, finished, or re-queued and claimed after our lease ran out): stop drawing for nobody.
      job.lost = true;
      job.abort.abort();
      this.logger.warn(`task ${id} is no longer leased to this process; stopped its local job`);
    }
  }

  /**
   * Puts back to `pending` the running tasks of a process on this host that is gone (its pid no
   * longer exists): a restart after a crash picks its tasks up at once instead of waiting out
   * their leases. Instance ids start with the host name, so this needs every instance to have a
   * host name of its own (containers do); a pid reused since only means waiting for the lease.
   */
  private async requeueDeadOnThisHost(): Promise<void> {
    const host = `${hostname()}:`;
    const leased = await this.tasks.find({ select: { id: true, lease_owner: true }, where: { status: 'running', lease_owner: Not(this.instanceId) } });
    const dead = leased.filter((t) => t.lease_owner?.startsWith(host) && !processAlive(Number(t.lease_owner.slice(host.length).split(':')[0])));
    const requeued = await this.requeueFrom(dead);
    if (requeued) this.logger.warn(`re-queued ${requeued} task(s) of a server process on this host that is gone`);
  }

  /** Puts back to `pending` every `running` task whose lease ran out (or that has none: rows from before leases), never one leased here or live elsewhere. */
  private async requeueExpired(): Promise<void> {
    const now = new Date();
    const expired = await this.tasks
      .createQueryBuilder('t')
      .select(['t.id', 't.lease_owner'])
      .where('t.status = :running', { running: 'running' })
      .andWhere('(t.lease_until IS NULL OR t.lease_until < :now)', { now })
      .andWhere('(t.lease_owner IS NULL OR t.lease_owner <> :me)', { me: this.instanceId })
      .getMany();
    const requeued = await this.requeueFrom(expired, now);
    if (requeued) {
      this.logger.warn(`re-queued ${requeued} task(s) whose process stopped renewing their lease`);
      this.kick();
    }
  }

  /**
   * Puts each task back to `pending` if it is still running under the lease it was read with (and,
   * given `expiredBefore`, that lease still ran out before then: a renewal or another process's
   * re-queue in between wins), and in the scaled mode stops the scene jobs its former owner left in
   * the shared queue. Resolves with how many were put back.
   */
  private async requeueFrom(tasks: Pick<Task, 'id' | 'lease_owner'>[], expiredBefore?: Date): Promise<number> {
    let requeued = 0;
    for (const t of tasks) {
      const moved = await this.tasks.update(
        { id: t.id, status: 'running', lease_owner: t.lease_owner ?? IsNull(), ...(expiredBefore ? { lease_until: Or(IsNull(), LessThan(expiredBefore)) } : {}) },
        { status: 'pending', started_at: null, lease_owner: null, lease_until: null },
      );
      if (!moved.affected) continue;
      requeued += 1;
      if (this.remote && t.lease_owner) {
        this.remote.dropJobsOf(t.lease_owner, t.id).then(
          (n) => n && this.logger.warn(`stopped ${n} scene job(s) of task ${t.id} that its former process had queued`),
          (err: Error) => this.logger.warn(`could not stop the queued scene jobs of task ${t.id}: ${err.message}`),
        );
      }
    }
    return requeued;
  }

  /** A failure's text as the task's members see it: the server's folders named, not shown (the log keeps the whole text). */
  private forMembers(message: string): string {
    return hidePaths(message, { DATA_DIR: this.config.dataDir, MODELS_DIR: this.config.modelsDir });
  }

  /** Looks for pending work; cheap to call often. Every change to the queue calls it, so it also tells watchers the queue moved. */
  kick(): void {
    this.announce();
    void this.pump().catch((err: Error) => this.logger.error(`queue pump failed: ${err.stack ?? err.message}`));
  }

  /**
   * Tells watchers (every signed-in page: their places and ETAs) that the queue moved, once for
   * all changes within QUEUE_NOTICE_MS: a batch of 50 tasks is one event, not 50 refetches.
   */
  private announce(): void {
    if (this.queueNotice || this.closing) return;
    this.queueNotice = setTimeout(() => {
      this.queueNotice = undefined;
      this.paused().then(
        (paused) => this.events.emit('queue', { paused }),
        (err: Error) => this.logger.error(`could not announce a queue change: ${err.message}`),
      );
    }, QUEUE_NOTICE_MS);
    this.queueNotice.unref();
  }

  /** How far the running job of a task is, scene by scene; null when it is not running here. */
  jobProgress(taskId: string): Readonly<JobProgress> | null {
    return this.running.get(taskId)?.progress ?? null;
  }

  progressOf(taskId: string): number | null {
    const job = this.running.get(taskId);
    return job ? overallProgress(job.progress) : null;
  }

  /** Stops a running task's worker and waits until its job has let go of its files. */
  async stop(taskId: string): Promise<void> {
    const job = this.running.get(taskId);
    if (!job) return;
    job.abort.abort();
    await job.done;
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (!this.closing && this.running.size < this.config.render.activeTasks && !(await this.paused())) {
          const next = await this.nextTask();
          if (!next) break;
          // Claim with a conditional update so a cancel that lands in between wins.
          const claimed = await this.tasks.update(
            { id: next.id, status: 'pending' },
            { status: 'running', started_at: new Date(), attempts: next.attempts + 1, error: null, failure_code: null, lease_owner: this.instanceId, lease_until: new Date(Date.now() + this.config.render.taskLeaseMs) },
          );
          if (claimed.affected) this.start(next);
        }
      } while (this.pumpAgain && !this.closing);
    } finally {
      this.pumping = false;
    }
  }

  /** Whether an admin paused the queue: running tasks finish, no new one starts. */
  async paused(): Promise<boolean> {
    return (await this.db.getRepository(ServerSetting).findOne({ where: { key: PAUSED } }))?.value === 'true';
  }

  async setPaused(paused: boolean): Promise<void> {
    await this.db.getRepository(ServerSetting).upsert({ key: PAUSED, value: String(paused) }, ['key']);
    if (paused) this.announce();
    else this.kick();
  }

  /** The pending tasks in the order they will start (fair-pick.ts), for positions and the admin's queue. */
  async order(): Promise<Task[]> {
    const pending = await this.pending();
    return queueOrder(pending, await this.queueState()) as Task[];
  }

  /**
   * Seconds a render worker takes for one scene here: from the scene's start on a worker to its
   * take, over the last scenes drawn (queue waits and reused scenes left out, so several workers
   * drawing at once do not inflate it). Before any scene has both times (renders from before
   * scenes had a start), whole completed tasks over the scenes they drew. Null until one finished.
   */
  async secondsPerScene(): Promise<number | null> {
    const drawn: { started_at: Date | string; finished_at: Date | string }[] = await this.db
      .getRepository(Scene)
      .createQueryBuilder('s')
      .innerJoin(Take, 'k', 'k.id = s.take_id AND k.task_id = s.task_id')
      .select('s.started_at', 'started_at')
      .addSelect('k.created_at', 'finished_at')
      .where('s.cached = :no AND s.started_at IS NOT NULL', { no: false })
      .orderBy('k.created_at', 'DESC')
      .limit(SCENES_MEASURED)
      .getRawMany();
    const seconds = drawn.map((r) => (new Date(r.finished_at).getTime() - new Date(r.started_at).getTime()) / 1000).filter((x) => x > 0);
    if (seconds.length) return seconds.reduce((a, b) => a + b, 0) / seconds.length;
    return this.secondsPerSceneOfTasks();
  }

  private async secondsPerSceneOfTasks(): Promise<number | null> {
    const rows: { started_at: Date | string | null; finished_at: Date | string | null; scenes: number | string }[] = await this.tasks
      .createQueryBuilder('t')
      .select('t.started_at', 'started_at')
      .addSelect('t.finished_at', 'finished_at')
      .addSelect((q) => q.select('COUNT(*)').from(Scene, 's').where('s.task_id = t.id AND s.cached = :no', { no: false }), 'scenes')
      .where({ status: 'completed' })
      .orderBy('t.finished_at', 'DESC')
      .limit(20)
      .getRawMany();
    let seconds = 0;
    let scenes = 0;
    for (const r of rows) {
      if (!r.started_at || !r.finished_at || !Number(r.scenes)) continue;
      seconds += (new Date(r.finished_at).getTime() - new Date(r.started_at).getTime()) / 1000;
      scenes += Number(r.scenes);
    }
    return scenes ? seconds / scenes : null;
  }

  private async pending(): Promise<Task[]> {
    return this.tasks.find({
      where: { status: 'pending', id: this.running.size ? Not(In([...this.running.keys()])) : undefined },
      order: { priority: 'DESC', created_at: 'ASC', id: 'ASC' },
      take: 500,
    });
  }

  private async queueState(): Promise<QueueState> {
    const runningByOwner = new Map<string, number>();
    for (const job of this.running.values()) runningByOwner.set(job.ownerId, (runningByOwner.get(job.ownerId) ?? 0) + 1);
    const owners = await this.db.getRepository(User).find({ select: { id: true, max_running_tasks: true }, where: { max_running_tasks: Not(IsNull()) } });
    const limits = new Map(owners.map((u) => [u.id, u.max_running_tasks!]));
    return { runningByOwner, lastStartByOwner: this.lastStart, maxRunningOf: (id) => limits.get(id) ?? this.config.render.userConcurrency };
  }

  private async nextTask(): Promise<Task | null> {
    return pickNext(await this.pending(), await this.queueState()) as Task | null;
  }

  /**
   * The storyboard to render: the task's own (an edited project's, or one planned by an earlier
   * attempt), else planned now from the prompt by the planning service (the LLM in its planner
   * process, or the rule-based planner), its scenes streamed to listeners as they arrive. The plan
   * and which planner wrote it are stored with the task before the render worker gets the plan.
   */
  private async planTask(task: Task, signal: AbortSignal): Promise<Task> {
    if (task.plan) return task;
    await this.taskEvents.emit('planning', { task_id: task.id });
    try {
      const planned = await this.planner.planWithReport(task.prompt, {
        signal,
        ...(await this.examples.forPrompt(task.owner_id, task.prompt)),
        onScene: (scene, total) => void this.taskEvents.emit('plan-scene', { task_id: task.id, scene, total }),
      });
      const plan = withTaskLook(await this.screenPlan(task, planned.plan), task.look, this.config.render.fps);
      const report = planned.report;
      await this.tasks.update({ id: task.id }, { plan, planner: report });
      await this.taskEvents.emit('planned', { task_id: task.id, plan, report });
      return { ...task, plan, planner: report };
    } catch (err) {
      const code = signal.aborted ? 'cancelled' : planFailureCodeOf(err);
      const message = signal.aborted ? 'cancelled' : this.forMembers(err instanceof Error ? err.message : String(err));
      await this.taskEvents.emit('plan-failed', { task_id: task.id, error: message, code });
      // The task fails for the plan's reason, not for whatever the planner's error text resembles.
      throw code === 'cancelled' ? err : new TaskFailure(code, message);
    }
  }

  /**
   * The planner's storyboard through the filter twice: as the LLM's output (masked, or the plan
   * stops) and as what the video will show and say (masked, or the render is refused), each
   * blocked span named in the task's error.
   */
  private async screenPlan(task: Task, plan: StoryboardPlan): Promise<StoryboardPlan> {
    const ctx = { actor: null, where: `render queue, task ${task.id}`, target: task.id };
    let screened = await this.screening.screenPlan(plan, 'planner_output', ctx);
    if (!screened.blocked.length) screened = await this.screening.screenPlan(screened.plan, 'render', ctx);
    const [first] = screened.blocked;
    if (first) throw new TaskFailure('content_blocked', `the content filter stopped this storyboard: ${screened.blocked.map((b) => `scene ${b.scene_number || '–'} ${b.field} holds “${b.text}” (category ${b.category})`).join('; ')}`);
    return screened.plan as StoryboardPlan;
  }

  private start(task: Task): void {
    const abort = new AbortController();
    const progress: JobProgress = { scenesPlanned: 0, scenesDone: 0, rendering: new Map(), assembling: false };
    const started = Date.now();
    const report = this.events.reporter(task, () => overallProgress(progress));
    report.status('running', 0);
    const done = this.planTask(task, abort.signal)
      .then(async (planned) =>
        renderTask(this.stores, this.config, planned, await this.diffusionDir(), progress, abort.signal, this.scenes, {
          onSceneStart: (sceneNumber) => report.sceneStarted(sceneNumber),
          onMessage: (msg) => report.onMessage(msg),
        }),
      )
      .then(async (video) => {
        const completed = await this.tasks.update(
          { id: task.id, status: 'running', lease_owner: this.instanceId },
          { status: 'completed', finished_at: new Date(), lease_owner: null, lease_until: null },
        );
        if (completed.affected) report.finished(`/api/tasks/${task.id}/video`, video.duration);
        this.logger.log(`task ${task.id} completed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      })
      .catch(async (err: Error) => {
        if (this.closing) return;
        if (this.running.get(task.id)?.lost) {
          // Cancelled through another process (which could not stop this job): tell the watchers, as a cancel here would.
          const now = await this.tasks.findOne({ select: { id: true, status: true }, where: { id: task.id } });
          if (now?.status === 'cancelled') report.failed('cancelled', 'cancelled', true);
          return;
        }
        // A cancel has already moved the task on; the update below then matches nothing.
        const message = abort.signal.aborted ? 'cancelled' : this.forMembers(err.message);
        const code = abort.signal.aborted ? 'cancelled' : failureCodeOf(err);
        const failed = await this.tasks.update(
          { id: task.id, status: 'running', lease_owner: this.instanceId },
          { status: 'failed', error: message.slice(0, 2000), failure_code: code, finished_at: new Date(), lease_owner: null, lease_until: null },
        );
        if (failed.affected) this.logger.warn(`task ${task.id} failed (${code}): ${err.message}`);
        if (failed.affected || abort.signal.aborted) report.failed(message, code, abort.signal.aborted);
      })
      .catch((err: Error) => this.logger.error(`could not record the end of task ${task.id}: ${err.message}`))
      .finally(() => {
        this.running.delete(task.id);
        this.kick();
      });
    this.lastStart.set(task.owner_id, Date.now());
    this.running.set(task.id, { abort, progress, done, ownerId: task.owner_id });
    // Everyone behind it moved up a place.
    this.announce();
  }
}

/** Whether a process with this pid exists here (signal 0 checks without sending anything). */
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
