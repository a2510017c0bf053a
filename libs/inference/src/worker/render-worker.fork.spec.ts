import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { newScene } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorkerMessage, type WorkerMessage } from './protocol';

/**
 * Forks the real worker as the server does. To stay independent of whether `npm run build` ran
 * (and of a stale dist/), the package is compiled into a temporary directory first; NODE_PATH
 * lets that copy resolve the workspace's dependencies.
 */
const packageRoot = resolve(__dirname, '../..');
const repoNodeModules = resolve(packageRoot, '../../node_modules');
const scratch = mkdtempSync(join(tmpdir(), 'reelcraft-worker-'));
const outDir = join(scratch, 'dist');
const workerPath = join(outDir, 'worker', 'render-worker.js');

beforeAll(async () => {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [packageRoot] });
  await promisify(execFile)(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.build.json'), '--outDir', outDir, '--declaration', 'false', '--sourceMap', 'false']);
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function startWorker(): { child: ChildProcess; messages: WorkerMessage[]; exited: Promise<number | null>; next(type: WorkerMessage['type']): Promise<WorkerMessage> } {
  const child = fork(workerPath, [], { env: { ...process.env, NODE_PATH: repoNodeModules }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const messages: WorkerMessage[] = [];
  const waiting: { type: string; resolve(m: WorkerMessage): void }[] = [];
  child.on('message', (m) => {
    if (!isWorkerMessage(m)) return;
    messages.push(m);
    const i = waiting.findIndex((w) => w.type === m.type);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const next = (type: WorkerMessage['type']) => new Promise<WorkerMessage>((resolve) => waiting.push({ type, resolve }));
  return { child, messages, exited, next };
}

const scene = (n: number, description: string, duration_sec = 1) => ({ ...newScene({ description }), scene_number: n, duration_sec });
const sceneJob = (jobId: string, outDir: string, s = scene(1, 'A lighthouse by the sea, with gulls'), extra: object = {}) => ({ jobId, taskId: 'fork', scene: s, title: 'Harbour', caption: true, width: 96, height: 54, fps: 6, outDir, ...extra });

describe('render worker process', () => {
  it('draws scene jobs one after another without exiting, then exits when its parent lets go', async () => {
    const outDir = join(scratch, 'jobs');
    const { child, messages, exited, next } = startWorker();
    child.send({ type: 'scene', job: sceneJob('one', outDir) });
    const first = (await next('scene-done')) as Extract<WorkerMessage, { type: 'scene-done' }>;
    expect(first).toMatchObject({ job_id: 'one', scene_number: 1, last_frame: join(outDir, 'scene-01.last.rgb') });
    expect(statSync(first.last_frame!).size).toBe(96 * 54 * 3);
    // The next scene starts from the first one's last frame.
    child.send({ type: 'scene', job: sceneJob('two', join(scratch, 'jobs-2'), { ...scene(2, 'The lighthouse at night'), chained: true }, { chainFrom: first.last_frame }) });
    expect(await next('scene-done')).toMatchObject({ job_id: 'two', scene_number: 2 });
    expect(messages.some((m) => m.type === 'scene-progress' && m.job_id === 'one')).toBe(true);
    expect(readdirSync(outDir).sort()).toEqual(['scene-01.jpg', 'scene-01.last.rgb', 'scene-01.mp4']);
    child.disconnect();
    expect(await exited).toBe(1);
  });

  it('answers a malformed job with failed and stays up', async () => {
    const { child, exited, next } = startWorker();
    child.send({ type: 'scene', job: { jobId: 'bad' } });
    expect(await next('failed')).toEqual({ type: 'failed', job_id: 'bad', message: expect.stringMatching(/^invalid message from parent: invalid scene job: taskId/) });
    child.send({ type: 'scene', job: sceneJob('chain', join(scratch, 'chain'), scene(2, 'x'), { chainFrom: join(scratch, 'missing.rgb') }) });
    expect(await next('failed')).toMatchObject({ job_id: 'chain', message: expect.stringMatching(/previous scene's last frame cannot be read/) });
    expect(child.connected).toBe(true);
    child.kill();
    await exited;
  });

  it('stops a scene on cancel, removes the partial clip and answers cancelled', async () => {
    const outDir = join(scratch, 'cancel');
    const { child, exited, next } = startWorker();
    child.on('message', (m) => {
      if (isWorkerMessage(m) && m.type === 'scene-progress') child.send({ type: 'cancel', job_id: 'long' });
    });
    child.send({ type: 'scene', job: { ...sceneJob('long', outDir, scene(1, '森林', 20)), width: 320, height: 180, fps: 24 } });
    expect(await next('failed')).toEqual({ type: 'failed', job_id: 'long', message: 'cancelled', cancelled: true });
    expect(readdirSync(outDir).filter((f) => f.endsWith('.part') || f.endsWith('.mp4'))).toEqual([]);
    child.disconnect();
    await exited;
  });
});
