import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleBasedPlanner } from '@reelcraft/inference';
import { LIMITS, type Storyboard } from '@reelcraft/shared';
import { ProjectsService, type MembershipChange } from '../src/projects/projects.service';
import { ADMIN_PASSWORD, apiClient, login, startTestApp, testDatabases, until, type TestApp } from '../src/testing/test-app';

type Client = ReturnType<typeof apiClient>;
const planner = new RuleBasedPlanner();
const planned = (sb: Storyboard) => sb.scenes.map((s) => [s.description, s.subtitle, s.camera.shot, s.camera.move, s.duration_sec]);
const fromPlan = (prompt: string) => planner.planSync(prompt).scenes.map((s) => [s.description, s.subtitle, s.camera.shot, s.camera.move, s.duration_sec]);

/** /api/projects against the real application, once on SQLite and once on PostgreSQL. */
describe.each(testDatabases())('projects API on %s', (kind) => {
  let t: TestApp;
  let admin: Client;
  const users: Record<'alice' | 'bob' | 'carol' | 'dave', { id: string; call: Client }> = {} as never;

  beforeAll(async () => {
    t = await startTestApp(kind, { RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12' });
    admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    for (const name of ['alice', 'bob', 'carol', 'dave'] as const) {
      const created = await admin('POST', '/api/users', { username: name, password: `${name}-password` });
      users[name] = { id: created.json.id, call: apiClient(t.baseUrl, await login(t.baseUrl, name, `${name}-password`)) };
    }
  });
  afterAll(async () => t?.close());

  const alice = () => users.alice.call;
  const bob = () => users.bob.call;
  const carol = () => users.carol.call;
  const dave = () => users.dave.call;

  it('creates an empty project, and one whose storyboard the planner writes from a prompt', async () => {
    const empty = await alice()('POST', '/api/projects', { name: '  Forest trip ' });
    expect(empty.status).toBe(201);
    expect(empty.json).toMatchObject({ name: 'Forest trip', owner: 'alice', owner_id: users.alice.id, role: 'owner', task_id: null });
    expect(empty.json.members).toEqual([{ user_id: users.alice.id, username: 'alice', role: 'owner', added_at: expect.any(String) }]);
    const sb = await alice()('GET', `/api/projects/${empty.json.id}/storyboard`);
    expect(sb.status).toBe(200);
    expect(sb.json).toMatchObject({ title: 'Forest trip', language: 'en', scenes: [], characters: [] });

    const prompt = '制作一段关于森林探险的短视频，包含河流和小动物';
    const planned1 = await alice()('POST', '/api/projects', { name: '森林探险', prompt });
    expect(planned1.status).toBe(201);
    // The answer comes at once; the planned scenes then arrive in the live document one by one.
    const story = await until('the planned scenes', async () => {
      const sb = (await alice()('GET', `/api/projects/${planned1.json.id}/storyboard`)).json as Storyboard;
      return sb.scenes.length === fromPlan(prompt).length && sb;
    });
    expect(story.language).toBe('zh');
    expect(planned(story)).toEqual(fromPlan(prompt));
    expect(new Set(story.scenes.map((s) => s.id)).size).toBe(story.scenes.length);
  });

  it('names a project made from a prompt alone after the prompt\'s first clause', async () => {
    const made = await alice()('POST', '/api/projects', { prompt: '制作一段关于森林探险的短视频，包含河流和小动物' });
    expect(made.status).toBe(201);
    expect(made.json.name).toBe('制作一段关于森林探险的短视频');
    expect((await alice()('DELETE', `/api/projects/${made.json.id}`)).status).toBe(204);
  });

  it('suggests usernames to add as the owner types: at most ten, no members, no disabled accounts, only to owners', async () => {
    const { json: p } = await alice()('POST', '/api/projects', { name: 'suggestions' });
    expect((await alice()('POST', `/api/projects/${p.id}/members`, { username: 'bob', role: 'editor' })).status).toBe(201);
    // Twelve accounts holding "sugg", one disabled; "Sugg" in capitals and an "_" that must be taken literally.
    const made: string[] = [];
    for (let i = 0; i < 11; i++) made.push((await admin('POST', '/api/users', { username: `sugg${String(i).padStart(2, '0')}_${kind}`, password: 'suggest-password' })).json.id);
    const off = (await admin('POST', '/api/users', { username: `Sugg_off_${kind}`, password: 'suggest-password' })).json.id as string;
    expect((await admin('PATCH', `/api/users/${off}`, { disabled: true })).status).toBe(200);
    const prefixed = (await admin('POST', '/api/users', { username: `xsugg_${kind}`, password: 'suggest-password' })).json.id as string;

    const all = await alice()('GET', `/api/projects/${p.id}/member-suggestions?q=SUGG`);
    expect(all.status).toBe(200);
    expect(all.json).toHaveLength(10);
    // Names starting with the typed text come first; the disabled one never appears.
    expect(all.json[0]).toBe(`sugg00_${kind}`);
    expect(all.json).not.toContain(`Sugg_off_${kind}`);
    expect(all.json).not.toContain(`xsugg_${kind}`);
    const narrow = await alice()('GET', `/api/projects/${p.id}/member-suggestions?q=${encodeURIComponent(`0_${kind}`)}`);
    expect(narrow.json).toEqual([`sugg00_${kind}`, `sugg10_${kind}`]);
    expect((await alice()('GET', `/api/projects/${p.id}/member-suggestions?q=xsu`)).json).toEqual([`xsugg_${kind}`]);
    // Members are not suggested; "_" is a character, not a wildcard.
    expect((await alice()('GET', `/api/projects/${p.id}/member-suggestions?q=bo`)).json).not.toContain('bob');
    expect((await alice()('GET', `/api/projects/${p.id}/member-suggestions?q=b_b`)).json).toEqual([]);

    expect((await alice()('GET', `/api/projects/${p.id}/member-suggestions?q=`)).status).toBe(400);
    expect((await alice()('GET', `/api/projects/${p.id}/member-suggestions`)).status).toBe(400);
    expect((await bob()('GET', `/api/projects/${p.id}/member-suggestions?q=sugg`)).status).toBe(403);
    expect((await carol()('GET', `/api/projects/${p.id}/member-suggestions?q=sugg`)).status).toBe(404);
    for (const id of [...made, off, prefixed]) await admin('PATCH', `/api/users/${id}`, { disabled: true });
    // Bob is in no project of the tests after this one.
    expect((await alice()('DELETE', `/api/projects/${p.id}`)).status).toBe(204);
  });

  it('answers bad input with 400 and per-field messages', async () => {
    const blank = await alice()('POST', '/api/projects', { name: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.json.issues).toEqual([{ path: 'name', message: 'name must not be empty' }]);
    const long = await alice()('POST', '/api/projects', { name: 'x'.repeat(LIMITS.projectName.max + 1), prompt: 42 });
    expect(long.json.issues).toEqual([
      { path: 'name', message: `name must be at most ${LIMITS.projectName.max} characters` },
      { path: 'prompt', message: 'prompt must be a string' },
    ]);
    expect((await alice()('POST', '/api/projects', { name: 'ok', colour: 'red' })).status).toBe(400);
    const nameless = await alice()('POST', '/api/projects', {});
    expect(nameless.status).toBe(400);
    expect(nameless.json.issues).toEqual([{ path: 'name', message: 'give a name, or a prompt to take the name from' }]);
    expect((await alice()('GET', '/api/projects?scope=everything')).json.issues[0].path).toBe('scope');

    const { json: p } = await alice()('POST', '/api/projects', { name: 'input checks' });
    const badRole = await alice()('POST', `/api/projects/${p.id}/members`, { username: 'bob', role: 'boss' });
    expect(badRole.status).toBe(400);
    expect(badRole.json.issues).toEqual([{ path: 'role', message: 'role must be one of owner, editor, viewer' }]);
    const nobody = await alice()('POST', `/api/projects/${p.id}/members`, { username: 'nobody', role: 'viewer' });
    expect(nobody.status).toBe(404);
    expect(nobody.json.issues).toEqual([{ path: 'username', message: 'no user "nobody"' }]);
    expect((await alice()('DELETE', `/api/projects/${p.id}`)).status).toBe(204);
  });

  it('shares a project with roles; lists mine and shared-with-me; hides it from everyone else', async () => {
    const { json: p } = await alice()('POST', '/api/projects', { name: 'Shared film' });
    expect((await bob()('GET', '/api/projects')).json.items.find((x: { id: string }) => x.id === p.id)).toBeUndefined();

    const added = await alice()('POST', `/api/projects/${p.id}/members`, { username: 'bob', role: 'viewer' });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ user_id: users.bob.id, username: 'bob', role: 'viewer' });
    expect((await alice()('POST', `/api/projects/${p.id}/members`, { username: 'bob', role: 'editor' })).status).toBe(409);
    await alice()('POST', `/api/projects/${p.id}/members`, { username: 'carol', role: 'editor' });

    const bobs = await bob()('GET', '/api/projects');
    expect(bobs.json.total).toBe(1);
    expect(bobs.json.items[0]).toMatchObject({ id: p.id, name: 'Shared film', owner: 'alice', role: 'viewer' });
    const alices = (await alice()('GET', '/api/projects')).json;
    expect(alices.items[0]).toMatchObject({ id: p.id, role: 'owner' });
    expect(alices.items.every((x: { role: string }) => x.role === 'owner')).toBe(true);
    expect((await bob()('GET', `/api/projects/${p.id}/members`)).json.map((m: { username: string; role: string }) => [m.username, m.role])).toEqual([
      ['alice', 'owner'],
      ['bob', 'viewer'],
      ['carol', 'editor'],
    ]);

    // A non-member learns nothing: every route answers 404, as for an id that does not exist.
    for (const [method, path, body] of [
      ['GET', `/api/projects/${p.id}`],
      ['GET', `/api/projects/${p.id}/storyboard`],
      ['GET', `/api/projects/${p.id}/members`],
      ['PATCH', `/api/projects/${p.id}`, { name: 'mine now' }],
      ['DELETE', `/api/projects/${p.id}`],
      ['POST', `/api/projects/${p.id}/members`, { username: 'dave', role: 'owner' }],
      ['POST', `/api/projects/${p.id}/leave`],
      ['GET', '/api/projects/not-a-uuid'],
      ['GET', '/api/projects/00000000-0000-4000-8000-000000000000'],
    ] as const) {
      const res = await dave()(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await dave()('GET', '/api/projects')).json.total).toBe(0);

    // Viewers read; editors rename; only owners manage members or delete.
    expect((await bob()('GET', `/api/projects/${p.id}/storyboard`)).status).toBe(200);
    const viewerRename = await bob()('PATCH', `/api/projects/${p.id}`, { name: 'Bob was here' });
    expect(viewerRename.status).toBe(403);
    const rename = await carol()('PATCH', `/api/projects/${p.id}`, { name: 'Shared film, cut 2' });
    expect(rename.status).toBe(200);
    expect(rename.json).toMatchObject({ name: 'Shared film, cut 2', role: 'editor' });
    expect((await carol()('POST', `/api/projects/${p.id}/members`, { username: 'dave', role: 'viewer' })).status).toBe(403);
    expect((await carol()('PATCH', `/api/projects/${p.id}/members/${users.bob.id}`, { role: 'editor' })).status).toBe(403);
    expect((await carol()('DELETE', `/api/projects/${p.id}`)).status).toBe(403);
    const promoted = await alice()('PATCH', `/api/projects/${p.id}/members/${users.bob.id}`, { role: 'editor' });
    expect(promoted.json).toMatchObject({ username: 'bob', role: 'editor' });
    expect((await bob()('PATCH', `/api/projects/${p.id}`, { name: 'Bob was here' })).status).toBe(200);

    // A member may leave; then the project is gone for them.
    expect((await carol()('POST', `/api/projects/${p.id}/leave`)).status).toBe(204);
    expect((await carol()('GET', `/api/projects/${p.id}`)).status).toBe(404);
  });

  it('always keeps an owner, and lets only an owner delete', async () => {
    const { json: p } = await alice()('POST', '/api/projects', { name: 'Ownership' });
    await alice()('POST', `/api/projects/${p.id}/members`, { username: 'bob', role: 'editor' });
    const service = t.app.get(ProjectsService);
    const removed: MembershipChange[] = [];
    const stop = service.onMembershipChanged((c) => c.role === null && removed.push(c));

    const leave = await alice()('POST', `/api/projects/${p.id}/leave`);
    expect(leave.status).toBe(409);
    expect(leave.json.message).toMatch(/needs an owner/);
    expect((await alice()('DELETE', `/api/projects/${p.id}/members/${users.alice.id}`)).status).toBe(409);
    expect((await alice()('PATCH', `/api/projects/${p.id}/members/${users.alice.id}`, { role: 'viewer' })).status).toBe(409);
    expect(removed).toEqual([]);

    // With a second owner, the first may go; the project is then listed under the one who stays.
    await alice()('PATCH', `/api/projects/${p.id}/members/${users.bob.id}`, { role: 'owner' });
    expect((await alice()('POST', `/api/projects/${p.id}/leave`)).status).toBe(204);
    expect(removed).toEqual([{ project_id: p.id, user_id: users.alice.id, role: null, reason: 'left' }]);
    expect((await bob()('GET', `/api/projects/${p.id}`)).json).toMatchObject({ owner: 'bob', owner_id: users.bob.id });
    expect(await service.roleOf({ id: users.alice.id, role: 'user' }, p.id)).toBeNull();
    expect(await service.roleOf({ id: users.bob.id, role: 'user' }, p.id)).toBe('owner');

    await bob()('POST', `/api/projects/${p.id}/members`, { username: 'carol', role: 'editor' });
    expect((await carol()('DELETE', `/api/projects/${p.id}`)).status).toBe(403);
    expect((await bob()('DELETE', `/api/projects/${p.id}/members/${users.carol.id}`)).status).toBe(204);
    expect(removed.at(-1)).toEqual({ project_id: p.id, user_id: users.carol.id, role: null, reason: 'removed' });
    expect((await bob()('DELETE', `/api/projects/${p.id}`)).status).toBe(204);
    expect(removed.at(-1)).toEqual({ project_id: p.id, user_id: users.bob.id, role: null, reason: 'project-deleted' });
    expect((await bob()('GET', `/api/projects/${p.id}`)).status).toBe(404);
    expect(await service.roleOf({ id: users.bob.id, role: 'user' }, p.id)).toBeNull();
    stop();
  });

  it('adds a member once when two adds race: 201 and 409, one row', async () => {
    const { json: p } = await alice()('POST', '/api/projects', { name: 'Race' });
    const statuses = (await Promise.all(['viewer', 'editor'].map((role) => alice()('POST', `/api/projects/${p.id}/members`, { username: 'dave', role })))).map((r) => r.status);
    expect(statuses.sort()).toEqual([201, 409]);
    expect((await alice()('GET', `/api/projects/${p.id}/members`)).json.filter((m: { username: string }) => m.username === 'dave')).toHaveLength(1);
  });

  it('lets admins open every project as owners', async () => {
    const { json: p } = await dave()('POST', '/api/projects', { name: "Dave's secret" });
    expect((await admin('GET', '/api/projects')).json.items.find((x: { id: string }) => x.id === p.id)).toBeUndefined();
    const all = await admin('GET', '/api/projects?scope=all&page_size=100');
    expect(all.json.items.find((x: { id: string }) => x.id === p.id)).toMatchObject({ owner: 'dave', role: 'owner' });
    expect(all.json.total).toBeGreaterThan(1);
    expect((await dave()('GET', '/api/projects?scope=all')).status).toBe(403);
    expect((await admin('GET', `/api/projects/${p.id}`)).json).toMatchObject({ role: 'owner', members: [{ username: 'dave', role: 'owner' }] });
    expect((await admin('GET', `/api/projects/${p.id}/storyboard`)).status).toBe(200);
    expect((await admin('PATCH', `/api/projects/${p.id}`, { name: 'Reviewed' })).status).toBe(200);
  });

  it('gives every seed-API task a project that receives the planned storyboard', async () => {
    const prompt = 'A city at night with neon lights, rain and a lonely cat';
    const created = await alice()('POST', '/api/tasks', { prompt });
    expect(created.status).toBe(201);
    const taskId = created.json.task_id;
    const project = (await alice()('GET', '/api/projects')).json.items.find((x: { task_id: string }) => x.task_id === taskId);
    // Named by the prompt's first clause, not the whole prompt; the task list shows that name.
    expect(project).toMatchObject({ name: 'A city at night with neon lights', owner: 'alice', role: 'owner' });
    expect((await alice()('GET', `/api/tasks/${taskId}`)).json).toMatchObject({ project_id: project.id, project_name: 'A city at night with neon lights', prompt });
    expect((await alice()('PATCH', `/api/projects/${project.id}`, { name: 'Neon cat' })).status).toBe(200);
    expect((await alice()('GET', '/api/tasks')).json.items.find((x: { task_id: string }) => x.task_id === taskId).project_name).toBe('Neon cat');
    expect((await bob()('GET', `/api/projects/${project.id}`)).status).toBe(404);

    // The queue plans within a second or two, streaming the scenes in; the project then records who planned.
    const record = await until('the planned storyboard', async () => (await alice()('GET', `/api/projects/${project.id}`)).json.planner, 60_000);
    expect(record).toEqual({ planner: 'rule-based', model: null, fallback_reason: null, llm_scenes: 0 });
    const story = (await alice()('GET', `/api/projects/${project.id}/storyboard`)).json as Storyboard;
    expect(planned(story)).toEqual(fromPlan(prompt));

    // Deleting the task keeps the project (people may have edited it) but drops the dead link.
    expect((await alice()('DELETE', `/api/tasks/${taskId}`)).status).toBe(204);
    expect((await alice()('GET', `/api/projects/${project.id}`)).json).toMatchObject({ task_id: null, name: 'Neon cat' });
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = (await apiClient(t.baseUrl)('GET', '/api/docs-json')).json;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/projects', '/api/projects/{id}', '/api/projects/{id}/members', '/api/projects/{id}/members/{userId}', '/api/projects/{id}/leave']),
    );
    // Either field may be left out (a prompt alone names the project); both are documented.
    const create = doc.paths['/api/projects'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(create.properties)).toEqual(expect.arrayContaining(['name', 'prompt']));
  });
});
