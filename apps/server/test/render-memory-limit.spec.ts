import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RenderQueue } from '../src/renders/render-queue';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, until, waitForTask, type TestApp } from '../src/testing/test-app';

/**
 * RENDER_MEMORY_LIMIT_MB: the server samples the forked render worker's resident memory and
 * kills it past the limit. 16 MiB is below what a bare Node.js process needs, so the very first
 * sample trips it; the limit is then raised on the running server (the same object a restart
 * with another value would give it) to show that the next task renders normally.
 */
describe('render worker memory limit', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp(defaultTestDatabase(), { RENDER_WIDTH: '128', RENDER_HEIGHT: '72', RENDER_FPS: '8', RENDER_MEMORY_LIMIT_MB: '16' });
    token = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.runIf(process.platform === 'linux')('fails the task of a worker over its limit with a clear message; the server and the next task are fine', async () => {
    const api = apiClient(t.baseUrl, token);
    const failed = await waitForTask(t.baseUrl, token, (await api('POST', '/api/tasks', { prompt: 'A quiet lake' })).json.task_id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^render worker exceeded its memory limit of 16 MiB \(used \d+ MiB\)$/);
    expect(failed.failure_code).toBe('out_of_memory');
    expect((await api('GET', '/api/health')).json.status).toBe('ok');

    // A worker takes the limit it was started with (it is also its heap size): one started for the
    // failed task's retry may still be up, idle, until its first memory sample kills it. The next
    // task must not meet such a worker, so wait until none is left before raising the limit.
    await until('every render worker started under the 16 MiB limit to be gone', async () => t.app.get(RenderQueue).pool.pids.length === 0);
    t.config.render.memoryLimitMb = 2048;
    const next = await waitForTask(t.baseUrl, token, (await api('POST', '/api/tasks', { prompt: 'A quiet lake' })).json.task_id);
    expect(next.error).toBeNull();
    expect(next.failure_code).toBeNull();
    expect(next.status).toBe('completed');
  });
});
