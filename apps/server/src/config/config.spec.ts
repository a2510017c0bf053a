import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('starts on the embedded defaults: port 8000, SQLite in ./data', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8000);
    expect(c.database).toEqual({ type: 'sqlite', path: expect.stringMatching(/data\/reelcraft\.sqlite$/) });
    expect(c.render).toMatchObject({ concurrency: 1, width: 640, height: 360, fps: 24 });
    expect(c.admin).toEqual({ username: 'admin', password: undefined });
  });

  it('switches to PostgreSQL for a postgres:// URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/test', DATABASE_SCHEMA: 'rc_x' });
    expect(c.database).toEqual({ type: 'postgres', url: 'postgres://u@127.0.0.1:5432/test', schema: 'rc_x', poolSize: 10 });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/test', DATABASE_POOL_SIZE: '25' }).database).toMatchObject({ poolSize: 25 });
    expect(() => loadConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
  });

  it('leases claimed tasks for TASK_LEASE_MS, renewed every TASK_LEASE_RENEW_MS, which must be shorter', () => {
    expect(loadConfig({}).render).toMatchObject({ taskLeaseMs: 30_000, taskLeaseRenewMs: 5_000 });
    expect(loadConfig({ TASK_LEASE_MS: '1500', TASK_LEASE_RENEW_MS: '250' }).render).toMatchObject({ taskLeaseMs: 1500, taskLeaseRenewMs: 250 });
    expect(() => loadConfig({ TASK_LEASE_MS: '5000', TASK_LEASE_RENEW_MS: '5000' })).toThrow(/TASK_LEASE_RENEW_MS: must be less than TASK_LEASE_MS/);
    expect(() => loadConfig({ TASK_LEASE_MS: '100' })).toThrow(/TASK_LEASE_MS/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', REELCRAFT_ADMIN_PASSWORD: '  ', RENDER_THREADS: '' })).toMatchObject({ database: { type: 'sqlite' }, admin: { password: undefined }, render: { threads: undefined } });
    expect(loadConfig({ RENDER_THREADS: '2' }).render.threads).toBe(2);
    expect([loadConfig({}).render.device, loadConfig({ RENDER_DEVICE: 'webgpu' }).render.device]).toEqual(['cpu', 'webgpu']);
    expect(() => loadConfig({ RENDER_DEVICE: 'gpu' })).toThrow(/RENDER_DEVICE/);
  });

  it('limits render workers\' memory only when asked (MiB; 0 or empty: no limit)', () => {
    expect(loadConfig({}).render.memoryLimitMb).toBe(0);
    expect(loadConfig({ RENDER_MEMORY_LIMIT_MB: '' }).render.memoryLimitMb).toBe(0);
    expect(loadConfig({ RENDER_MEMORY_LIMIT_MB: '12288' }).render.memoryLimitMb).toBe(12288);
    expect(() => loadConfig({ RENDER_MEMORY_LIMIT_MB: '8' })).toThrow(/RENDER_MEMORY_LIMIT_MB must be 0 \(no limit\) or at least 16/);
    expect(() => loadConfig({ RENDER_MEMORY_LIMIT_MB: 'lots' })).toThrow(/RENDER_MEMORY_LIMIT_MB/);
  });

  it('runs more tasks than render workers, so their scenes can queue for the workers (RENDER_ACTIVE_TASKS)', () => {
    expect(loadConfig({}).render.activeTasks).toBe(4);
    expect(loadConfig({ RENDER_CONCURRENCY: '3' }).render.activeTasks).toBe(6);
    expect(loadConfig({ RENDER_ACTIVE_TASKS: '2', RENDER_CONCURRENCY: '3' }).render.activeTasks).toBe(2);
    expect(() => loadConfig({ RENDER_ACTIVE_TASKS: '0' })).toThrow(/RENDER_ACTIVE_TASKS/);
  });

  it('turns the scaled mode on with REDIS_URL only, under a key prefix (REDIS_PREFIX)', () => {
    expect(loadConfig({}).redis).toBeUndefined();
    expect(loadConfig({ REDIS_URL: '  ' }).redis).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379/2' }).redis).toEqual({ url: 'redis://cache:6379/2', prefix: 'reelcraft:' });
    expect(loadConfig({ REDIS_URL: 'rediss://cache', REDIS_PREFIX: 'studio-b:' }).redis).toEqual({ url: 'rediss://cache', prefix: 'studio-b:' });
    expect(() => loadConfig({ REDIS_URL: 'http://cache:6379' })).toThrow(/REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => loadConfig({ REDIS_URL: 'redis://cache', REDIS_PREFIX: 'has space' })).toThrow(/REDIS_PREFIX may hold/);
  });

  it('asks render workers for a heartbeat every WORKER_HEARTBEAT_MS', () => {
    expect(loadConfig({}).workers).toEqual({ heartbeatMs: 5000 });
    expect(loadConfig({ WORKER_HEARTBEAT_MS: '250' }).workers.heartbeatMs).toBe(250);
    for (const bad of ['99', '600001', '1.5', 'soon']) expect(() => loadConfig({ WORKER_HEARTBEAT_MS: bad }), bad).toThrow(/WORKER_HEARTBEAT_MS/);
  });

  it('names every bad value at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', RENDER_WIDTH: '641' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/DATABASE_URL must be a postgres:\/\/ URL/);
    expect(message).toMatch(/RENDER_WIDTH must be even/);
  });
});
