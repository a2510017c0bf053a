import { newScene, sceneText, type ClientToServerEvents, type DocumentFilterHitsEvent, type PlannerDoneEvent, type ServerToClientEvents, type Storyboard, type TaskFailedEvent } from '@reelcraft/shared';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/bootstrap';
import { ProjectsService } from '../src/projects/projects.service';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, login, startTestApp, testDatabases, waitForTask, type TestApp } from '../src/testing/test-app';
import { connectEditor, synced, until, type Editor } from './support/collab-clients';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

function storyboard(descriptions: string[], subtitles: string[] = []): Storyboard {
  return {
    title: 'Harbour',
    language: 'zh',
    style: { style_prompt: '', negative_prompt: '', seed: 0, aspect: '16:9', width: 160, height: 90, fps: 8 },
    characters: [],
    music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
    scenes: descriptions.map((description, i) => ({ ...newScene({ description, subtitle: subtitles[i] ?? '' }), duration_sec: 2 })),
  };
}

/** The content filter at every stage, the review queue, the audit log and the admin API, on SQLite and PostgreSQL. */
describe.each(testDatabases())('content filter and admin API on %s', (kind) => {
  let t: TestApp;
  let admin: ReturnType<typeof apiClient>;
  let user: ReturnType<typeof apiClient>;
  let userToken: string;
  let second: NestExpressApplication | null = null;
  const editors: Editor[] = [];
  const sockets: ClientSocket[] = [];

  const rule = async (body: Record<string, unknown>) => {
    const res = await admin('POST', '/api/admin/filter-rules', body);
    expect(res.status, res.text).toBe(201);
    return res.json.id as string;
  };
  const taskCount = async () => (await user('GET', '/api/tasks?page_size=1')).json.total as number;
  const audit = async (query: string) => (await admin('GET', `/api/admin/audit?${query}`)).json.items as any[];

  beforeAll(async () => {
    t = await startTestApp(kind, { RENDER_WIDTH: '160', RENDER_HEIGHT: '90', RENDER_FPS: '8' });
    admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    expect((await admin('POST', '/api/users', { username: 'wen', password: 'wen-password' })).status).toBe(201);
    userToken = await login(t.baseUrl, 'wen', 'wen-password');
    user = apiClient(t.baseUrl, userToken);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const e of editors) e.destroy();
    await second?.close();
    await t?.close();
  });

  it('keeps every admin route from users (403) and from the signed-out (401)', async () => {
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/admin/filter-rules'],
      ['POST', '/api/admin/filter-rules', { pattern: 'x', category: 'c', action: 'block' }],
      ['PATCH', '/api/admin/filter-rules/00000000-0000-4000-8000-000000000000', { enabled: false }],
      ['DELETE', '/api/admin/filter-rules/00000000-0000-4000-8000-000000000000'],
      ['POST', '/api/admin/filter-rules/test', { text: 'x' }],
      ['POST', '/api/admin/filter-rules/import', { format: 'lines', text: 'x', category: 'c', action: 'block' }],
      ['GET', '/api/admin/filter-rules/export?format=csv'],
      ['GET', '/api/admin/reviews'],
      ['POST', '/api/admin/reviews/00000000-0000-4000-8000-000000000000/approve', {}],
      ['POST', '/api/admin/reviews/00000000-0000-4000-8000-000000000000/reject', {}],
      ['GET', '/api/admin/audit'],
      ['GET', '/api/admin/status'],
      ['GET', '/api/admin/tasks'],
      ['GET', '/api/admin/models'],
      ['GET', '/api/users?q=a'],
    ];
    for (const [method, path, body] of routes) {
      expect((await user(method, path, body)).status, `${method} ${path}`).toBe(403);
      expect((await apiClient(t.baseUrl)(method, path, body)).status, `${method} ${path}`).toBe(401);
    }
    // Entries cannot be changed or deleted through the API: there is no such route.
    expect((await admin('DELETE', '/api/admin/audit')).status).toBe(404);
    expect((await admin('PATCH', '/api/admin/audit/x', {})).status).toBe(404);
  });

  it('refuses a regular expression that could hang the server, with the reason, and a duplicate rule', async () => {
    const bad = await admin('POST', '/api/admin/filter-rules', { pattern: '(a+)+$', kind: 'regex', category: 'test', action: 'block' });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/.{10,}/);
    await rule({ pattern: '博彩', category: 'gambling', action: 'block' });
    expect((await admin('POST', '/api/admin/filter-rules', { pattern: '博彩', category: 'gambling', action: 'mask' })).status).toBe(409);
  });

  it('blocks a prompt with 422 naming the category and span, stores nothing but the audit entry; the next request after a change sees it', async () => {
    const before = await taskCount();
    const res = await user('POST', '/api/tasks', { prompt: '一段关于网上博彩的广告' });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ code: 'content_blocked', category: 'gambling', span: { start: 6, end: 8, text: '博彩' } });
    expect((await user('POST', '/api/tasks/batch', { prompts: ['森林里的河流', '博 彩 指南'] })).status).toBe(422);
    expect(await taskCount()).toBe(before);
    const [hit] = await audit('kind=filter_hit&username=wen');
    expect(hit).toMatchObject({ action: 'filter.block', username: 'wen', detail: { stage: 'prompt' } });
    expect(hit.detail.matches[0]).toMatchObject({ category: 'gambling', text: '博 彩' });

    // A rule change applies to the very next request, with no restart.
    const id = (await admin('GET', '/api/admin/filter-rules?q=博彩')).json.items[0].id;
    expect((await admin('PATCH', `/api/admin/filter-rules/${id}`, { enabled: false })).status).toBe(200);
    const allowed = await user('POST', '/api/tasks', { prompt: '一段关于博彩历史的纪录片' });
    expect(allowed.status).toBe(201);
    await user('POST', `/api/tasks/${allowed.json.task_id}/cancel`);
    expect((await admin('PATCH', `/api/admin/filter-rules/${id}`, { enabled: true })).status).toBe(200);
    expect((await user('POST', '/api/tasks', { prompt: '博彩' })).status).toBe(422);
    expect((await admin('GET', '/api/admin/filter-rules?q=gambling')).json.items[0].hits).toBeGreaterThanOrEqual(3);
  });

  it('applies a rule change made through one server process to the next request on another', async () => {
    second = await createApp(t.config);
    await second.listen(0, '127.0.0.1');
    const other = apiClient(`http://127.0.0.1:${(second.getHttpServer().address() as { port: number }).port}`, userToken);
    expect((await other('POST', '/api/projects', { name: '走私路线' })).status).toBe(201);
    await rule({ pattern: '走私', category: 'smuggling', action: 'block' });
    const refused = await other('POST', '/api/projects', { name: '走私路线' });
    expect(refused.status).toBe(422);
    expect(refused.json.category).toBe('smuggling');
    await second.close();
    second = null;
  });

  it('masks names, version names and prompts: stored and used masked, the original never stored', async () => {
    await rule({ pattern: 'darn', category: 'mild', action: 'mask' });
    const project = await user('POST', '/api/projects', { name: 'Darn harbour' });
    expect(project.status).toBe(201);
    expect(project.json.name).toBe('＊＊＊＊ harbour');
    const renamed = await user('PATCH', `/api/projects/${project.json.id}`, { name: 'the d.a.r.n boats' });
    expect(renamed.json.name).toBe('the ＊＊＊＊＊＊＊ boats');
    await t.app.get(StoryboardStore).initialise(project.json.id, storyboard(['港口的清晨']));
    const version = await user('POST', `/api/projects/${project.json.id}/versions`, { name: 'darn good' });
    expect(version.status).toBe(201);
    expect(version.json.name).toBe('＊＊＊＊ good');
    const task = await user('POST', '/api/tasks', { prompt: 'A DARN quiet harbour at dawn' });
    expect((await user('GET', `/api/tasks/${task.json.task_id}`)).json.prompt).toBe('A ＊＊＊＊ quiet harbour at dawn');
    await user('POST', `/api/tasks/${task.json.task_id}/cancel`);
  });

  it('holds a prompt for review, then renders it once an admin approves, and fails it when rejected', async () => {
    await rule({ pattern: '选举', category: 'politics', action: 'review' });
    const held = await user('POST', '/api/tasks', { prompt: '关于选举日的短片' });
    expect(held.status).toBe(201);
    expect((await user('GET', `/api/tasks/${held.json.task_id}`)).json.status).toBe('held');
    const other = await user('POST', '/api/tasks', { prompt: '选举之后的城市' });
    const queue = (await admin('GET', '/api/admin/reviews?status=pending')).json.items as any[];
    const item = queue.find((i) => i.target_id === held.json.task_id);
    expect(item).toMatchObject({ kind: 'task', stage: 'prompt', username: 'wen', status: 'pending' });
    expect((await admin('GET', '/api/admin/tasks?status=held')).json.total).toBeGreaterThanOrEqual(2);

    expect((await admin('POST', `/api/admin/reviews/${item.id}/approve`, {})).json.status).toBe('approved');
    expect((await admin('POST', `/api/admin/reviews/${item.id}/reject`, {})).status).toBe(409);
    expect((await waitForTask(t.baseUrl, userToken, held.json.task_id)).status).toBe('completed');

    const second = queue.find((i) => i.target_id === other.json.task_id);
    await admin('POST', `/api/admin/reviews/${second.id}/reject`, { note: 'not for this channel' });
    const rejected = (await user('GET', `/api/tasks/${other.json.task_id}`)).json;
    expect(rejected).toMatchObject({ status: 'failed', failure_code: 'review_rejected', error: expect.stringMatching(/rejected.*not for this channel/) });
    expect((await audit('kind=admin_action&username=admin')).map((e) => e.action)).toEqual(expect.arrayContaining(['review.approve', 'review.reject', 'rule.create', 'rule.update']));
  });

  it('refuses a render whose storyboard holds blocked text (422, every scene and span), and masks masked text in the plan', async () => {
    await rule({ pattern: '毒品', category: 'drugs', action: 'block' });
    await rule({ pattern: '笨蛋', category: 'insult', action: 'mask', stages: ['render'] });
    const project = (await user('POST', '/api/projects', { name: 'Night market' })).json.id as string;
    await t.app.get(StoryboardStore).initialise(project, storyboard(['夜市的灯笼', '角落里的毒品交易', '人群散去'], ['', '', '毒·品']));
    const refused = await user('POST', `/api/projects/${project}/render`);
    expect(refused.status).toBe(422);
    expect(refused.json.code).toBe('content_blocked');
    expect(refused.json.scenes).toEqual([
      expect.objectContaining({ scene_number: 2, field: 'description', category: 'drugs', start: 4, end: 6, text: '毒品' }),
      expect.objectContaining({ scene_number: 3, field: 'subtitle', category: 'drugs', text: '毒·品' }),
    ]);

    const masked = (await user('POST', '/api/projects', { name: 'Quiet market' })).json.id as string;
    await t.app.get(StoryboardStore).initialise(masked, storyboard(['夜市的灯笼'], ['你这个笨蛋']));
    const started = await user('POST', `/api/projects/${masked}/render`);
    expect(started.status).toBe(201);
    const done = await waitForTask(t.baseUrl, userToken, started.json.task_id);
    expect(done.status).toBe('completed');
    expect(done.result.storyboard[0].subtitle).toBe('你这个＊＊');
  });

  it("masks the planner's output before it reaches the storyboard", async () => {
    await rule({ pattern: '鲨鱼', category: 'scary', action: 'mask', stages: ['planner_output'] });
    const task = await user('POST', '/api/tasks', { prompt: '海边的鲨鱼和孩子们' });
    expect(task.status).toBe(201);
    const done = await waitForTask(t.baseUrl, userToken, task.json.task_id);
    expect(done.status).toBe('completed');
    const texts = done.result.storyboard.map((s: { description: string; subtitle: string }) => s.description + s.subtitle).join('');
    expect(texts).not.toContain('鲨鱼');
    expect(texts).toContain('＊＊');
  });

  it('fails a task whose planned storyboard the filter blocks with content_blocked: stored, listed, and in task:failed and planner:done', async () => {
    await rule({ pattern: '狐狸', category: 'animals', action: 'block', stages: ['planner_output'] });
    const planned: PlannerDoneEvent[] = [];
    const sub = t.app.get(ProjectsService).planningProgress.subscribe((p) => p.kind === 'done' && planned.push(p.event));
    // The owner's sockets hear their tasks' ends without joining a project.
    const s: ClientSocket = io(t.baseUrl, { path: '/socket.io', transports: ['websocket'], auth: { token: userToken }, reconnection: false });
    sockets.push(s);
    const failedEvents: TaskFailedEvent[] = [];
    s.on('task:failed', (e) => failedEvents.push(e));
    await new Promise<void>((res) => s.on('connect', () => res()));
    try {
      const task = (await user('POST', '/api/tasks', { prompt: '森林里的狐狸和兔子' })).json.task_id as string;
      const done = await waitForTask(t.baseUrl, userToken, task);
      expect(done).toMatchObject({ status: 'failed', failure_code: 'content_blocked', error: expect.stringMatching(/content filter stopped/) });
      const listed = ((await user('GET', '/api/tasks?page_size=50')).json.items as { task_id: string; failure_code: string | null }[]).find((x) => x.task_id === task);
      expect(listed?.failure_code).toBe('content_blocked');
      expect(await until('task:failed', () => failedEvents.find((e) => e.task_id === task))).toMatchObject({ failure_code: 'content_blocked', error: expect.stringMatching(/content filter stopped/) });
      expect(await until('planner:done', () => planned.find((e) => e.task_id === task))).toMatchObject({ ok: false, failure_code: 'content_blocked', planner: null });
      // A retry waits clean: no code left over from the failure (the queue is paused, so it waits).
      await admin('POST', '/api/admin/queue/pause');
      const retried = await user('POST', `/api/tasks/${task}/retry`);
      expect(retried.json).toMatchObject({ status: 'pending', error: null, failure_code: null });
    } finally {
      await admin('POST', '/api/admin/queue/resume');
      sub.unsubscribe();
    }
  });

  it('tells the members of a live storyboard where blocked text is, debounced, without the rules', async () => {
    await rule({ pattern: '炸弹', category: 'weapons', action: 'block' });
    const project = (await user('POST', '/api/projects', { name: 'Harbour live' })).json.id as string;
    await t.app.get(StoryboardStore).initialise(project, storyboard(['港口的清晨']));
    const s: ClientSocket = io(t.baseUrl, { path: '/socket.io', transports: ['websocket'], auth: { token: userToken }, reconnection: false });
    sockets.push(s);
    const events: DocumentFilterHitsEvent[] = [];
    s.on('filter:hits', (e) => events.push(e));
    await new Promise((res) => s.emit('project:join', { project_id: project }, res));
    const e = connectEditor(t.baseUrl, project, userToken);
    editors.push(e);
    await synced(e);
    sceneText(e.doc, 0, 'description').insert(5, '，船上有炸弹');
    const hits = await until('the filter hits', () => events.find((x) => x.hits.length)?.hits);
    expect(hits).toEqual([{ scene_id: expect.any(String), field: 'description', start: 9, end: 11, category: 'weapons', action: 'block' }]);
    expect(JSON.stringify(events)).not.toContain('rule');
    const documentHits = async () => (await audit('kind=filter_hit&page_size=200')).filter((x) => x.detail.stage === 'document').length;
    const audited = await documentHits();
    expect(audited).toBeGreaterThan(0);
    // Typing before the word moves the mark, and the same word is not audited again.
    sceneText(e.doc, 0, 'description').insert(0, '远处');
    await until('the moved hit', () => events.at(-1)?.hits[0]?.start === 11);
    expect(await documentHits()).toBe(audited);
    sceneText(e.doc, 0, 'description').delete(11, 2);
    await until('the hits to clear', () => events.at(-1)?.hits.length === 0);
  });

  it('tries a text, imports and exports word lists, and reports the system', async () => {
    const tried = await admin('POST', '/api/admin/filter-rules/test', { text: '别去博彩，也别碰毒品' });
    expect(tried.json.verdict).toBe('block');
    expect(tried.json.matches.map((m: { text: string }) => m.text)).toEqual(['博彩', '毒品']);

    const lines = await admin('POST', '/api/admin/filter-rules/import', { format: 'lines', text: '赌场\n赌场\n毒品\n\n  \n老虎机\n...\n', category: 'gambling', action: 'block' });
    expect(lines.json).toMatchObject({ added: 2, skipped_duplicates: 2 });
    expect(lines.json.refused).toEqual([expect.objectContaining({ line: 7, text: '...' })]);
    const csv = await admin('POST', '/api/admin/filter-rules/import', { format: 'csv', text: 'pattern,category,action\n"spam, eggs",junk,mask\nfoo,junk,explode\n' });
    expect(csv.json).toMatchObject({ added: 1, skipped_duplicates: 0, refused: [expect.objectContaining({ line: 3 })] });
    const exported = await admin('GET', '/api/admin/filter-rules/export?format=csv');
    expect(exported.headers.get('content-disposition')).toMatch(/attachment/);
    expect(exported.text).toContain('"spam, eggs",junk,mask,word,true');
    expect((await admin('GET', '/api/admin/filter-rules/export?format=lines')).text.split('\n')).toContain('老虎机');

    const status = (await admin('GET', '/api/admin/status')).json;
    expect(status).toMatchObject({ database: kind, version: expect.any(String), queue: { pending: expect.any(Number), held: expect.any(Number), running: expect.any(Number) } });
    expect(status.data_dir.used_bytes).toBeGreaterThan(0);
    expect(status.data_dir.free_bytes).toBeGreaterThan(0);
    expect((await admin('GET', '/api/users?q=we')).json.items.map((u: { username: string }) => u.username)).toEqual(['wen']);
  });
});
