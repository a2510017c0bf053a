import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readStoryboard, writeStoryboard } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollabDocuments } from '../src/collab/collab-documents';
import { probeMedia } from '@reelcraft/inference';
import { ADMIN_PASSWORD, apiClient, clipFiles, defaultTestDatabase, login, startTestApp, until, waitForTask, type TestApp } from '../src/testing/test-app';

/** One frame of a video as 8-bit grey pixels; also saved as a PNG under `png` for a person to look at. */
function frameAt(path: string, atSec: number, png: string): Buffer {
  const run = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-ss', String(atSec), '-i', path, '-frames:v', '1', ...args]);
  mkdirSync(resolve(png, '..'), { recursive: true });
  writeFileSync(png, run(['-f', 'image2pipe', '-c:v', 'png', 'pipe:1']));
  return run(['-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
}

/** Mean absolute difference of two grey frames over their top half (away from burnt-in subtitles). */
function topDiff(a: Buffer, b: Buffer | number[]): number {
  const n = a.length >> 1;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.abs(a[i] - b[i]);
  return sum / n;
}

/** "Render" on a project renders its storyboard as it is, and the project points at the new video. */
describe('rendering a project', () => {
  let t: TestApp;
  let owner: ReturnType<typeof apiClient>;
  let ownerToken: string;
  let viewer: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    t = await startTestApp(defaultTestDatabase(), { RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12' });
    ownerToken = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    owner = apiClient(t.baseUrl, ownerToken);
    await owner('POST', '/api/users', { username: 'vera', password: 'vera-password' });
    viewer = apiClient(t.baseUrl, await login(t.baseUrl, 'vera', 'vera-password'));
  });
  afterAll(async () => t?.close());

  it('renders the storyboard scene for scene and links the task to the project', async () => {
    const project = (await owner('POST', '/api/projects', { name: 'Harbour', prompt: 'A harbour at dawn: boats, gulls and a lighthouse' })).json;
    // The planner adds its scenes one by one: wait for its report, not for some scenes, or the
    // render may start from a storyboard that gains a scene after it was read here.
    await until('the planned scenes', async () => (await owner('GET', `/api/projects/${project.id}`)).json.planner !== null);
    const storyboard = (await owner('GET', `/api/projects/${project.id}/storyboard`)).json;
    expect(storyboard.scenes.length).toBeGreaterThanOrEqual(3);

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

  it("crossfades into a scene whose transition the studio set to 'crossfade'", async () => {
    const project = (await owner('POST', '/api/projects', { name: 'Lighthouse', prompt: 'A lighthouse on a cliff, then waves at night' })).json;
    await until('the planned scenes', async () => (await owner('GET', `/api/projects/${project.id}`)).json.planner !== null);
    await t.app.get(CollabDocuments).applyServerChange(project.id, (doc) => {
      const sb = readStoryboard(doc);
      if (!sb.ok) throw new Error('unreadable storyboard');
      const [first, second] = sb.value.scenes;
      writeStoryboard(doc, {
        ...sb.value,
        style: { ...sb.value.style, width: 160, height: 90, fps: 12 },
        scenes: [
          { ...first!, duration_sec: 2 },
          { ...second!, duration_sec: 2, transition: 'crossfade' },
        ],
      });
    });

    const res = await owner('POST', `/api/projects/${project.id}/render`);
    expect(res.status).toBe(201);
    const task = await waitForTask(t.baseUrl, ownerToken, res.json.task_id);
    expect(task.error).toBeNull();
    const dir = join(t.config.dataDir, 'tasks', task.task_id);
    const final = join(dir, 'final.mp4');
    const probe = await probeMedia(final);
    expect(probe.video).toMatchObject({ codec: 'h264', width: 160, height: 90, fps: 12 });
    // Two 2 s scenes overlapping by 0.5 s: the video lasts 3.5 s, not 4.
    expect(Math.abs(probe.duration - 3.5)).toBeLessThanOrEqual(0.1);

    // The middle of the crossfade (1.75 s) is scene 1 at 1.75 s blended half and half with scene 2 at 0.25 s.
    const reports = resolve(__dirname, '../../../reports/transitions');
    const mid = frameAt(final, 1.75, join(reports, 'crossfade-middle.png'));
    frameAt(final, 1, join(reports, 'crossfade-scene1.png'));
    frameAt(final, 3, join(reports, 'crossfade-scene2.png'));
    const clips = await clipFiles(t, task.task_id);
    for (const c of clips) expect(existsSync(c), c).toBe(true);
    const a = frameAt(clips[0], 1.75, join(reports, 'crossfade-from.png'));
    const b = frameAt(clips[1], 0.25, join(reports, 'crossfade-to.png'));
    const blend = [...a].map((v, i) => (v + b[i]) / 2);
    expect(topDiff(a, [...b])).toBeGreaterThan(10); // the two scenes look different
    expect(topDiff(mid, blend)).toBeLessThan(Math.min(topDiff(mid, a), topDiff(mid, b)) / 2);
  });

  it('lets every member of the project watch a render a teammate started; only the starter (or an admin) cancels or deletes it', async () => {
    for (const name of ['olga', 'eddie']) expect((await owner('POST', '/api/users', { username: name, password: `${name}-password` })).status).toBe(201);
    const olga = apiClient(t.baseUrl, await login(t.baseUrl, 'olga', 'olga-password'));
    const eddieToken = await login(t.baseUrl, 'eddie', 'eddie-password');
    const eddie = apiClient(t.baseUrl, eddieToken);
    const project = (await olga('POST', '/api/projects', { name: 'Orchard', prompt: 'An orchard in autumn, then apples in a basket' })).json;
    await until('the planned scenes', async () => (await olga('GET', `/api/projects/${project.id}`)).json.planner !== null);
    expect((await olga('POST', `/api/projects/${project.id}/members`, { username: 'eddie', role: 'editor' })).status).toBe(201);

    const started = await eddie('POST', `/api/projects/${project.id}/render`);
    expect(started.status).toBe(201);
    const task = await waitForTask(t.baseUrl, eddieToken, started.json.task_id);
    expect(task.status).toBe('completed');
    // Olga owns the project but did not press "render": she still sees the task, its video and its clips.
    expect((await olga('GET', `/api/tasks/${task.task_id}`)).json).toMatchObject({ task_id: task.task_id, owner: 'eddie', status: 'completed' });
    const video = await olga('GET', `/api/tasks/${task.task_id}/video`);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect((await olga('GET', `/api/tasks/${task.task_id}/clips/1`)).status).toBe(200);
    // Not hers to cancel or delete; someone outside the project does not learn it exists.
    expect((await olga('DELETE', `/api/tasks/${task.task_id}`)).status).toBe(403);
    expect((await viewer('GET', `/api/tasks/${task.task_id}`)).status).toBe(404);
    expect((await viewer('GET', `/api/tasks/${task.task_id}/video`)).status).toBe(404);
    expect((await eddie('DELETE', `/api/tasks/${task.task_id}`)).status).toBe(204);

    // A seed-API task belongs to the project it planned into, so that project's members see it too.
    const seed = (await olga('POST', '/api/tasks', { prompt: '城市夜景' })).json.task_id as string;
    const seedProject = await until('the task project', async () => (await olga('GET', '/api/projects')).json.items.find((p: { task_id: string }) => p.task_id === seed));
    expect((await eddie('GET', `/api/tasks/${seed}`)).status).toBe(404);
    expect((await olga('POST', `/api/projects/${seedProject.id}/members`, { username: 'eddie', role: 'viewer' })).status).toBe(201);
    expect((await eddie('GET', `/api/tasks/${seed}`)).json).toMatchObject({ task_id: seed, owner: 'olga' });
    expect((await eddie('POST', `/api/tasks/${seed}/cancel`)).status).toBe(403);
    expect((await olga('GET', `/api/tasks/${seed}`)).json.project_id).toBe(seedProject.id);

    // Deleting the project leaves its renders to whoever started them, as tasks of no project.
    expect((await olga('DELETE', `/api/projects/${seedProject.id}`)).status).toBe(204);
    expect((await olga('GET', `/api/tasks/${seed}`)).json.project_id).toBeNull();
    expect((await eddie('GET', `/api/tasks/${seed}`)).status).toBe(404);
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
