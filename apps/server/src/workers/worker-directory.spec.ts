import type { WorkerHeartbeat } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { RedisConnections } from '../redis/redis-connections';
import { deleteRedisKeys } from '../testing/redis-keys';
import { FORGET_AFTER_MS, WorkerDirectory } from './worker-directory';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** Short, so "lost" comes within a test: alive means heard from within 3 × 150 ms. */
const HEARTBEAT_MS = 150;

const heartbeat = (worker_id: string, extra: Partial<WorkerHeartbeat> = {}): WorkerHeartbeat & { token_name: string } => ({
  worker_id,
  host: worker_id.split(':')[0]!,
  pid: 4242,
  device: 'cuda:0',
  slots: 1,
  models: ['sd-turbo'],
  precision: 'fp16',
  job: null,
  token_name: 'gpu-tokens',
  ...extra,
});

/** Polls until `check` holds, within a bounded time (the failure names what never happened). */
async function eventually(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('WorkerDirectory without Redis', () => {
  const directory = () => {
    const config = loadConfig({ WORKER_HEARTBEAT_MS: String(HEARTBEAT_MS) });
    return new WorkerDirectory(config, new RedisConnections(config));
  };

  it('lists what workers last said, alive within three intervals, lost after, gone after an hour', async () => {
    const d = directory();
    let now = Date.parse('2026-06-01T08:00:00Z');
    d.now = () => now;
    await d.record(heartbeat('b-host:1:x'));
    now += 1000;
    await d.record(heartbeat('a-host:2:y', { job: { job_id: 'j1', task_id: 't1', scene_number: 3, started_at: '2026-06-01T08:00:01Z' } }));
    const first = await d.list();
    expect(first.map((w) => [w.worker_id, w.alive])).toEqual([
      ['a-host:2:y', true],
      ['b-host:1:x', false],
    ]);
    expect(first[0]).toMatchObject({ token_name: 'gpu-tokens', device: 'cuda:0', job: { task_id: 't1', scene_number: 3 }, first_seen: '2026-06-01T08:00:01.000Z' });
    // A later heartbeat moves last_heartbeat, keeps first_seen, and replaces what changed.
    now += 3 * HEARTBEAT_MS;
    await d.record(heartbeat('a-host:2:y', { job: null, models: ['sd-turbo', 'qwen'] }));
    const [a] = await d.list();
    expect(a).toMatchObject({ alive: true, job: null, models: ['sd-turbo', 'qwen'], first_seen: '2026-06-01T08:00:01.000Z', last_heartbeat: new Date(now).toISOString() });
    now += 3 * HEARTBEAT_MS + 1;
    expect((await d.list()).every((w) => !w.alive)).toBe(true);
    now = Date.parse('2026-06-01T08:00:00Z') + FORGET_AFTER_MS + 500;
    expect((await d.list()).map((w) => w.worker_id)).toEqual(['a-host:2:y']);
  });
});

/**
 * Two directories on two Redis connections under one prefix: two server instances. Whichever a
 * heartbeat reached, both list the worker.
 */
describe('WorkerDirectory on Redis, two instances', () => {
  const prefix = `reelcraft-test:${process.pid}:${Date.now().toString(36)}:workers-dir:`;
  const config = loadConfig({ REDIS_URL, REDIS_PREFIX: prefix, WORKER_HEARTBEAT_MS: String(HEARTBEAT_MS) });
  const connections = [new RedisConnections(config), new RedisConnections(config)];
  const [a, b] = connections.map((c) => new WorkerDirectory(config, c)) as [WorkerDirectory, WorkerDirectory];

  beforeAll(async () => {
    for (const c of connections) {
      await c.onModuleInit();
      if (!c.ready) throw new Error(`Redis at ${REDIS_URL} is not reachable: these tests need it`);
    }
  });
  afterAll(async () => {
    const removed = await deleteRedisKeys(connections[0]!.command!, prefix);
    for (const c of connections) await c.onApplicationShutdown();
    // The list was in Redis (one hash), not only in each instance's memory.
    expect(removed).toBe(1);
  });

  it('lists on B a worker whose heartbeats reached A, and the other way round, under one hash', async () => {
    await a.record(heartbeat('gpu-01:100:aa'));
    await b.record(heartbeat('gpu-02:200:bb', { device: 'cuda:1' }));
    for (const d of [a, b]) {
      const listed = await d.list();
      expect(listed.map((w) => [w.worker_id, w.device, w.alive])).toEqual([
        ['gpu-01:100:aa', 'cuda:0', true],
        ['gpu-02:200:bb', 'cuda:1', true],
      ]);
    }
    expect(await connections[0]!.command!.hlen(`${prefix}workers`)).toBe(2);
    // The next heartbeat of gpu-01 lands on B: B keeps the first_seen A stored.
    const firstSeen = (await b.list())[0]!.first_seen;
    await new Promise((r) => setTimeout(r, 20));
    await b.record(heartbeat('gpu-01:100:aa', { job: { job_id: 'j', task_id: 'task-1', scene_number: 2, started_at: new Date().toISOString() } }));
    const [w] = await a.list();
    expect(w).toMatchObject({ worker_id: 'gpu-01:100:aa', first_seen: firstSeen, job: { task_id: 'task-1', scene_number: 2 } });
    expect(Date.parse(w!.last_heartbeat)).toBeGreaterThan(Date.parse(firstSeen));
  });

  it('on an instance still connecting at its start, a listing waits for Redis instead of falling back to its own map', async () => {
    await a.record(heartbeat('gpu-04:400:dd'));
    const starting = new RedisConnections(config);
    try {
      // The scene queue's first capacity check runs before onModuleInit has connected.
      const listing = new WorkerDirectory(config, starting).list();
      await starting.onModuleInit();
      expect((await listing).map((w) => w.worker_id)).toContain('gpu-04:400:dd');
    } finally {
      await starting.onApplicationShutdown();
    }
  });

  it('shows a worker as lost on both once it is silent for three intervals', async () => {
    await a.record(heartbeat('gpu-03:300:cc'));
    expect((await b.list()).find((w) => w.worker_id === 'gpu-03:300:cc')?.alive).toBe(true);
    await eventually('gpu-03 listed as lost on B', async () => (await b.list()).find((w) => w.worker_id === 'gpu-03:300:cc')?.alive === false, 3 * HEARTBEAT_MS + 2000);
    expect((await a.list()).find((w) => w.worker_id === 'gpu-03:300:cc')?.alive).toBe(false);
    // One more heartbeat and it is back.
    await b.record(heartbeat('gpu-03:300:cc'));
    expect((await a.list()).find((w) => w.worker_id === 'gpu-03:300:cc')?.alive).toBe(true);
  });

  it('drops entries silent for an hour, and entries it cannot read, from the hash itself', async () => {
    const key = `${prefix}workers`;
    const old = { ...heartbeat('gpu-old:1:zz'), first_seen: '2020-01-01T00:00:00.000Z', last_heartbeat: new Date(Date.now() - FORGET_AFTER_MS - 1000).toISOString() };
    await connections[0]!.command!.hset(key, 'gpu-old:1:zz', JSON.stringify(old), 'garbage', '{not json');
    const listed = await b.list();
    expect(listed.map((w) => w.worker_id)).not.toContain('gpu-old:1:zz');
    expect(await connections[0]!.command!.hexists(key, 'gpu-old:1:zz')).toBe(0);
    expect(await connections[0]!.command!.hexists(key, 'garbage')).toBe(0);
  });
});

describe('WorkerDirectory with Redis away', () => {
  it('takes heartbeats without failing and lists what this instance heard', async () => {
    // Nothing listens on port 1: every command fails at once (no offline queue).
    const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', WORKER_HEARTBEAT_MS: String(HEARTBEAT_MS) });
    const connections = new RedisConnections(config);
    // As at a server's start: the first attempt is refused, and ioredis goes on retrying.
    await connections.onModuleInit();
    try {
      const d = new WorkerDirectory(config, connections);
      await expect(d.record(heartbeat('gpu-09:9:q'))).resolves.toBeUndefined();
      expect((await d.list()).map((w) => [w.worker_id, w.alive])).toEqual([['gpu-09:9:q', true]]);
    } finally {
      await connections.onApplicationShutdown();
    }
  });
});
