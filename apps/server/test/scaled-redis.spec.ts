import type { ClientToServerEvents, ServerToClientEvents } from '@reelcraft/shared';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyGguf } from '@reelcraft/inference';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiClient, login, waitForTask, type TestApp } from '../src/testing/test-app';
import { rawSocket, until } from './support/collab-clients';
import { sharedInstances, type SharedInstances } from './support/shared-instances';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A bounded wait: what should follow at once fails the test with its name, instead of hanging it. */
const within = <T>(ms: number, what: string, p: Promise<T>): Promise<T> =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no ${what} within ${ms} ms`)), ms).unref())]);

/**
 * The scaled mode: two server instances on one PostgreSQL schema and one Redis (under a prefix of
 * this run's own). What one instance does, the other's clients see: render events through the
 * Socket.IO Redis adapter, session revocations on the session channel, login failures in shared
 * counters, filter rules through the shared database.
 */
describe('two instances on PostgreSQL and Redis', () => {
  let instances: SharedInstances;
  let a: TestApp;
  let b: TestApp;
  const sockets: ClientSocket[] = [];
  let adminA: ReturnType<typeof apiClient>;
  let modelsDir: string;

  const connect = (t: TestApp, token: string): Promise<ClientSocket> => {
    const s: ClientSocket = io(t.baseUrl, { path: '/socket.io', transports: ['websocket'], auth: { token }, reconnection: false });
    sockets.push(s);
    return new Promise((res, rej) => {
      s.once('connect', () => res(s));
      s.once('connect_error', rej);
    });
  };

  beforeAll(async () => {
    // sharedInstances gives both one data folder, as the scaled compose file mounts one volume: a
    // scene one instance's worker draws becomes the other's take.
    // One models folder too, as the compose file mounts one: empty at the start.
    modelsDir = await mkdtemp(join(tmpdir(), 'reelcraft-scaled-models-'));
    instances = await sharedInstances({ redis: true, env: { LOGIN_MAX_FAILURES: '3', RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12', MODELS_DIR: modelsDir } });
    // One after the other: the second finds the schema migrated and the admin made.
    a = await instances.start();
    b = await instances.start();
    adminA = apiClient(a.baseUrl, await login(a.baseUrl, 'admin', ADMIN_PASSWORD));
    for (const name of ['alice', 'bob']) expect((await adminA('POST', '/api/users', { username: name, password: `${name}-password` })).status).toBe(201);
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    // Also deletes the login counters, the only keys this run left (channels leave nothing behind).
    await instances?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('streams a task created through A to sockets on A and on B, each event once', async () => {
    const token = await login(a.baseUrl, 'alice', 'alice-password');
    // On both: whichever instance renders the task, one of the two sockets is on the other one.
    const onA = await connect(a, token);
    const onB = await connect(b, token);
    const seen = new Map<ClientSocket, string[]>([
      [onA, []],
      [onB, []],
    ]);
    for (const [s, list] of seen) {
      s.on('task:status', (e) => list.push(`status:${e.status}`));
      s.on('render:progress', () => list.push('progress'));
      s.on('task:finished', (e) => list.push(`finished:${e.task_id}`));
    }
    const taskId = (await apiClient(a.baseUrl, token)('POST', '/api/tasks', { prompt: '海边的日落，海浪和飞鸟' })).json.task_id as string;
    expect((await waitForTask(a.baseUrl, token, taskId)).status).toBe('completed');
    const finished = `finished:${taskId}`;
    await until('both sockets to hear the end', () => [...seen.values()].every((l) => l.includes(finished)), 30_000);
    for (const list of seen.values()) {
      expect(list.slice(0, 2)).toEqual(['status:pending', 'status:running']);
      expect(list).toContain('progress');
      expect(list).toContain('status:completed');
      // The adapter relays; it never doubles an event the renderer emitted once.
      expect(list.filter((e) => e === finished)).toHaveLength(1);
    }
    expect(seen.get(onA)).toEqual(seen.get(onB));
  });

  it('a logout through A closes that session’s Socket.IO and /collab connections on B, and only those', async () => {
    const alice = apiClient(a.baseUrl, await login(a.baseUrl, 'alice', 'alice-password'));
    const project = (await alice('POST', '/api/projects', { name: 'Across instances' })).json as { id: string };
    const leaving = await login(b.baseUrl, 'alice', 'alice-password');
    const staying = await login(b.baseUrl, 'alice', 'alice-password');
    const goneSocket = await connect(b, leaving);
    const keptSocket = await connect(b, staying);
    const collab = rawSocket(b.baseUrl, project.id, leaving);
    await collab.firstMessage;
    const disconnected = new Promise<string>((res) => goneSocket.once('disconnect', (reason) => res(reason)));

    const started = performance.now();
    expect((await apiClient(a.baseUrl, leaving)('POST', '/api/users/logout')).status).toBe(204);
    expect(await within(10_000, 'disconnect of the Socket.IO client on B', disconnected)).toBe('io server disconnect');
    expect((await within(10_000, 'close of the /collab connection on B', collab.closed)).code).toBe(4401);
    console.log(`logout on A reached B's sockets in ${Math.round(performance.now() - started)} ms`);
    // The other session of the same user is untouched on B.
    expect(keptSocket.connected).toBe(true);
  });

  it('failed sign-ins counted on A lock that sign-in on B', async () => {
    const wrong = (t: TestApp) => apiClient(t.baseUrl)('POST', '/api/users/login', { username: 'bob', password: 'not-it' });
    // Spread over both instances: each counts into the same keys.
    expect((await wrong(a)).status).toBe(401);
    expect((await wrong(b)).status).toBe(401);
    expect((await wrong(a)).status).toBe(401);
    const locked = await apiClient(b.baseUrl)('POST', '/api/users/login', { username: 'bob', password: 'bob-password' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The lock is this (username, address) pair's alone: alice still signs in on B.
    await login(b.baseUrl, 'alice', 'alice-password');
  });

  it('a filter rule created on A applies to the next screening on B', async () => {
    const adminB = apiClient(b.baseUrl, await login(b.baseUrl, 'admin', ADMIN_PASSWORD));
    const alice = apiClient(b.baseUrl, await login(b.baseUrl, 'alice', 'alice-password'));
    // B compiles its filter before the rule exists, so a stale one would let the prompt through.
    expect((await adminB('POST', '/api/admin/filter-rules/test', { text: '一段关于网上博彩的广告' })).json.verdict).not.toBe('block');
    expect((await adminA('POST', '/api/admin/filter-rules', { pattern: '博彩', category: 'gambling', action: 'block' })).status).toBe(201);
    expect((await adminB('POST', '/api/admin/filter-rules/test', { text: '一段关于网上博彩的广告' })).json.verdict).toBe('block');
    const refused = await alice('POST', '/api/tasks', { prompt: '一段关于网上博彩的广告' });
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({ code: 'content_blocked', category: 'gambling' });
  });

  it('an admin’s rescan on A makes B rescan too: B’s users get the model that arrived', async () => {
    // Alice: bob's sign-in is locked by the throttle test.
    const alice = apiClient(b.baseUrl, await login(b.baseUrl, 'alice', 'alice-password'));
    expect((await alice('GET', '/api/models')).json).toMatchObject({ llm: false });
    const socket = await connect(b, await login(b.baseUrl, 'alice', 'alice-password'));
    const announced = new Promise((res) => socket.once('models:changed', res));
    await writeTinyGguf(join(modelsDir, 'llm', 'tiny.gguf'));
    expect((await adminA('POST', '/api/admin/models/rescan')).status).toBe(200);
    // Announced once, by A, to a socket on B (through the adapter); B's own registry follows.
    expect(await within(10_000, 'models:changed on B', announced)).toMatchObject({ llm: true });
    await until('B to read the new model', async () => ((await alice('GET', '/api/models')).json.llm === true ? true : null), 10_000);
  });
});
