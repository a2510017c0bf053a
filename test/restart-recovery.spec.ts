import { execFileSync, execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServerProcess, api, loginAdmin, until } from './support/server-process';

/** A server killed in the middle of a render comes back and finishes the task; nothing stays `running`. */
describe('restart recovery', () => {
  const server = new ServerProcess({ RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12' });
  afterAll(() => server.dispose());

  /** A child that exited meanwhile (an ffmpeg run ending) is no error. */
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };

  it('re-queues the task that was rendering when the server got SIGKILL, and completes it', async () => {
    await server.start();
    let token = await loginAdmin(server.baseUrl);
    const { json } = await api(server.baseUrl, 'POST', '/api/tasks', token, { prompt: '城市夜景：霓虹灯、车流、雨后的街道和高楼' });
    const id = json.task_id as string;
    // A second task waits behind it (one task per user at a time by default) and must not be lost either.
    const second = (await api(server.baseUrl, 'POST', '/api/tasks', token, { prompt: 'A quiet harbour at dawn, boats and gulls' })).json.task_id as string;
    // Kill it once the first clip is on disk and the render is still going. Not by catching a window
    // of progress (a fast machine can run past it between two polls): once past the first clip, the
    // server's children (render worker, ffmpeg) are frozen, so the render cannot end before the kill.
    await until('a render in progress', async () => {
      const t = (await api(server.baseUrl, 'GET', `/api/tasks/${id}`, token)).json;
      return t.status === 'running' && t.progress > 0.1;
    }, 60_000);
    const workerPids = execSync(`pgrep -P ${server.child!.pid} || true`).toString().trim();
    const frozen = workerPids ? workerPids.split('\n').map(Number) : [];
    for (const pid of frozen) signal(pid, 'SIGSTOP');
    const atKill = (await api(server.baseUrl, 'GET', `/api/tasks/${id}`, token)).json;
    expect(atKill.status).toBe('running');
    await server.kill('SIGKILL');
    for (const pid of frozen) signal(pid, 'SIGCONT');

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
    expect(done.scenes.every((s: { status: string }) => s.status === 'done')).toBe(true);
    const next = await until('the waiting task to finish', async () => {
      const t = (await api(server.baseUrl, 'GET', `/api/tasks/${second}`, token)).json;
      return ['completed', 'failed'].includes(t.status) ? t : null;
    }, 150_000);
    expect(next.status).toBe('completed');

    // No take row points at a missing or half-written clip: each was renamed into takes/ whole.
    const takes = await server.rows<{ clip_path: string; bytes: number }>('SELECT clip_path, bytes FROM takes');
    expect(takes.length).toBeGreaterThanOrEqual(done.result.clips.length);
    for (const take of takes) {
      const path = join(server.dataDir, take.clip_path);
      expect(existsSync(path)).toBe(true);
      expect(statSync(path).size).toBe(take.bytes);
      expect(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', path]).toString().trim()).toBe('h264');
    }
  });
});
