import { planTimeline, readStoryboard, writeStoryboard, type Page, type RenderHistoryItem, type Storyboard, type TaskView, type VersionView } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollabDocuments } from '../src/collab/collab-documents';
import { ADMIN_PASSWORD, apiClient, login, startTestApp, testDatabases, until, waitForTask, type TestApp } from '../src/testing/test-app';
import { VersionsService } from '../src/versions/versions.service';

type Client = ReturnType<typeof apiClient>;

/**
 * A project's render history: every render tied to the storyboard version it came from, and each
 * scene of a task with its start in the video and its still. Once on SQLite, once on PostgreSQL.
 */
describe.each(testDatabases())('render history on %s', (kind) => {
  let t: TestApp;
  const tokens: Record<'alice' | 'vic' | 'dave', string> = {} as never;
  const call: Record<keyof typeof tokens, Client> = {} as never;

  /** A project alice owns (vic a viewer, dave no member) with two short scenes, the second crossfading in. */
  async function newProject(name: string): Promise<string> {
    const project = (await call.alice('POST', '/api/projects', { name, prompt: 'A harbour at dawn, then boats leaving at noon' })).json;
    await until('the planned scenes', async () => (await call.alice('GET', `/api/projects/${project.id}`)).json.planner !== null);
    expect((await call.alice('POST', `/api/projects/${project.id}/members`, { username: 'vic', role: 'viewer' })).status).toBe(201);
    await edit(project.id, (sb) => {
      const [first, second] = sb.scenes;
      return { ...sb, scenes: [{ ...first!, duration_sec: 2 }, { ...second!, duration_sec: 2, transition: 'crossfade' }] };
    });
    return project.id;
  }

  async function edit(projectId: string, change: (sb: Storyboard) => Storyboard): Promise<void> {
    await t.app.get(CollabDocuments).applyServerChange(projectId, (doc) => {
      const sb = readStoryboard(doc);
      if (!sb.ok) throw new Error('unreadable storyboard');
      writeStoryboard(doc, change(sb.value));
    });
  }

  async function render(projectId: string): Promise<TaskView> {
    const res = await call.alice('POST', `/api/projects/${projectId}/render`);
    expect(res.status, res.text).toBe(201);
    const task = (await waitForTask(t.baseUrl, tokens.alice, res.json.task_id)) as TaskView;
    expect(task.error).toBeNull();
    return task;
  }

  const history = async (projectId: string, who: Client = call.alice, query = '') => (await who('GET', `/api/projects/${projectId}/renders${query}`)) as { status: number; json: Page<RenderHistoryItem> };

  beforeAll(async () => {
    t = await startTestApp(kind, { RENDER_WIDTH: '160', RENDER_HEIGHT: '90', RENDER_FPS: '8' });
    const admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    for (const name of ['alice', 'vic', 'dave'] as const) {
      expect((await admin('POST', '/api/users', { username: name, password: `${name}-password` })).status).toBe(201);
      tokens[name] = await login(t.baseUrl, name, `${name}-password`);
      call[name] = apiClient(t.baseUrl, tokens[name]);
    }
  });
  afterAll(async () => t?.close());

  it('ties each render to the version of the storyboard it came from: the same one while nothing changed, a new one after an edit', async () => {
    const id = await newProject('Harbour');
    const first = await render(id);
    const again = await render(id);
    await edit(id, (sb) => ({ ...sb, scenes: sb.scenes.map((s, i) => (i === 0 ? { ...s, description: `${s.description}, in fog` } : s)) }));
    const edited = await render(id);

    expect(first.version).toMatchObject({ kind: 'render', label: expect.stringMatching(/^Render \d{4}-\d\d-\d\d \d\d:\d\d UTC$/) });
    expect(again.version).toEqual(first.version);
    expect(edited.version).not.toBeNull();
    expect(edited.version!.id).not.toBe(first.version!.id);

    // The versions a render saved are versions like any other: listed, readable, and the edited one holds the edit.
    const versions = (await call.alice('GET', `/api/projects/${id}/versions`)).json as VersionView[];
    expect(versions.map((v) => [v.id, v.kind, v.created_by])).toEqual([
      [edited.version!.id, 'render', 'alice'],
      [first.version!.id, 'render', 'alice'],
    ]);
    const saved = (await call.alice('GET', `/api/projects/${id}/versions/${edited.version!.id}`)).json as Storyboard;
    expect(saved.scenes[0]!.description).toMatch(/, in fog$/);

    const listed = await history(id);
    expect(listed.status).toBe(200);
    expect(listed.json.total).toBe(3);
    expect(listed.json.items.map((r) => [r.task_id, r.version?.id])).toEqual([
      [edited.task_id, edited.version!.id],
      [again.task_id, first.version!.id],
      [first.task_id, first.version!.id],
    ]);
    const newest = listed.json.items[0]!;
    expect(newest).toMatchObject({
      status: 'completed',
      requested_by: { id: expect.any(String), name: 'alice' },
      video_url: `/api/tasks/${edited.task_id}/video`,
      poster_url: `/api/tasks/${edited.task_id}/poster.jpg`,
      version: edited.version,
    });
    expect(newest.duration).toBeCloseTo(3.5, 0);
    expect(newest.finished_at).not.toBeNull();
    const poster = await call.alice('GET', newest.poster_url!);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toMatch(/^image\/jpeg/);

    // Paged like the other lists.
    const second = await history(id, call.alice, '?page=2&page_size=1');
    expect(second.json).toMatchObject({ total: 3, page: 2, page_size: 1 });
    expect(second.json.items.map((r) => r.task_id)).toEqual([again.task_id]);
    expect((await history(id, call.alice, '?page_size=0')).status).toBe(400);
  });

  it('links the version someone saved when the storyboard is still as they saved it', async () => {
    const id = await newProject('Saved first');
    const named = (await call.alice('POST', `/api/projects/${id}/versions`, { name: 'Final cut' })).json as VersionView;
    expect(named.kind).toBe('saved');
    const task = await render(id);
    expect(task.version).toEqual({ id: named.id, label: 'Final cut', kind: 'saved', created_at: named.created_at });
    expect(((await call.alice('GET', `/api/projects/${id}/versions`)).json as VersionView[]).map((v) => v.id)).toEqual([named.id]);
  });

  it('keeps a render listed, with no version, after its version is deleted', async () => {
    const id = await newProject('Deleted version');
    const task = await render(id);
    expect((await call.alice('DELETE', `/api/projects/${id}/versions/${task.version!.id}`)).status).toBe(204);
    const listed = await history(id);
    expect(listed.json.items.map((r) => [r.task_id, r.version])).toEqual([[task.task_id, null]]);
    expect(((await call.alice('GET', `/api/tasks/${task.task_id}`)).json as TaskView).version).toBeNull();
    // The next render saves the storyboard again, as a new version.
    const next = await render(id);
    expect(next.version).not.toBeNull();
    expect(next.version!.id).not.toBe(task.version!.id);
  });

  it('makes room among the versions renders saved when the project keeps as many as it may; never refuses the render', async () => {
    const id = await newProject('Full');
    const versions = t.app.get(VersionsService);
    const max = versions.maxPerProject;
    versions.maxPerProject = 2;
    try {
      const one = await render(id);
      await edit(id, (sb) => ({ ...sb, title: 'Full, second cut' }));
      const two = await render(id);
      await edit(id, (sb) => ({ ...sb, title: 'Full, third cut' }));
      const three = await render(id);
      const kept = ((await call.alice('GET', `/api/projects/${id}/versions`)).json as VersionView[]).map((v) => v.id);
      expect(kept).toEqual([three.version!.id, two.version!.id]);
      expect((await history(id)).json.items.map((r) => r.version?.id ?? null)).toEqual([three.version!.id, two.version!.id, null]);
      expect(one.version).not.toBeNull();
    } finally {
      versions.maxPerProject = max;
    }
  });

  it('lets every member read the history; a viewer may not render, anyone else learns nothing', async () => {
    const id = await newProject('Shared');
    const task = await render(id);
    const seen = await history(id, call.vic);
    expect(seen.status).toBe(200);
    expect(seen.json.items.map((r) => r.task_id)).toEqual([task.task_id]);
    expect((await call.vic('POST', `/api/projects/${id}/render`)).status).toBe(403);
    expect((await history(id, call.dave)).status).toBe(404);
    expect((await call.dave('POST', `/api/projects/${id}/render`)).status).toBe(404);
    expect((await history('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await history('not-a-uuid')).status).toBe(404);
  });

  it('saves no version for a storyboard that cannot be rendered', async () => {
    const id = await newProject('Unfinished');
    await edit(id, (sb) => ({ ...sb, scenes: sb.scenes.map((s, i) => (i === 1 ? { ...s, description: '' } : s)) }));
    const res = await call.alice('POST', `/api/projects/${id}/render`);
    expect(res.status).toBe(409);
    expect(res.json.message).toMatch(/cannot be rendered yet/);
    expect((await call.alice('GET', `/api/projects/${id}/versions`)).json).toEqual([]);
    expect((await history(id)).json.total).toBe(0);
  });

  it("gives each scene of a task its start in the video (transitions overlap) and the still of its take, with the video's access rules", async () => {
    const id = await newProject('Timeline');
    const task = await render(id);
    const clips = task.result!.clips;
    const expected = planTimeline(clips.map((c) => c.duration), [undefined, 'crossfade'], 8).starts;
    expect(task.scenes.map((s) => s.start_sec)).toEqual(expected.map((s) => Math.round(s * 1000) / 1000));
    expect(task.scenes[1]!.start_sec!).toBeLessThan(clips[0]!.duration);
    for (const s of task.scenes) {
      expect(s.poster_url).toBe(`/api/tasks/${task.task_id}/scenes/${s.scene_number}/poster.jpg`);
      const still = await call.vic('GET', s.poster_url!);
      expect(still.status).toBe(200);
      expect(still.headers.get('content-type')).toMatch(/^image\/jpeg/);
      expect((await call.dave('GET', s.poster_url!)).status).toBe(404);
    }
    expect((await call.alice('GET', `/api/tasks/${task.task_id}/scenes/9/poster.jpg`)).status).toBe(404);
  });
});
