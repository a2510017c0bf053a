import { newScene, type Storyboard } from '@reelcraft/shared';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { Take } from '../src/renders/take.entity';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, until, waitForTask, type TestApp } from '../src/testing/test-app';

function storyboard(durations: number[]): Storyboard {
  return {
    title: 'Queue',
    language: 'en',
    style: { style_prompt: '', negative_prompt: '', seed: 1, aspect: '16:9', width: 160, height: 90, fps: 8 },
    characters: [],
    music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
    scenes: durations.map((duration_sec, i) => ({ ...newScene({ description: `harbour scene ${i + 1}` }), duration_sec })),
  };
}

/** The render queue shared fairly: users take turns, admins pause and reorder, limits hold, failed work is retried. */
describe('queue control', () => {
  let t: TestApp;
  let admin: ReturnType<typeof apiClient>;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const as = (name: string) => apiClient(t.baseUrl, tokens[name]);

  beforeAll(async () => {
    t = await startTestApp(defaultTestDatabase(), { RENDER_WIDTH: '160', RENDER_HEIGHT: '90', RENDER_FPS: '8' });
    tokens.admin = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    admin = apiClient(t.baseUrl, tokens.admin);
    for (const name of ['alice', 'bob', 'carol']) {
      ids[name] = (await admin('POST', '/api/users', { username: name, password: `${name}-password` })).json.id;
      tokens[name] = await login(t.baseUrl, name, `${name}-password`);
    }
  });
  afterAll(async () => {
    await admin?.('POST', '/api/admin/queue/resume');
    await t?.close();
  });

  it("starts one user's single render before the rest of another user's batch, and shows each their position", async () => {
    expect((await admin('POST', '/api/admin/queue/pause')).json.paused).toBe(true);
    const batch = (await as('alice')('POST', '/api/tasks/batch', { prompts: ['dawn harbour', 'noon market', 'rainy street', 'evening tide', 'night lanterns'] })).json.task_ids as string[];
    const single = (await as('bob')('POST', '/api/tasks', { prompt: 'a lighthouse' })).json.task_id as string;
    expect((await as('bob')('GET', `/api/tasks/${single}`)).json).toMatchObject({ status: 'pending', queue_position: 2 });
    expect((await as('alice')('GET', `/api/tasks/${batch[4]}`)).json.queue_position).toBe(6);
    const queue = (await admin('GET', '/api/admin/queue')).json;
    expect(queue.paused).toBe(true);
    expect(queue.pending.map((x: { task_id: string }) => x.task_id)).toEqual([batch[0], single, batch[1], batch[2], batch[3], batch[4]]);

    // An admin moves alice's last task to the front.
    expect((await admin('PATCH', `/api/admin/tasks/${batch[4]}`, { priority: 10 })).json.priority).toBe(10);
    expect((await as('alice')('GET', `/api/tasks/${batch[4]}`)).json.queue_position).toBe(1);

    await admin('POST', '/api/admin/queue/resume');
    for (const id of [...batch, single]) await waitForTask(t.baseUrl, tokens.admin, id);
    const finished = await Promise.all([...batch, single].map(async (id) => (await admin('GET', `/api/tasks/${id}`)).json));
    expect(finished.map((x) => [x.status, x.error])).toEqual(finished.map(() => ['completed', null]));
    const started = finished.sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at)).map((x) => x.task_id);
    expect(started[0]).toBe(batch[4]);
    // Bob's one render did not wait for alice's batch: it started as soon as one of hers had.
    expect(started.indexOf(single)).toBe(1);
    // Measured scene times now give waiting tasks an ETA, except while the queue is paused.
    const [ahead, later] = (await as('bob')('POST', '/api/tasks/batch', { prompts: ['a second lighthouse', 'a third lighthouse'] })).json.task_ids as string[];
    expect((await as('bob')('GET', `/api/tasks/${later}`)).json).toMatchObject({ status: 'pending', eta_s: expect.any(Number) });
    expect((await as('bob')('GET', `/api/tasks/${later}`)).json.eta_s).toBeGreaterThan(0);
    await admin('POST', '/api/admin/queue/pause');
    expect((await as('bob')('GET', `/api/tasks/${later}`)).json.eta_s).toBeNull();
    await as('bob')('POST', `/api/tasks/${later}/cancel`);
    await admin('POST', '/api/admin/queue/resume');
    await waitForTask(t.baseUrl, tokens.bob, ahead!);
  });

  it('holds each user to the limits an admin sets (429 past the queued limit)', async () => {
    expect((await admin('PATCH', `/api/users/${ids.carol}`, { max_queued_tasks: 2 })).json).toMatchObject({ max_queued_tasks: 2 });
    await admin('POST', '/api/admin/queue/pause');
    expect((await as('carol')('POST', '/api/tasks/batch', { prompts: ['one', 'two'] })).status).toBe(201);
    const third = await as('carol')('POST', '/api/tasks', { prompt: 'three' });
    expect(third.status).toBe(429);
    expect(third.json).toMatchObject({ code: 'queue_full', message: expect.stringMatching(/at most 2/) });
    for (const task of (await as('carol')('GET', '/api/tasks')).json.items) await as('carol')('POST', `/api/tasks/${task.task_id}/cancel`);
    expect((await as('carol')('POST', '/api/tasks', { prompt: 'three' })).status).toBe(201);
    await admin('POST', '/api/admin/queue/resume');
    expect((await admin('GET', '/api/admin/audit?kind=admin_action')).json.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['user.limits', 'queue.pause', 'queue.resume', 'task.priority']));
  });

  it('retries a cancelled render without drawing again the scenes it already has, and stops a running scene within a second', async () => {
    const project = (await as('alice')('POST', '/api/projects', { name: 'Retry' })).json.id as string;
    await t.app.get(StoryboardStore).initialise(project, storyboard([1, 1, 1]));
    const first = (await as('alice')('POST', `/api/projects/${project}/render`)).json.task_id as string;
    expect((await waitForTask(t.baseUrl, tokens.alice, first)).status).toBe('completed');
    const takes = await t.app.get(DataSource).getRepository(Take).count();

    await admin('POST', '/api/admin/queue/pause');
    const second = (await as('alice')('POST', `/api/projects/${project}/render`)).json.task_id as string;
    expect((await as('alice')('POST', `/api/tasks/${second}/cancel`)).json.status).toBe('cancelled');
    expect((await as('bob')('POST', `/api/tasks/${second}/retry`)).status).toBe(404);
    expect((await as('alice')('POST', `/api/tasks/${second}/retry`)).json.status).toBe('pending');
    await admin('POST', '/api/admin/queue/resume');
    const retried = await waitForTask(t.baseUrl, tokens.alice, second);
    expect(retried.status).toBe('completed');
    expect(retried.scenes.every((s: { cached: boolean }) => s.cached)).toBe(true);
    expect(await t.app.get(DataSource).getRepository(Take).count()).toBe(takes);
    expect((await as('alice')('POST', `/api/tasks/${second}/retry`)).status).toBe(409);

    // A long scene being drawn stops within a second of the cancel.
    await t.app.get(StoryboardStore).initialise(project, storyboard([20]));
    const long = (await as('alice')('POST', `/api/projects/${project}/render`)).json.task_id as string;
    await until('the scene to be rendering', async () => (await as('alice')('GET', `/api/tasks/${long}`)).json.scenes?.[0]?.status === 'rendering');
    const at = performance.now();
    expect((await as('alice')('POST', `/api/tasks/${long}/cancel`)).json.status).toBe('cancelled');
    expect(performance.now() - at).toBeLessThan(1000);
  });
});
