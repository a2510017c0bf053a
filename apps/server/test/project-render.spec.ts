import { join } from 'node:path';
import { readStoryboard, writeStoryboard } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollabDocuments } from '../src/collab/collab-documents';
import { probeMedia } from '@reelcraft/inference';
import { ADMIN_PASSWORD, apiClient, login, startTestApp, until, waitForTask, type TestApp } from '../src/testing/test-app';

/** "Render" on a project renders its storyboard as it is, and the project points at the new video. */
describe('rendering a project', () => {
  let t: TestApp;
  let owner: ReturnType<typeof apiClient>;
  let ownerToken: string;
  let viewer: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12' });
    ownerToken = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    owner = apiClient(t.baseUrl, ownerToken);
    await owner('POST', '/api/users', { username: 'vera', password: 'vera-password' });
    viewer = apiClient(t.baseUrl, await login(t.baseUrl, 'vera', 'vera-password'));
  });
  afterAll(async () => t?.close());

  it('renders the storyboard scene for scene and links the task to the project', async () => {
    const project = (await owner('POST', '/api/projects', { name: 'Harbour', prompt: 'A harbour at dawn: boats, gulls and a lighthouse' })).json;
    const storyboard = await until('the planned scenes', async () => {
      const sb = (await owner('GET', `/api/projects/${project.id}/storyboard`)).json;
      return sb.scenes.length >= 3 && sb;
    });

    const res = await owner('POST', `/api/projects/${project.id}/render`);
    expect(res.status).toBe(201);
    const task = await waitForTask(t.baseUrl, ownerToken, res.json.task_id);
    expect(task.error).toBeNull();
    expect(task.status).toBe('completed');
    expect(task.result.storyboard.map((s: { description: string }) => s.description)).toEqual(storyboard.scenes.map((s: { description: string }) => s.description));
    expect(task.result.storyboard.map((s: { duration_sec: number }) => s.duration_sec)).toEqual(storyboard.scenes.map((s: { duration_sec: number }) => s.duration_sec));
    expect((await owner('GET', `/api/projects/${project.id}`)).json.task_id).toBe(task.task_id);
    // A render of a project does not spawn yet another project.
    expect((await owner('GET', '/api/projects')).json.total).toBe(1);
  });

  it("starts from the server's render settings and renders at the size, frame rate and seed the storyboard asks for", async () => {
    const project = (await owner('POST', '/api/projects', { name: 'Fox', prompt: 'A fox crosses a snowy field' })).json;
    await until('the planned scenes', async () => (await owner('GET', `/api/projects/${project.id}`)).json.planner !== null);
    const before = (await owner('GET', `/api/projects/${project.id}/storyboard`)).json;
    expect(before.style).toMatchObject({ width: 320, height: 180, fps: 12, aspect: '16:9' });

    // What an editor does in the studio: a smaller square video at 8 fps, a character in the first scene.
    await t.app.get(CollabDocuments).applyServerChange(project.id, (doc) => {
      const sb = readStoryboard(doc);
      if (!sb.ok) throw new Error('unreadable storyboard');
      const fox = { id: 'character-fox-1', name: 'Fox', description: 'a red fox with a white-tipped tail' };
      const [first, ...rest] = sb.value.scenes;
      writeStoryboard(doc, {
        ...sb.value,
        style: { ...sb.value.style, width: 144, height: 144, aspect: '1:1', fps: 8, seed: 5, style_prompt: 'watercolour' },
        characters: [fox],
        scenes: [{ ...first!, character_ids: [fox.id], duration_sec: 2 }, ...rest.slice(0, 1).map((s) => ({ ...s, duration_sec: 2 }))],
      });
    });

    const res = await owner('POST', `/api/projects/${project.id}/render`);
    expect(res.status).toBe(201);
    const task = await waitForTask(t.baseUrl, ownerToken, res.json.task_id);
    expect(task.error).toBeNull();
    const probe = await probeMedia(join(t.config.dataDir, 'tasks', task.task_id, 'final.mp4'));
    expect(probe.video).toMatchObject({ width: 144, height: 144, fps: 8 });
    expect(probe.duration).toBeCloseTo(4, 0);
  });

  it('answers 409 with the reason for a storyboard that cannot render, 403 for a viewer, 404 for others', async () => {
    const empty = (await owner('POST', '/api/projects', { name: 'Empty' })).json;
    const res = await owner('POST', `/api/projects/${empty.id}/render`);
    expect(res.status).toBe(409);
    expect(res.json.message).toMatch(/cannot be rendered yet: scenes/);

    expect((await viewer('POST', `/api/projects/${empty.id}/render`)).status).toBe(404);
    await owner('POST', `/api/projects/${empty.id}/members`, { username: 'vera', role: 'viewer' });
    expect((await viewer('POST', `/api/projects/${empty.id}/render`)).status).toBe(403);
  });
});
