import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
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

function startWorker(): { child: ChildProcess; messages: WorkerMessage[]; exited: Promise<number | null> } {
  const child = fork(workerPath, [], { env: { ...process.env, NODE_PATH: repoNodeModules }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const messages: WorkerMessage[] = [];
  child.on('message', (m) => {
    if (isWorkerMessage(m)) messages.push(m);
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, messages, exited };
}

describe('render worker process', () => {
  it('runs a job sent over IPC and exits 0', async () => {
    const workDir = join(scratch, 'job');
    const { child, messages, exited } = startWorker();
    child.send({ type: 'run', job: { taskId: 'fork-1', prompt: 'A lighthouse by the sea, with gulls', workDir, width: 96, height: 54, fps: 6 } });
    expect(await exited).toBe(0);
    const types = messages.map((m) => m.type);
    expect(types[0]).toBe('planned');
    expect(types.at(-1)).toBe('done');
    const planned = messages[0] as Extract<WorkerMessage, { type: 'planned' }>;
    const done = messages.filter((m): m is Extract<WorkerMessage, { type: 'scene-done' }> => m.type === 'scene-done');
    expect(done.map((d) => d.scene_number)).toEqual(planned.plan.scenes.map((s) => s.scene_number));
    expect(types).toContain('scene-progress');
    expect(readdirSync(workDir).filter((f) => f.endsWith('.mp4'))).toHaveLength(planned.plan.scenes.length);
  });

  it('answers a malformed message with failed and exits 1', async () => {
    const { child, messages, exited } = startWorker();
    child.send({ type: 'run', job: { taskId: 'fork-2' } });
    expect(await exited).toBe(1);
    expect(messages).toEqual([{ type: 'failed', message: expect.stringMatching(/^invalid message from parent: invalid job: prompt/) }]);
  });

  it('stops on cancel, removes the partial clip and exits 0', async () => {
    const workDir = join(scratch, 'cancel');
    const { child, messages, exited } = startWorker();
    child.on('message', (m) => {
      if (isWorkerMessage(m) && m.type === 'scene-progress') child.send({ type: 'cancel' });
    });
    child.send({ type: 'run', job: { taskId: 'fork-3', prompt: '森林', workDir, width: 320, height: 180, fps: 24 } });
    expect(await exited).toBe(0);
    expect(messages.at(-1)).toEqual({ type: 'failed', message: 'cancelled', cancelled: true });
    expect(readdirSync(workDir).filter((f) => f.endsWith('.part'))).toEqual([]);
  });
});
