import { WORKER_TOKEN_PATTERN, type WorkerHeartbeat } from '@reelcraft/shared';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiClient, login, startTestApp, type DatabaseKind, type TestApp } from '../src/testing/test-app';

const heartbeat = (extra: Partial<WorkerHeartbeat> = {}): WorkerHeartbeat => ({
  worker_id: 'gpu-host-1:4242:k3j2',
  host: 'gpu-host-1',
  pid: 4242,
  device: 'cuda:0',
  slots: 2,
  models: ['sd-turbo', 'qwen2.5-1.5b'],
  precision: 'fp16',
  job: { job_id: 'job-7', task_id: randomUUID(), scene_number: 3, started_at: '2026-12-07T06:50:00.000Z' },
  version: '0.1.0',
  ...extra,
});

/** Worker tokens and heartbeats through the real application, once on SQLite and once on PostgreSQL. */
describe.each<DatabaseKind>(['sqlite', 'postgres'])('worker tokens and heartbeats on %s', (kind) => {
  let t: TestApp;
  let admin: ReturnType<typeof apiClient>;
  let alice: ReturnType<typeof apiClient>;
  const worker = (token?: string) => apiClient(t.baseUrl, token);

  beforeAll(async () => {
    t = await startTestApp(kind);
    admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    expect((await admin('POST', '/api/users', { username: 'alice', password: 'alice-password' })).status).toBe(201);
    alice = apiClient(t.baseUrl, await login(t.baseUrl, 'alice', 'alice-password'));
  });
  afterAll(async () => t?.close());

  it('issues a token, takes heartbeats with it, lists the worker alive, and refuses it once revoked', async () => {
    const issued = await admin('POST', '/api/admin/worker-tokens', { name: '  gpu-host-1  ' });
    expect(issued.status).toBe(201);
    expect(issued.json).toMatchObject({ name: 'gpu-host-1', created_by_username: 'admin', last_used_at: null, revoked_at: null });
    const token: string = issued.json.token;
    expect(token).toMatch(WORKER_TOKEN_PATTERN);

    const beat = heartbeat();
    // Fields the server sets itself are not the worker's to say: they are dropped from the body.
    const accepted = await worker(token)('POST', '/api/workers/heartbeat', { ...beat, token_name: 'spoofed', alive: false, first_seen: '2000-01-01T00:00:00Z' });
    expect(accepted.status).toBe(200);
    expect(accepted.json).toEqual({ heartbeat_ms: 5000 });

    const workers = await admin('GET', '/api/admin/workers');
    expect(workers.status).toBe(200);
    // The server's own local workers are listed too (token "local"); this one is the remote worker.
    expect(workers.json.filter((w: { token_name: string }) => w.token_name !== 'local')).toEqual([
      { ...beat, token_name: 'gpu-host-1', alive: true, first_seen: expect.any(String), last_heartbeat: expect.any(String) },
    ]);

    const tokens = await admin('GET', '/api/admin/worker-tokens');
    expect(tokens.json).toEqual([expect.objectContaining({ id: issued.json.id, name: 'gpu-host-1', revoked_at: null, last_used_at: expect.any(String) })]);
    // The plaintext was in the answer that issued it, and nowhere after.
    expect(tokens.text).not.toContain(token);
    expect(tokens.json[0]).not.toHaveProperty('token');
    expect(tokens.json[0]).not.toHaveProperty('token_hash');

    expect((await admin('DELETE', `/api/admin/worker-tokens/${issued.json.id}`)).status).toBe(204);
    const refused = await worker(token)('POST', '/api/workers/heartbeat', beat);
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: 'worker token missing, unknown or revoked' });
    // Revoking again changes nothing; the list shows it revoked.
    expect((await admin('DELETE', `/api/admin/worker-tokens/${issued.json.id}`)).status).toBe(204);
    expect((await admin('GET', '/api/admin/worker-tokens')).json[0].revoked_at).toEqual(expect.any(String));
    expect((await admin('DELETE', `/api/admin/worker-tokens/${randomUUID()}`)).status).toBe(404);
    expect((await admin('DELETE', '/api/admin/worker-tokens/not-a-uuid')).status).toBe(404);

    const audit = (await admin('GET', '/api/admin/audit?kind=admin_action&username=admin')).json.items as { action: string; target: string }[];
    expect(audit.filter((e) => e.action.startsWith('worker_token.')).map((e) => [e.action, e.target])).toEqual([
      ['worker_token.revoke', issued.json.id],
      ['worker_token.issue', issued.json.id],
    ]);
  });

  it('answers 401 to a heartbeat without a worker token, with a user session or an unknown one', async () => {
    const adminToken = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    for (const token of [undefined, adminToken, `rcw_${'x'.repeat(43)}`, 'rcw_short']) {
      const res = await worker(token)('POST', '/api/workers/heartbeat', heartbeat());
      expect(res.status, String(token)).toBe(401);
      expect(res.json.message).toBe('worker token missing, unknown or revoked');
    }
  });

  it('answers 400 to a malformed heartbeat, naming the fields', async () => {
    const { token } = (await admin('POST', '/api/admin/worker-tokens', { name: 'validation' })).json;
    const send = worker(token);
    const bad: [string, unknown][] = [
      ['slots', heartbeat({ slots: 0 })],
      ['models', heartbeat({ models: Array.from({ length: 51 }, (_, i) => `m${i}`) })],
      ['precision', { ...heartbeat(), precision: 'fp8' }],
      ['device', heartbeat({ device: 'x'.repeat(33) })],
      ['job.started_at', heartbeat({ job: { job_id: 'j', task_id: 't', scene_number: 1, started_at: 'yesterday' } })],
      ['worker_id', { ...heartbeat(), worker_id: undefined }],
    ];
    for (const [field, body] of bad) {
      const res = await send('POST', '/api/workers/heartbeat', body);
      expect(res.status, field).toBe(400);
      expect(res.json.issues.map((i: { path: string }) => i.path), field).toContain(field);
    }
    expect((await send('POST', '/api/workers/heartbeat', '{"worker_id":')).status).toBe(400);
    // None of them reached the list.
    expect((await admin('GET', '/api/admin/workers')).json.map((w: { token_name: string }) => w.token_name)).not.toContain('validation');
  });

  it('keeps the console routes for admins, and names unique among live tokens', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/admin/worker-tokens'],
      ['POST', '/api/admin/worker-tokens', { name: 'mine' }],
      ['DELETE', `/api/admin/worker-tokens/${randomUUID()}`],
      ['GET', '/api/admin/workers'],
    ] as const) {
      expect((await alice(method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    expect((await worker()('GET', '/api/admin/workers')).status).toBe(401);
    expect((await admin('POST', '/api/admin/worker-tokens', { name: 'dup' })).status).toBe(201);
    const clash = await admin('POST', '/api/admin/worker-tokens', { name: 'dup' });
    expect(clash.status).toBe(409);
    expect(clash.json.message).toMatch(/dup/);
    for (const name of ['', '   ', 'x'.repeat(65), 'tab\there']) expect((await admin('POST', '/api/admin/worker-tokens', { name })).status, JSON.stringify(name)).toBe(400);
    expect((await admin('POST', '/api/admin/worker-tokens', { name: 'ok', extra: 1 })).status).toBe(400);
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = (await apiClient(t.baseUrl)('GET', '/api/docs-json')).json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/workers/heartbeat', '/api/admin/worker-tokens', '/api/admin/worker-tokens/{id}', '/api/admin/workers']));
    expect(doc.paths['/api/workers/heartbeat'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('slots');
  });
});
