import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '@reelcraft/shared';
import { ADMIN_PASSWORD, apiClient, login, startTestApp, testDatabases, waitForTask, type TestApp } from '../src/testing/test-app';

/** The HTTP API against the real application, once on SQLite and once on PostgreSQL. */
describe.each(testDatabases())('API on %s', (kind) => {
  let t: TestApp;
  let admin: ReturnType<typeof apiClient>;
  let alice: ReturnType<typeof apiClient>;
  let bob: ReturnType<typeof apiClient>;
  let aliceId: string;
  let aliceToken: string;

  beforeAll(async () => {
    // Small frames keep this file fast; the functional test renders at the default size.
    t = await startTestApp(kind, { RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12', LOGIN_MAX_FAILURES: '3' });
    admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    const created = await admin('POST', '/api/users', { username: 'alice', password: 'alice-password' });
    expect(created.status).toBe(201);
    aliceId = created.json.id;
    await admin('POST', '/api/users', { username: 'bob', password: 'bob-password' });
    aliceToken = await login(t.baseUrl, 'alice', 'alice-password');
    alice = apiClient(t.baseUrl, aliceToken);
    bob = apiClient(t.baseUrl, await login(t.baseUrl, 'bob', 'bob-password'));
  });
  afterAll(async () => t?.close());

  it('answers health without a token, and 401 elsewhere without one', async () => {
    const anon = apiClient(t.baseUrl);
    expect((await anon('GET', '/api/health')).json).toMatchObject({ status: 'ok', database: kind });
    const res = await anon('GET', '/api/tasks');
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect((await apiClient(t.baseUrl, 'not-a-real-token')('GET', '/api/users/me')).status).toBe(401);
  });

  it('tells who is signed in, and keeps admin routes for admins', async () => {
    expect((await alice('GET', '/api/users/me')).json).toMatchObject({ username: 'alice', role: 'user', disabled: false });
    const forbidden = await alice('GET', '/api/users');
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.message).toMatch(/admin/);
    const list = await admin('GET', '/api/users');
    expect(list.json.items.map((u: { username: string }) => u.username)).toEqual(['admin', 'alice', 'bob']);
  });

  it('finds users by any part of the name whatever its case, taking _ and % as themselves', async () => {
    for (const username of ['Ada_Lo', 'adaxlo']) expect((await admin('POST', '/api/users', { username, password: 'ada-password' })).status).toBe(201);
    const found = async (q: string) => ((await admin('GET', `/api/users?q=${encodeURIComponent(q)}`)).json.items as { username: string }[]).map((u) => u.username).sort();
    expect(await found('ADA')).toEqual(['Ada_Lo', 'adaxlo']);
    expect(await found('a_l')).toEqual(['Ada_Lo']);
    expect(await found('%')).toEqual([]);
  });

  it('answers 409 to every create of a name but the first, also when they race (the database decides)', async () => {
    for (const name of ['race-1', 'race-2', 'race-3']) {
      const statuses = (await Promise.all([1, 2, 3].map(() => admin('POST', '/api/users', { username: name, password: 'race-password' })))).map((r) => r.status);
      expect(statuses.sort()).toEqual([201, 409, 409]);
    }
  });

  it('creates a task and renders it; only its owner (and admins) can see it', async () => {
    const created = await alice('POST', '/api/tasks', { prompt: '海边的日落，海浪和飞鸟' });
    expect(created.status).toBe(201);
    const id = created.json.task_id;
    const view = await waitForTask(t.baseUrl, aliceToken, id);
    expect(view).toMatchObject({ status: 'completed', error: null, progress: 1 });
    expect(view.result.video_url).toBe(`/api/tasks/${id}/video`);
    expect(view.result.clips).toHaveLength(view.result.storyboard.length);

    expect((await bob('GET', `/api/tasks/${id}`)).status).toBe(404);
    expect((await bob('GET', `/api/tasks/${id}/video`)).status).toBe(404);
    expect((await bob('DELETE', `/api/tasks/${id}`)).status).toBe(404);
    expect((await bob('GET', '/api/tasks')).json.total).toBe(0);
    expect((await admin('GET', `/api/tasks/${id}`)).json.owner).toBe('alice');

    const range = await alice('GET', `/api/tasks/${id}/video`, undefined, { range: 'bytes=0-99' });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toMatch(/^bytes 0-99\/\d+$/);
    expect(range.headers.get('content-type')).toBe('video/mp4');
    const clip = await alice('GET', `/api/tasks/${id}/clips/1`, undefined, { range: 'bytes=0-9' });
    expect(clip.status).toBe(206);

    expect((await alice('DELETE', `/api/tasks/${id}`)).status).toBe(204);
    expect((await alice('GET', `/api/tasks/${id}`)).status).toBe(404);
  });

  it('takes a batch, lists it newest first, and cancels pending work', async () => {
    const batch = await bob('POST', '/api/tasks/batch', { prompts: ['森林探险', '城市夜景', '海滩日落'] });
    expect(batch.status).toBe(201);
    expect(batch.json.task_ids).toHaveLength(3);
    const [, second, third] = batch.json.task_ids;
    // With one render at a time the last two are still waiting.
    const cancelled = await bob('POST', `/api/tasks/${third}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe('cancelled');
    expect((await bob('POST', `/api/tasks/${third}/cancel`)).status).toBe(409);
    const page = await bob('GET', '/api/tasks?page=1&page_size=2');
    expect(page.json).toMatchObject({ total: 3, page: 1, page_size: 2 });
    expect(page.json.items.map((i: { task_id: string }) => i.task_id)).toEqual([third, second]);
    for (const id of batch.json.task_ids) expect((await bob('DELETE', `/api/tasks/${id}`)).status).toBe(204);
  });

  it('rejects bad input with a clear 4xx, never a 500 or a stack', async () => {
    const empty = await alice('POST', '/api/tasks', { prompt: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.json.message).toMatch(/prompt must not be empty/);
    const long = await alice('POST', '/api/tasks', { prompt: 'x'.repeat(LIMITS.prompt.max + 1) });
    expect(long.status).toBe(400);
    expect(long.json.message).toMatch(`at most ${LIMITS.prompt.max} characters`);
    expect((await alice('POST', '/api/tasks', { prompt: 42 })).json.message).toMatch(/prompt must be a string/);
    expect((await alice('POST', '/api/tasks', { prompt: 'ok', extra: 1 })).status).toBe(400);
    expect((await alice('POST', '/api/tasks')).status).toBe(400);
    const malformed = await alice('POST', '/api/tasks', '{"prompt": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json.message).toMatch(/not valid JSON/);
    const huge = await alice('POST', '/api/tasks', JSON.stringify({ prompt: 'x'.repeat(LIMITS.jsonBodyBytes + 10) }));
    expect(huge.status).toBe(413);
    expect((await alice('POST', '/api/tasks/batch', { prompts: [] })).status).toBe(400);
    expect((await alice('GET', '/api/tasks/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await alice('GET', '/api/tasks/not-an-id')).status).toBe(404);
    expect((await alice('GET', '/api/tasks?page=0')).status).toBe(400);
    expect((await alice('GET', '/api/nothing-here')).status).toBe(404);
    for (const res of [empty, long, malformed, huge]) expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('ends sessions on logout, on disable and on password reset', async () => {
    const token = await login(t.baseUrl, 'alice', 'alice-password');
    const session = apiClient(t.baseUrl, token);
    expect((await session('POST', '/api/users/logout')).status).toBe(204);
    expect((await session('GET', '/api/users/me')).status).toBe(401);

    expect((await admin('POST', `/api/users/${aliceId}/password`, { password: 'new-alice-password' })).status).toBe(204);
    expect((await alice('GET', '/api/users/me')).status).toBe(401);
    const fresh = apiClient(t.baseUrl, await login(t.baseUrl, 'alice', 'new-alice-password'));
    expect((await admin('PATCH', `/api/users/${aliceId}`, { disabled: true })).json.disabled).toBe(true);
    expect((await fresh('GET', '/api/users/me')).status).toBe(401);
    expect((await apiClient(t.baseUrl)('POST', '/api/users/login', { username: 'alice', password: 'new-alice-password' })).status).toBe(401);
    expect((await admin('PATCH', `/api/users/${aliceId}`, { disabled: false, role: 'admin' })).json.role).toBe('admin');
    expect((await admin('POST', '/api/users', { username: 'bob', password: 'another-password' })).status).toBe(409);
    expect((await admin('POST', '/api/users', { username: 'x', password: 'short' })).json.issues.length).toBe(2);
  });

  it('documents itself with OpenAPI', async () => {
    const doc = await apiClient(t.baseUrl)('GET', '/api/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(['/api/tasks', '/api/tasks/{id}', '/api/users/login', '/api/tasks/batch']));
    expect(doc.json.paths['/api/tasks'].post.requestBody.content['application/json'].schema.properties.prompt.maxLength).toBe(LIMITS.prompt.max);
  });

  // Last: the lock also covers the test client's address.
  it('throttles repeated failed sign-ins with 429 and Retry-After', async () => {
    const anon = apiClient(t.baseUrl);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await anon('POST', '/api/users/login', { username: 'bob', password: 'wrong' })).status);
    // The third failure for this username from this address locks the pair.
    expect(statuses).toEqual([401, 401, 401]);
    const locked = await anon('POST', '/api/users/login', { username: 'bob', password: 'bob-password' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
