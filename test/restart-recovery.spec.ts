import { execSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ServerProcess, api, loginAdmin, until } from './support/server-process';

/** A server killed in the middle of a render comes back and finishes the task; nothing stays `running`. */
describe('restart recovery', () => {
  const server = new ServerProcess({ RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12' });
  afterAll(() => server.dispose());

  it('re-queues the task that was rendering when the server got SIGKILL, and completes it', async () => {
    await server.start();
    let token = await loginAdmin(server.baseUrl);
    const { json } = await api(server.baseUrl, 'POST', '/api/tasks', token, { prompt: '城市夜景：霓虹灯、车流、雨后的街道和高楼' });
    const id = json.task_id as string;
    // Kill it once the first clip is on disk and the render is still going.
    await until('a render in progress', async () => {
      const t = (await api(server.baseUrl, 'GET', `/api/tasks/${id}`, token)).json;
      return t.status === 'running' && t.progress > 0.1 && t.progress < 0.8;
    }, 60_000);
    const workerPids = execSync(`pgrep -P ${server.child!.pid} || true`).toString().trim();
    await server.kill('SIGKILL');

    // The orphaned render worker notices its parent is gone and stops by itself.
    if (workerPids) {
      await until('the orphaned worker to exit', async () => execSync(`ps -o pid= -p ${workerPids.split('\n').join(',')} || true`).toString().trim() === '', 10_000);
    }

    await server.start();
    token = await loginAdmin(server.baseUrl);
    const done = await until('the re-queued task to finish', async () => {
      const t = (await api(server.baseUrl, 'GET', `/api/tasks/${id}`, token)).json;
      return ['completed', 'failed'].includes(t.status) ? t : null;
    }, 150_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.result.clips).toHaveLength(done.result.storyboard.length);
    expect(server.log).toMatch(/re-queued 1 task/);
  });
});
