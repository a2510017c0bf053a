import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledEnv } from './support/scaled-env';
import { ROOT, ServerProcess, api, loginAdmin, until } from './support/server-process';

/** A `reelcraft-worker` process (the built one), with its output kept for the checks. */
class WorkerProcess {
  log = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>, args: string[] = []) {
    this.child = spawn(process.execPath, [join(ROOT, 'apps/server/dist/worker-main.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.log += d));
    this.child.stderr!.on('data', (d) => (this.log += d));
    this.exited = new Promise((res) => this.child.once('exit', (code) => res(code)));
  }

  /** Resolves with the first output line that matches, as soon as it is printed. */
  waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    return until(`worker output ${pattern}`, async () => pattern.exec(this.log), timeoutMs);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/**
 * The scaled mode with render workers of their own: two server instances on one PostgreSQL
 * schema, one Redis and one shared data folder, drawing nothing themselves (RENDER_CONCURRENCY=0);
 * two reelcraft-worker processes with an admin-issued token take the scene jobs from the queue,
 * one uploading through instance A and the other through B.
 */
describe('reelcraft-worker processes behind two server instances', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'reelcraft-scaled-data-'));
  const modelsDir = mkdtempSync(join(tmpdir(), 'reelcraft-worker-models-'));
  let cleanUp: () => Promise<void> = async () => undefined;
  let env: Record<string, string>;
  let a: ServerProcess;
  let b: ServerProcess;
  let admin: string;
  let token: string;
  const workers: WorkerProcess[] = [];
  const sockets: Socket[] = [];

  const startWorker = (server: ServerProcess) => {
    const w = new WorkerProcess({
      REDIS_URL: env.REDIS_URL!,
      REDIS_PREFIX: env.REDIS_PREFIX!,
      REELCRAFT_SERVER_URL: server.baseUrl,
      REELCRAFT_WORKER_TOKEN: token,
      MODELS_DIR: modelsDir,
      SCENE_JOB_LOCK_MS: '2000',
      WORKER_WORK_DIR: mkdtempSync(join(tmpdir(), 'reelcraft-worker-work-')),
    });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    const scaled = await scaledEnv('rc_workers');
    cleanUp = scaled.cleanUp;
    env = {
      ...scaled.env,
      DATA_DIR: dataDir,
      RENDER_CONCURRENCY: '0',
      RENDER_WIDTH: '320',
      RENDER_HEIGHT: '180',
      RENDER_FPS: '12',
      WORKER_HEARTBEAT_MS: '500',
      LOG_LEVEL: 'warn',
    };
    a = new ServerProcess(env);
    await a.start();
    b = new ServerProcess(env);
    await b.start();
    admin = await loginAdmin(a.baseUrl);
    const issued = await api(a.baseUrl, 'POST', '/api/admin/worker-tokens', admin, { name: 'test-gpu-hosts' });
    expect(issued.status).toBe(201);
    token = issued.json.token;
    startWorker(a);
    startWorker(b);
    // Both listed by either instance, alive, on the CPU without models (animatics).
    await until('two live workers listed on B', async () => {
      const list = await api(b.baseUrl, 'GET', '/api/admin/workers', admin);
      return list.status === 200 && list.json.filter((w: { alive: boolean; token_name: string }) => w.alive && w.token_name === 'test-gpu-hosts').length === 2;
    }, 60_000);
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const w of workers) w.kill('SIGKILL');
    await a?.dispose();
    await b?.dispose();
    await cleanUp();
    for (const dir of [dataDir, modelsDir]) rmSync(dir, { recursive: true, force: true });
  });

  it('renders a task started through A on the workers, its progress reaching a socket on B, its video served by B', async () => {
    const socket: Socket = io(b.baseUrl, { transports: ['websocket'], auth: { token: admin }, reconnection: false });
    sockets.push(socket);
    await new Promise<void>((res, rej) => {
      socket.once('connect', () => res());
      socket.once('connect_error', rej);
    });
    const heard: string[] = [];
    socket.on('render:progress', () => heard.push('progress'));
    socket.on('task:finished', (e: { task_id: string }) => heard.push(`finished:${e.task_id}`));
    const created = await api(a.baseUrl, 'POST', '/api/tasks', admin, { prompt: '清晨的山谷，薄雾，一只白鹭飞过湖面' });
    expect(created.status).toBe(201);
    const id = created.json.task_id as string;
    const done = await until('the task to end', async () => {
      const t = await api(a.baseUrl, 'GET', `/api/tasks/${id}`, admin);
      return ['completed', 'failed', 'cancelled'].includes(t.json.status) && t.json;
    });
    expect(done.status, done.error).toBe('completed');
    await until('B to hear the end', async () => heard.includes(`finished:${id}`), 10_000);
    expect(heard).toContain('progress');
    // Drawn by the worker processes, not by the servers (they have no workers of their own).
    const drawn = workers.map((w) => (w.log.match(new RegExp(`drawing scene \\d+ of task ${id}`, 'g')) ?? []).length);
    expect(drawn.reduce((x, y) => x + y, 0)).toBe(done.scenes.length);
    const video = await fetch(`${b.baseUrl}/api/tasks/${id}/video`, { headers: { authorization: `Bearer ${admin}` } });
    expect(video.status).toBe(200);
    expect((await video.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  it('finishes a scene on the other worker when the one drawing it is SIGKILLed mid-scene', async () => {
    const created = await api(a.baseUrl, 'POST', '/api/tasks', admin, { prompt: '夜晚的城市，霓虹灯，雨中的街道，行人撑伞' });
    const id = created.json.task_id as string;
    // The first scene job either worker announces: freeze that worker at once (it can no longer upload
    // or finish the job, however fast its render process is), then kill it: mid-scene, by a hook, not a timing window.
    const victim = await Promise.any(workers.map((w) => w.waitFor(new RegExp(`drawing scene (\\d+) of task ${id} \\(job ([\\w-]+)\\)`)).then((m) => ({ w, job: m[2]! }))));
    victim.w.kill('SIGSTOP');
    victim.w.kill('SIGKILL');
    const survivor = workers.find((w) => w !== victim.w)!;
    const done = await until('the task to end', async () => {
      const t = await api(a.baseUrl, 'GET', `/api/tasks/${id}`, admin);
      return ['completed', 'failed', 'cancelled'].includes(t.json.status) && t.json;
    });
    expect(done.status, done.error).toBe('completed');
    // The killed worker's job was taken over by the survivor (BullMQ's stalled-job check, after the job's lock ran out).
    expect(survivor.log).toContain(`(job ${victim.job})`);
    expect(survivor.log).toContain(`job ${victim.job}: done`);
    const video = await fetch(`${a.baseUrl}/api/tasks/${id}/video`, { headers: { authorization: `Bearer ${admin}` } });
    expect(video.status).toBe(200);
  });

  it('stops a worker whose token an admin revoked, and refuses its uploads', async () => {
    const tokens = await api(a.baseUrl, 'GET', '/api/admin/worker-tokens', admin);
    const mine = tokens.json.find((t: { name: string }) => t.name === 'test-gpu-hosts');
    expect((await api(b.baseUrl, 'DELETE', `/api/admin/worker-tokens/${mine.id}`, admin)).status).toBe(204);
    const alive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    expect(alive.length).toBe(1);
    expect(await Promise.race([alive[0]!.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))])).toBe(3);
    expect(alive[0]!.log).toMatch(/refused this worker's token/);
    const upload = await fetch(`${a.baseUrl}/api/workers/jobs/any-job/files/scene-01.mp4`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: 'x' });
    expect(upload.status).toBe(401);
  });
});
