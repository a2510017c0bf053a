import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { probeVideo, type SceneJob } from '@reelcraft/inference';
import { newScene, type Storyboard } from '@reelcraft/shared';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { RenderQueue } from '../src/renders/render-queue';
import { Scene } from '../src/renders/scene.entity';
import { Take } from '../src/renders/take.entity';
import { ADMIN_PASSWORD, apiClient, login, startTestApp, testDatabases, waitForTask, type TestApp } from '../src/testing/test-app';

const W = 160;
const H = 90;

function storyboard(name: string, scenes: { duration: number; chained?: boolean; description?: string }[], size = { width: W, height: H, fps: 8 }): Storyboard {
  return {
    title: name,
    language: 'en',
    style: { style_prompt: '', negative_prompt: '', seed: 1, aspect: '16:9', ...size },
    characters: [],
    music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
    scenes: scenes.map((s, i) => ({ ...newScene({ description: s.description ?? `${name} scene ${i + 1}` }), duration_sec: s.duration, ...(s.chained ? { chained: true } : {}) })),
  };
}

/** Each render scene is a job of its own on a pool of render workers that stay up, shared fairly between users. */
describe.each(testDatabases())('scene jobs on %s', (kind) => {
  let t: TestApp;
  let queue: RenderQueue;
  let db: DataSource;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const as = (name: string) => apiClient(t.baseUrl, tokens[name]);

  /** A project of `owner` with this storyboard, rendered: the task id. */
  async function render(owner: string, board: Storyboard, project?: string): Promise<{ task: string; project: string }> {
    const id = project ?? ((await as(owner)('POST', '/api/projects', { name: board.title })).json.id as string);
    await t.app.get(StoryboardStore).initialise(id, board);
    const res = await as(owner)('POST', `/api/projects/${id}/render`);
    expect(res.status).toBe(201);
    return { task: res.json.task_id as string, project: id };
  }

  /** Every take row's clip exists, is whole (its recorded size) and probes as video. */
  async function expectTakesWhole(): Promise<number> {
    const takes = await db.getRepository(Take).find();
    for (const take of takes) {
      const path = join(t.config.dataDir, take.clip_path);
      expect(existsSync(path)).toBe(true);
      expect(statSync(path).size).toBe(take.bytes);
      expect((await probeVideo(path)).codec).toBe('h264');
    }
    return takes.length;
  }

  beforeAll(async () => {
    // One worker makes the order of scene starts the scheduler's choice alone.
    t = await startTestApp(kind, { RENDER_WIDTH: String(W), RENDER_HEIGHT: String(H), RENDER_FPS: '8', RENDER_CONCURRENCY: '1', RENDER_USER_CONCURRENCY: '4', RENDER_ACTIVE_TASKS: '6' });
    queue = t.app.get(RenderQueue);
    db = t.app.get(DataSource);
    tokens.admin = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    for (const name of ['alice', 'bob']) {
      ids[name] = (await as('admin')('POST', '/api/users', { username: name, password: `${name}-password` })).json.id as string;
      tokens[name] = await login(t.baseUrl, name, `${name}-password`);
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it("starts bob's single scene before the next-but-one of alice's 20 queued scenes", async () => {
    const starts: { taskId: string; ownerId: string }[] = [];
    let bobQueuedAt = -1;
    let waitingThen = 0;
    let bobTask = '';
    const bobQueued = new Promise<void>((resolve) =>
      queue.scenes.on('queued', (e) => {
        if (e.taskId !== bobTask) return;
        bobQueuedAt = starts.length;
        waitingThen = e.waiting;
        resolve();
      }),
    );
    queue.scenes.on('started', (e) => starts.push(e));
    // Alice's two renders of ten scenes each: twenty scene jobs queued once both are running.
    const aliceQueued = new Promise<void>((resolve) => {
      let n = 0;
      const onQueued = (e: { ownerId: string }) => {
        if (e.ownerId === ids.alice && ++n === 20) {
          queue.scenes.off('queued', onQueued);
          resolve();
        }
      };
      queue.scenes.on('queued', onQueued);
    });
    const alice = [await render('alice', storyboard('Harbour', Array.from({ length: 10 }, () => ({ duration: 1 })))), await render('alice', storyboard('Market', Array.from({ length: 10 }, () => ({ duration: 1 }))))];
    await aliceQueued;
    const bob = await render('bob', storyboard('Lighthouse', [{ duration: 1 }]));
    bobTask = bob.task;
    await bobQueued;
    expect((await waitForTask(t.baseUrl, tokens.bob, bob.task)).status).toBe('completed');
    // Alice had most of her twenty scenes still waiting when bob's one joined them.
    expect(waitingThen).toBeGreaterThan(10);
    const bobStart = starts.findIndex((s) => s.taskId === bob.task);
    // Bob's scene started at the next free worker: no scene of alice's started in between but the one that may have been handed out as it was queued.
    expect(bobStart - bobQueuedAt).toBeLessThanOrEqual(1);
    // ETAs count a scene's time on a worker, not the time it waited for one: shorter than bob's
    // whole render, which waited for a worker and was assembled besides.
    const bobView = (await as('bob')('GET', `/api/tasks/${bob.task}`)).json as { started_at: string; finished_at: string };
    const perScene = await queue.secondsPerScene();
    expect(perScene).toBeGreaterThan(0);
    expect(perScene!).toBeLessThan((Date.parse(bobView.finished_at) - Date.parse(bobView.started_at)) / 1000);
    for (const a of alice) await as('alice')('POST', `/api/tasks/${a.task}/cancel`);
    // Every scene of a cancelled task ends cancelled (or done, if it finished first), none stays pending or rendering.
    const rows = await db.getRepository(Scene).find({ where: alice.map((a) => ({ task_id: a.task })) });
    expect(rows.filter((r) => r.status === 'pending' || r.status === 'rendering')).toEqual([]);
    expect(rows.some((r) => r.status === 'cancelled')).toBe(true);
  }, 240_000);

  it('stops a running scene within a second of a cancel; its worker is idle or gone', async () => {
    const started = new Promise<{ jobId: string; pid: number }>((resolve) => queue.pool.once('job-start', resolve));
    const { task } = await render('alice', storyboard('Long', [{ duration: 20 }], { width: 320, height: 180, fps: 24 }));
    const job = await started;
    const ended = new Promise<{ outcome: string }>((resolve) => queue.pool.on('job-end', (e) => e.jobId === job.jobId && resolve(e)));
    const at = performance.now();
    expect((await as('alice')('POST', `/api/tasks/${task}/cancel`)).json.status).toBe('cancelled');
    expect((await ended).outcome).toBe('cancelled');
    expect(performance.now() - at).toBeLessThan(1000);
    expect(queue.pool.pidOf(job.jobId)).toBeUndefined();
    expect(queue.pool.free).toBe(1);
    expect((await db.getRepository(Scene).findOneByOrFail({ task_id: task })).status).toBe('cancelled');
  }, 60_000);

  it('kills a worker that does not stop a cancelled scene (here: frozen by SIGSTOP) after a short grace, within a second; the next scene gets a fresh worker', async () => {
    const started = new Promise<{ jobId: string; pid: number }>((resolve) => queue.pool.once('job-start', resolve));
    const { task } = await render('alice', storyboard('Frozen', [{ duration: 20 }], { width: 320, height: 180, fps: 24 }));
    const job = await started;
    const ended = new Promise<{ outcome: string }>((resolve) => queue.pool.on('job-end', (e) => e.jobId === job.jobId && resolve(e)));
    const gone = new Promise<{ cause: string }>((resolve) => queue.pool.on('worker-exit', (e) => e.pid === job.pid && resolve(e.exit)));
    process.kill(job.pid, 'SIGSTOP');
    const at = performance.now();
    expect((await as('alice')('POST', `/api/tasks/${task}/cancel`)).json.status).toBe('cancelled');
    expect((await ended).outcome).toBe('cancelled');
    expect(performance.now() - at).toBeLessThan(1000);
    expect((await gone).cause).toBe('stopped');
    expect(queue.pool.pids).not.toContain(job.pid);
    const next = await render('alice', storyboard('After the freeze', [{ duration: 1 }]));
    expect((await waitForTask(t.baseUrl, tokens.alice, next.task)).status).toBe('completed');
  }, 60_000);

  it('retries a scene whose worker was SIGKILLed on a fresh worker, once; the task completes and every take is whole', async () => {
    const kills: number[] = [];
    const killFirst = (e: { taskId: string; pid: number }) => {
      if (kills.length) return;
      kills.push(e.pid);
      process.kill(e.pid, 'SIGKILL');
    };
    queue.pool.on('job-start', killFirst);
    const starts: { sceneNumber: number; attempt: number }[] = [];
    const onStart = (e: { sceneNumber: number; attempt: number }) => starts.push(e);
    queue.scenes.on('started', onStart);
    const { task } = await render('bob', storyboard('Crash', [{ duration: 2 }, { duration: 1 }, { duration: 1 }]));
    const done = await waitForTask(t.baseUrl, tokens.bob, task);
    queue.pool.off('job-start', killFirst);
    queue.scenes.off('started', onStart);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(starts.filter((s) => s.sceneNumber === 1).map((s) => s.attempt)).toEqual([1, 2]);
    expect(queue.pool.pids).not.toContain(kills[0]);
    expect(await expectTakesWhole()).toBeGreaterThan(0);
  }, 120_000);

  it('fails the task with a clear reason when the retried scene loses its worker too', async () => {
    const killAll = (e: { pid: number }) => process.kill(e.pid, 'SIGKILL');
    queue.pool.on('job-start', killAll);
    const { task } = await render('bob', storyboard('Crash twice', [{ duration: 1 }, { duration: 1 }, { duration: 1 }]));
    const done = await waitForTask(t.baseUrl, tokens.bob, task);
    queue.pool.off('job-start', killAll);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^scene \d: render worker stopped unexpectedly \(SIGKILL\) \(its render worker died twice; it was retried once on a fresh worker\)$/);
    expect(done.failure_code).toBe('worker_crashed');
    await expectTakesWhole();
  }, 120_000);

  it("gives a chained scene its predecessor's last frame, also when the predecessor is reused", async () => {
    const jobs: SceneJob[] = [];
    const onStart = (e: { job: SceneJob }) => jobs.push(e.job);
    queue.scenes.on('started', onStart);
    try {
      const board = storyboard('Chain', [{ duration: 1 }, { duration: 1, chained: true }, { duration: 1 }]);
      const first = await render('alice', board);
      expect((await waitForTask(t.baseUrl, tokens.alice, first.task)).status).toBe('completed');
      const take1 = await db.getRepository(Take).findOneOrFail({ where: { task_id: first.task, storyboard_scene_id: board.scenes[0]!.id } });
      expect(statSync(join(t.config.dataDir, take1.last_frame_path!)).size).toBe(W * H * 3);
      // The chained second scene waited for the first (the third did not need to).
      const chained = jobs.find((j) => j.scene.scene_number === 2)!;
      expect(jobs.indexOf(chained)).toBeGreaterThan(jobs.findIndex((j) => j.scene.scene_number === 1));
      expect(jobs.map((j) => [j.scene.scene_number, !!j.chainFrom]).sort()).toEqual([[1, false], [2, true], [3, false]]);

      // Only the chained scene changes: the first is reused, and its kept last frame feeds the new second.
      jobs.length = 0;
      const edited = { ...board, scenes: board.scenes.map((s, i) => (i === 1 ? { ...s, description: 'the same shot, now at dusk' } : s)) };
      const second = await render('alice', edited, first.project);
      const done = await waitForTask(t.baseUrl, tokens.alice, second.task);
      expect(done.status).toBe('completed');
      expect(done.scenes.map((s: { cached: boolean }) => s.cached)).toEqual([true, false, true]);
      expect(jobs.map((j) => [j.scene.scene_number, j.chainFrom])).toEqual([[2, join(t.config.dataDir, take1.last_frame_path!)]]);
    } finally {
      queue.scenes.off('started', onStart);
    }
  }, 120_000);
});
