import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RENDER_WORKER_PATH, RuleBasedPlanner, TaskFailure, type SceneJob } from '@reelcraft/inference';
import { Job } from 'bullmq';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SceneCancelledError, RenderWorkerPool } from '../renders/worker-pool';
import { deleteRedisKeys } from '../testing/redis-keys';
import { BullSceneRunner } from './bull-scene-runner';
import { SceneConsumer } from './scene-consumer';
import { sharedPlacement } from './shared-placement';

const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * The scene queue on the local Redis with a consumer over real render worker processes (animatic
 * scenes): what the scheduler relies on, job by job: answers, capacity, cancels in each state,
 * and failures that are final.
 */
describe('BullSceneRunner and SceneConsumer', () => {
  const prefix = `reelcraft-test:scenes:${process.pid}:${Date.now().toString(36)}:`;
  const redis = { url: REDIS_URL, prefix };
  const dataDir = mkdtempSync(join(tmpdir(), 'scene-queue-'));
  const modelsDir = join(dataDir, 'models');
  let slots = 0;
  let runner: BullSceneRunner;
  let consumer: SceneConsumer | undefined;
  let pool: RenderWorkerPool;
  let scenes: SceneJob['scene'][];
  let n = 0;

  const job = (scene = scenes[0]!, extra: Partial<SceneJob> = {}): SceneJob => {
    const jobId = `job-${++n}-${Date.now().toString(36)}`;
    return { jobId, taskId: 'task-1', scene, title: 'Queue', caption: false, width: 64, height: 36, fps: 4, outDir: join(dataDir, 'tasks', 'task-1', 'jobs', jobId), ...extra };
  };
  const startConsumer = async () => {
    consumer = new SceneConsumer({ redis, pool, slots: 1, placement: sharedPlacement(dataDir), modelsDir, lockMs: 2000 });
    await consumer.ready();
  };

  beforeAll(async () => {
    scenes = (await new RuleBasedPlanner().plan('海边的日落，海浪，飞鸟，渔船归港')).scenes.map((s) => ({ ...s, duration_sec: 1 }));
    pool = new RenderWorkerPool({ entryPath: RENDER_WORKER_PATH, size: () => 1, memoryLimitMb: () => 0 });
    runner = new BullSceneRunner({ redis, dataDir, modelsDir, liveSlots: async () => slots, refreshMs: 100, cancelGraceMs: 3000, owner: 'instance-a' });
    await runner.ready();
  });

  afterAll(async () => {
    await consumer?.close();
    await runner.close();
    await pool.close();
    const r = new Redis(REDIS_URL);
    await deleteRedisKeys(r, prefix);
    await r.quit();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('offers as many jobs as the live workers have slots, less those queued', async () => {
    slots = 0;
    await runner.refresh();
    expect(runner.free).toBe(0);
    slots = 2;
    await runner.refresh();
    expect(runner.free).toBe(2);
  });

  it('removes a job that waits when it is cancelled, and rejects it as cancelled', async () => {
    const abort = new AbortController();
    const j = job();
    const running = runner.run(j, () => undefined, abort.signal);
    await until(async () => Object.values(await runner.queue.getJobCounts('waiting', 'prioritized')).some((count) => count > 0));
    // Counted against the capacity while it waits.
    await runner.refresh();
    expect(runner.free).toBe(1);
    abort.abort();
    await expect(running).rejects.toBeInstanceOf(SceneCancelledError);
    expect(await Job.fromId(runner.queue, j.jobId)).toBeUndefined();
  });

  it('hands a drawn scene back with its files under DATA_DIR, progress on the way', async () => {
    await startConsumer();
    const progress: number[] = [];
    const j = job();
    const done = await runner.run(j, (m) => m.type === 'scene-progress' && progress.push(m.frame), new AbortController().signal, { priority: 5 });
    expect(done.clip.path.startsWith(j.outDir)).toBe(true);
    expect(statSync(done.clip.path).size).toBe(done.clip.bytes);
    expect(done.last_frame && statSync(done.last_frame).size).toBe(64 * 36 * 3);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('stops a job a worker is drawing when it is cancelled', async () => {
    const abort = new AbortController();
    const started = new Promise<string>((res) => consumer!.once('job-start', (e) => res(e.job_id)));
    const ended = new Promise<string>((res) => consumer!.once('job-end', (e) => res(e.outcome)));
    const running = runner.run(job(scenes[0], { width: 320, height: 180, fps: 24, scene: { ...scenes[0]!, duration_sec: 20 } }), () => undefined, abort.signal);
    await started;
    abort.abort();
    await expect(running).rejects.toBeInstanceOf(SceneCancelledError);
    expect(await ended).toBe('cancelled');
  });

  it('stops the jobs a dead instance left for a task it lost, and only those', async () => {
    // Instance B queued a long scene of task-2, then "died": its lease ran out and A re-queued the task.
    const dead = new BullSceneRunner({ redis, dataDir, modelsDir, liveSlots: async () => slots, refreshMs: 100, cancelGraceMs: 60_000, owner: 'instance-b' });
    try {
      await dead.ready();
      const started = new Promise<string>((res) => consumer!.once('job-start', (e) => res(e.job_id)));
      const ended = new Promise<{ id: string; outcome: string }>((res) => consumer!.once('job-end', (e) => res({ id: e.job_id, outcome: e.outcome })));
      const long = job(scenes[0], { taskId: 'task-2', width: 320, height: 180, fps: 24, scene: { ...scenes[0]!, duration_sec: 20 } });
      const orphan = dead.run(long, () => undefined, new AbortController().signal);
      orphan.catch(() => undefined);
      expect(await started).toBe(long.jobId);
      // A claimed task-2 again and queued its scene anew: that job waits behind the orphan (one slot).
      const again = runner.run(job(scenes[0], { taskId: 'task-2' }), () => undefined, new AbortController().signal);
      expect(await runner.dropJobsOf('instance-b', 'task-1')).toBe(0);
      expect(await runner.dropJobsOf('instance-a', 'task-2')).toBe(0);
      expect(await runner.dropJobsOf('instance-b', 'task-2')).toBe(1);
      expect(await ended).toEqual({ id: long.jobId, outcome: 'cancelled' });
      // The slot is free for A's own job of the task, which completes.
      expect((await again).clip.bytes).toBeGreaterThan(0);
    } finally {
      await dead.close();
    }
  });

  it("fails a scene at once for its own reasons (no retry): a chained scene whose start frame is not there", async () => {
    const j = job(scenes[1], { chainFrom: join(dataDir, 'nowhere.rgb') });
    await expect(runner.run(j, () => undefined, new AbortController().signal)).rejects.toThrow(/scene \d+.*last frame cannot be read/);
    expect((await Job.fromId(runner.queue, j.jobId))?.attemptsMade).toBe(1);
  });

  it("carries the code the render worker named across BullMQ: a diffusion model this host lacks is model_missing", async () => {
    const j = job(scenes[0], { diffusionDir: join(modelsDir, 'diffusion', 'not-on-this-host') });
    const failure = await runner.run(j, () => undefined, new AbortController().signal).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure).toMatchObject({ failureCode: 'model_missing', message: expect.stringMatching(/^scene \d+.*"not-on-this-host" is not a usable diffusion export/) });
    // The reason BullMQ stored holds the code as its prefix; the message the users read does not.
    expect((await Job.fromId(runner.queue, j.jobId))?.failedReason).toMatch(/^\[model_missing\] /);
  });

  it('refuses a job naming a folder outside DATA_DIR before it reaches Redis', async () => {
    await expect(runner.run(job(scenes[0], { outDir: '/etc/reelcraft' }), () => undefined, new AbortController().signal)).rejects.toThrow(/not under/);
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
