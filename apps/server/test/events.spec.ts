import type { ClientToServerEvents, JoinProjectAck, ServerToClientEvents, VersionsChangedEvent } from '@reelcraft/shared';
import { RuleBasedPlanner } from '@reelcraft/inference';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, waitForTask, type TestApp } from '../src/testing/test-app';
import { ProjectsService } from '../src/projects/projects.service';
import { RenderEvents } from '../src/renders/render-events';
import { until } from './support/collab-clients';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Socket.IO at /socket.io against the real application. */
describe('Socket.IO gateway', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const sockets: ClientSocket[] = [];

  const connect = (token: string | null): ClientSocket => {
    const s: ClientSocket = io(t.baseUrl, { path: '/socket.io', transports: ['websocket'], auth: token ? { token } : {}, reconnection: false });
    sockets.push(s);
    return s;
  };
  const connected = (s: ClientSocket) =>
    new Promise<void>((res, rej) => {
      s.once('connect', () => res());
      s.once('connect_error', rej);
    });
  const join = (s: ClientSocket, project_id: string) => new Promise<JoinProjectAck>((res) => s.emit('project:join', { project_id }, res));

  beforeAll(async () => {
    t = await startTestApp(defaultTestDatabase(), { RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12' });
    const admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    for (const name of ['alice', 'bob', 'mallory']) {
      ids[name] = (await admin('POST', '/api/users', { username: name, password: `${name}-password` })).json.id;
      tokens[name] = await login(t.baseUrl, name, `${name}-password`);
    }
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await t?.close();
  });

  it('refuses a socket without a valid session', async () => {
    await expect(connected(connect('not-a-session'))).rejects.toThrow(/unauthenticated/);
    await expect(connected(connect(null))).rejects.toThrow(/unauthenticated/);
  });

  it("streams a submitted task's status and render progress to its owner and to a member who joined its project", async () => {
    const aliceSocket = connect(tokens.alice);
    await connected(aliceSocket);
    const seen: Record<'alice' | 'bob', string[]> = { alice: [], bob: [] };
    const progress: { scene_number: number; step: number; total: number; task_progress: number }[] = [];
    const record = (who: 'alice' | 'bob', s: ClientSocket) => {
      s.on('task:status', (e) => seen[who].push(`status:${e.status}`));
      s.on('render:progress', (e) => {
        seen[who].push('progress');
        if (who === 'bob') progress.push(e);
      });
      s.on('task:finished', (e) => seen[who].push(`finished:${e.video_url}`));
    };
    record('alice', aliceSocket);

    const alice = apiClient(t.baseUrl, tokens.alice);
    const taskId = (await alice('POST', '/api/tasks', { prompt: '海边的日落，海浪和飞鸟' })).json.task_id as string;
    const project = await until('the task project', async () => (await alice('GET', '/api/projects')).json.items.find((p: { task_id: string }) => p.task_id === taskId));
    expect((await alice('POST', `/api/projects/${project.id}/members`, { username: 'bob', role: 'editor' })).status).toBe(201);
    const bobSocket = connect(tokens.bob);
    await connected(bobSocket);
    record('bob', bobSocket);
    expect(await join(bobSocket, project.id)).toMatchObject({ ok: true, project_id: project.id, role: 'editor' });

    expect((await waitForTask(t.baseUrl, tokens.alice, taskId)).status).toBe('completed');
    const finished = `finished:/api/tasks/${taskId}/video`;
    await until('both to hear the end', () => seen.alice.includes(finished) && seen.bob.includes(finished));
    // Announced when stored (every open task list hears of it), then running.
    expect(seen.alice.slice(0, 2)).toEqual(['status:pending', 'status:running']);
    expect(seen.alice).toContain('status:completed');
    expect(seen.bob).toContain('progress');
    expect(progress.every((p) => p.scene_number >= 1 && p.step <= p.total && p.task_progress >= 0 && p.task_progress < 1)).toBe(true);
    // The task's share grows with the steps within a scene, not only when a scene ends.
    expect(new Set(progress.map((p) => p.task_progress)).size).toBeGreaterThan(new Set(progress.map((p) => p.scene_number)).size);
    // Mallory is connected but in neither room, so hears nothing.
  });

  it('announces planned scenes one by one and sends preview stills to the project room', async () => {
    const alice = apiClient(t.baseUrl, tokens.alice);
    // The first task holds the only render slot, so the second is still waiting when we join its room.
    const first = (await alice('POST', '/api/tasks', { prompt: '城市夜景' })).json.task_id as string;
    const second = (await alice('POST', '/api/tasks', { prompt: '森林探险，包含河流和小动物' })).json.task_id as string;
    const project = await until('the second task project', async () => (await alice('GET', '/api/projects')).json.items.find((p: { task_id: string }) => p.task_id === second));
    const socket = connect(tokens.alice);
    await connected(socket);
    const scenes: { scene_number: number; total: number | null }[] = [];
    const previews: { scene_number: number; bytes: Uint8Array }[] = [];
    let done: { ok: boolean } | null = null;
    let startedBeforeScenes = false;
    socket.on('planner:started', (e) => e.project_id === project.id && (startedBeforeScenes = scenes.length === 0));
    socket.on('planner:scene', (e) => e.project_id === project.id && scenes.push(e));
    socket.on('planner:done', (e) => {
      if (e.project_id === project.id) done = e;
    });
    socket.on('render:preview', (e) => e.task_id === second && previews.push({ scene_number: e.scene_number, bytes: new Uint8Array(e.jpeg as ArrayBuffer) }));
    // Waiting for its render slot, the task is not being planned yet.
    expect(await join(socket, project.id)).toMatchObject({ ok: true, planning: null });
    expect((await alice('GET', `/api/tasks/${second}`)).json.status).toBe('pending');

    expect((await waitForTask(t.baseUrl, tokens.alice, second)).status).toBe('completed');
    await until('the planner to finish', async () => done);
    expect(done).toMatchObject({ ok: true });
    expect(startedBeforeScenes).toBe(true);
    expect(scenes.map((e) => e.scene_number)).toEqual(scenes.map((_, i) => i + 1));
    expect(scenes.every((e) => e.total === scenes.length)).toBe(true);
    const sb = (await alice('GET', `/api/projects/${project.id}/storyboard`)).json;
    expect(sb.scenes).toHaveLength(scenes.length);
    // One poster still per scene, as a JPEG.
    await until('a preview per scene', async () => previews.length >= scenes.length);
    expect(previews.every((p) => p.bytes[0] === 0xff && p.bytes[1] === 0xd8)).toBe(true);
    expect((await waitForTask(t.baseUrl, tokens.alice, first)).status).toBe('completed');
  });

  it("replays to a late joiner only the preview of the scene under way, never one of a finished scene or task", async () => {
    const events = t.app.get(RenderEvents);
    const ref = { taskId: '00000000-0000-4000-8000-0000000000aa', ownerId: ids.alice };
    const other = { taskId: '00000000-0000-4000-8000-0000000000ab', ownerId: ids.alice };
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    /** The frames a socket that connects now is sent at once (by task), read after a round trip that follows them. */
    const replayedAll = async () => {
      const s = connect(tokens.alice);
      const got: { task: string; scene: number }[] = [];
      s.on('render:preview', (e) => got.push({ task: e.task_id, scene: e.scene_number }));
      await connected(s);
      // The replay is sent as the socket is accepted, before the server reads anything from it: once
      // a request made after the connect is answered, every replayed frame has arrived.
      expect(await join(s, '')).toMatchObject({ ok: false, code: 400 });
      s.disconnect();
      return got;
    };
    const replayed = async () => (await replayedAll()).filter((f) => f.task === ref.taskId).map((f) => f.scene);
    // The frame is kept once the task's project has been looked up (asynchronously).
    events.emit('preview', { ...ref, sceneNumber: 1, jpeg, at: Date.now() });
    await until('the frame kept for replay', async () => (await replayed()).length > 0);
    expect(await replayed()).toEqual([1]);
    // Scene 2 makes progress: scene 1 is over, its frame is no longer current.
    events.emit('progress', { ...ref, sceneNumber: 2, step: 1, total: 10, etaS: null, taskProgress: 0.5 });
    expect(await replayed()).toEqual([]);
    // A frame that comes after the task has ended is not kept either. Barrier: a frame of another task,
    // emitted after it, goes through the same lookup; once that one is replayed, the late one was handled.
    events.emit('finished', { ...ref, videoUrl: '/x', duration: 1 });
    events.emit('preview', { ...ref, sceneNumber: 2, jpeg, at: Date.now() });
    events.emit('preview', { ...other, sceneNumber: 1, jpeg, at: Date.now() });
    await until("the other task's frame kept", async () => (await replayedAll()).some((f) => f.task === other.taskId));
    expect(await replayed()).toEqual([]);
    events.emit('finished', { ...other, videoUrl: '/y', duration: 1 });
  });

  it('tells the room when the planner starts and ends, and whoever joins mid-way how far it is', async () => {
    const alice = apiClient(t.baseUrl, tokens.alice);
    const project = (await alice('POST', '/api/projects', { name: 'Planned while watched' })).json;
    const early = connect(tokens.alice);
    await connected(early);
    expect(await join(early, project.id)).toMatchObject({ ok: true, planning: null });
    const heard: string[] = [];
    early.on('planner:started', (e) => e.project_id === project.id && heard.push('started'));
    early.on('planner:scene', (e) => e.project_id === project.id && heard.push(`scene ${e.scene_number} of ${e.total}`));
    early.on('planner:done', (e) => e.project_id === project.id && heard.push(`done ${e.ok}`));
    // The planner as the prompt and task paths drive it, one scene written of two.
    const stream = t.app.get(ProjectsService).planStream(project.id, null);
    const [first, second] = (await new RuleBasedPlanner().plan('城市夜景')).scenes;
    stream.scene(first!, 2);
    await until('the first scene announced', async () => heard.length === 2);
    const late = connect(tokens.alice);
    await connected(late);
    expect(await join(late, project.id)).toMatchObject({ ok: true, planning: { scenes: 1, total: 2 } });
    stream.scene(second!, 2);
    await stream.finish({ planner: 'rule-based', model: null, fallback_reason: null, llm_scenes: 0 });
    await until('planner:done', async () => heard.includes('done true'));
    expect(heard).toEqual(['started', 'scene 1 of 2', 'scene 2 of 2', 'done true']);
    expect(await join(late, project.id)).toMatchObject({ ok: true, planning: null });
  });

  it("tells every member in the project's room, viewers included, when a version is saved, restored or deleted", async () => {
    const alice = apiClient(t.baseUrl, tokens.alice);
    const project = (await alice('POST', '/api/projects', { name: 'Versions' })).json;
    expect((await alice('POST', `/api/projects/${project.id}/members`, { username: 'bob', role: 'viewer' })).status).toBe(201);
    const heard: Record<'alice' | 'bob' | 'mallory', VersionsChangedEvent[]> = { alice: [], bob: [], mallory: [] };
    for (const who of ['alice', 'bob', 'mallory'] as const) {
      const s = connect(tokens[who]);
      await connected(s);
      s.on('versions:changed', (e) => heard[who].push(e));
      if (who !== 'mallory') expect(await join(s, project.id)).toMatchObject({ ok: true });
    }

    const saved = await alice('POST', `/api/projects/${project.id}/versions`, { name: 'first cut' });
    expect(saved.status).toBe(201);
    await until('the viewer to hear the save', () => heard.bob.length === 1);
    expect(heard.bob[0]).toEqual({ project_id: project.id, change: 'saved', version_id: saved.json.id, name: 'first cut', backup_id: null, by: 'alice' });

    const restored = await alice('POST', `/api/projects/${project.id}/versions/${saved.json.id}/restore`);
    expect(restored.status).toBe(200);
    await until('the viewer to hear the restore', () => heard.bob.length === 2);
    expect(heard.bob[1]).toEqual({
      project_id: project.id,
      change: 'restored',
      version_id: saved.json.id,
      name: 'first cut',
      backup_id: restored.json.backup.id,
      by: 'alice',
    });

    expect((await alice('DELETE', `/api/projects/${project.id}/versions/${saved.json.id}`)).status).toBe(204);
    await until('the viewer to hear the delete', () => heard.bob.length === 3);
    expect(heard.bob[2]).toMatchObject({ change: 'deleted', version_id: saved.json.id, name: 'first cut', by: 'alice' });
    // The one who made the changes hears them too (other tabs of hers refresh alike).
    await until('alice to hear all three', () => heard.alice.length === 3);
    expect(heard.alice.map((e) => e.change)).toEqual(['saved', 'restored', 'deleted']);

    // A refused change announces nothing; a connected non-member hears nothing at all.
    expect((await alice('DELETE', `/api/projects/${project.id}/versions/${saved.json.id}`)).status).toBe(404);
    expect((await apiClient(t.baseUrl, tokens.bob)('POST', `/api/projects/${project.id}/versions`, { name: 'viewer' })).status).toBe(403);
    expect((await alice('POST', `/api/projects/${project.id}/versions`, { name: 'second' })).status).toBe(201);
    await until('the viewer to hear the second save', () => heard.bob.length === 4);
    expect(heard.bob[3]).toMatchObject({ change: 'saved', name: 'second' });
    expect(heard.mallory).toEqual([]);
  });

  it('refuses to join a project to a non-member or with a bad id, and tells a removed member', async () => {
    const alice = apiClient(t.baseUrl, tokens.alice);
    const project = (await alice('POST', '/api/projects', { name: 'Rooms' })).json;
    const mallory = connect(tokens.mallory);
    await connected(mallory);
    expect(await join(mallory, project.id)).toMatchObject({ ok: false, code: 404 });
    expect(await join(mallory, '../etc')).toMatchObject({ ok: false, code: 400 });

    expect((await alice('POST', `/api/projects/${project.id}/members`, { username: 'mallory', role: 'viewer' })).status).toBe(201);
    expect(await join(mallory, project.id)).toMatchObject({ ok: true, role: 'viewer' });
    const revoked = new Promise((res) => mallory.once('project:revoked', res));
    expect((await alice('DELETE', `/api/projects/${project.id}/members/${ids.mallory}`)).status).toBe(204);
    expect(await revoked).toEqual({ project_id: project.id, reason: 'removed' });
  });

  it('tells a member in the room that their role changed, and nobody else', async () => {
    const alice = apiClient(t.baseUrl, tokens.alice);
    const project = (await alice('POST', '/api/projects', { name: 'Roles' })).json;
    expect((await alice('POST', `/api/projects/${project.id}/members`, { username: 'bob', role: 'viewer' })).status).toBe(201);
    const bob = connect(tokens.bob);
    const owner = connect(tokens.alice);
    await Promise.all([connected(bob), connected(owner)]);
    expect(await join(bob, project.id)).toMatchObject({ ok: true, role: 'viewer' });
    expect(await join(owner, project.id)).toMatchObject({ ok: true, role: 'owner' });
    const heard: { bob: unknown[]; alice: unknown[] } = { bob: [], alice: [] };
    bob.on('project:role', (e) => heard.bob.push(e));
    owner.on('project:role', (e) => heard.alice.push(e));

    expect((await alice('PATCH', `/api/projects/${project.id}/members/${ids.bob}`, { role: 'editor' })).status).toBe(200);
    await until('bob to hear he may edit', () => heard.bob.length === 1);
    expect(heard.bob[0]).toEqual({ project_id: project.id, role: 'editor' });
    expect((await alice('PATCH', `/api/projects/${project.id}/members/${ids.bob}`, { role: 'viewer' })).status).toBe(200);
    await until('bob to hear he may only view', () => heard.bob.length === 2);
    expect(heard.bob[1]).toEqual({ project_id: project.id, role: 'viewer' });
    // Re-joining says the role too, for a socket that was away when it changed.
    expect(await join(bob, project.id)).toMatchObject({ ok: true, role: 'viewer' });
    expect(heard.alice).toEqual([]);
  });
  it('tells every signed-in socket when the queue moves, a batch as one notice, naming no task', async () => {
    const admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    // Mallory has no task and is in no project: she still learns that places moved.
    const mallory = connect(tokens.mallory);
    await connected(mallory);
    const notices: unknown[] = [];
    mallory.on('queue:changed', (e) => notices.push(e));
    expect((await admin('POST', '/api/admin/queue/pause')).status).toBe(200);
    await until('the pause notice', () => notices.length === 1);
    expect(notices[0]).toEqual({ paused: true });
    const alice = apiClient(t.baseUrl, tokens.alice);
    const batch = await alice('POST', '/api/tasks/batch', { prompts: ['一', '二', '三', '四', '五'].map((n) => `第${n}个短片：山间的小路`) });
    expect(batch.status).toBe(201);
    await until('the batch notice', () => notices.length === 2);
    expect(notices[1]).toEqual({ paused: true });
    expect((await admin('POST', '/api/admin/queue/resume')).status).toBe(200);
    for (const id of batch.json.task_ids as string[]) expect((await waitForTask(t.baseUrl, tokens.alice, id)).status).toBe('completed');
    await until('the notices of the queue moving', () => notices.some((n) => (n as { paused: boolean }).paused === false));
    // Five tasks queued at once were one notice; starting and ending them a handful more, not one per event.
    expect(notices.length).toBeLessThan(2 + 5 * 2 + 2);
  });
});
