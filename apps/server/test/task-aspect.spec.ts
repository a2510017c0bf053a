import { probeMedia } from '@reelcraft/inference';
import type { Storyboard, TaskView } from '@reelcraft/shared';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, until, waitForTask, type TestApp } from '../src/testing/test-app';

/** `aspect` and `size` on POST /api/tasks: the seed API's way to ask for a portrait or square video. */
describe('aspect presets for seed-API tasks', () => {
  let t: TestApp;
  let token: string;
  let call: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    t = await startTestApp(defaultTestDatabase(), { RENDER_WIDTH: '160', RENDER_HEIGHT: '90', RENDER_FPS: '8' });
    token = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    call = apiClient(t.baseUrl, token);
  });
  afterAll(async () => t?.close());

  /** The storyboard of the project a seed-API task planned into. */
  async function storyboardOf(taskId: string): Promise<Storyboard> {
    const projectId = await until('the task project', async () => ((await call('GET', `/api/tasks/${taskId}`)).json as TaskView).project_id);
    return (await call('GET', `/api/projects/${projectId}/storyboard`)).json as Storyboard;
  }

  it("renders a portrait video for '9:16', keeping the server's short side", async () => {
    const res = await call('POST', '/api/tasks', { prompt: 'A lighthouse keeper climbs the stairs at dusk', aspect: '9:16' });
    expect(res.status).toBe(201);
    const task = (await waitForTask(t.baseUrl, token, res.json.task_id)) as TaskView;
    expect(task.error).toBeNull();
    expect(task.result!.resolution).toBe('90x160');
    const probe = await probeMedia(join(t.config.dataDir, 'tasks', task.task_id, 'final.mp4'));
    expect(probe.video).toMatchObject({ width: 90, height: 160 });
    expect(probe.video!.height).toBeGreaterThan(probe.video!.width);
    // Its project keeps the frame, so a render after an edit is portrait too.
    expect((await storyboardOf(task.task_id)).style).toMatchObject({ aspect: '9:16', width: 90, height: 160 });
  });

  it('takes a size preset as the short side, for one prompt or a batch', async () => {
    const one = await call('POST', '/api/tasks', { prompt: 'A square of four gardens', aspect: '1:1', size: '480p' });
    expect(one.status).toBe(201);
    expect((await storyboardOf(one.json.task_id)).style).toMatchObject({ aspect: '1:1', width: 480, height: 480 });
    const batch = await call('POST', '/api/tasks/batch', { prompts: ['An old map', 'A new map'], aspect: '3:4', size: '720p' });
    expect(batch.status).toBe(201);
    for (const id of batch.json.task_ids) expect((await storyboardOf(id)).style).toMatchObject({ aspect: '3:4', width: 720, height: 960 });
    // Only a size: the server's own 16:9 at that short side.
    const sized = await call('POST', '/api/tasks', { prompt: 'A wide valley', size: '720p' });
    expect((await storyboardOf(sized.json.task_id)).style).toMatchObject({ aspect: '16:9', width: 1280, height: 720 });
    for (const id of [one.json.task_id, ...batch.json.task_ids, sized.json.task_id]) await call('POST', `/api/tasks/${id}/cancel`);
  });

  it('refuses an aspect or size it does not know with 400, naming what is allowed', async () => {
    const bad = await call('POST', '/api/tasks', { prompt: 'A tall tower', aspect: '2:1' });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch('aspect must be one of 16:9, 9:16, 1:1, 4:3, 3:4');
    const size = await call('POST', '/api/tasks', { prompt: 'A tall tower', size: '4k' });
    expect(size.status).toBe(400);
    expect(size.json.message).toMatch('size must be one of 480p, 720p, 1080p');
    expect((await call('POST', '/api/tasks', { prompt: 'A tall tower', aspect: 916 })).status).toBe(400);
    expect((await call('POST', '/api/tasks/batch', { prompts: ['A tall tower'], aspect: 'portrait' })).status).toBe(400);
  });
});
