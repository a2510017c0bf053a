import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SupervisedChild } from './supervised-child';

const dir = mkdtempSync(join(tmpdir(), 'reelcraft-supervised-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A child script on disk, as fork needs one. */
function script(name: string, code: string): string {
  const path = join(dir, `${name}.js`);
  writeFileSync(path, code);
  return path;
}

const quiet = { write: () => true } as never;
/** Answers each message with an echo and exits when its parent lets go, as every child here does. */
const echo = script('echo', "process.on('message', (m) => process.send({ echo: m })); process.on('disconnect', () => process.exit(0));");

describe('SupervisedChild', () => {
  it('talks over IPC and stops gracefully when asked: the exit says it was stopped', async () => {
    const child = new SupervisedChild({ name: 'test child', entryPath: echo, echo: quiet });
    const answer = new Promise((resolve) => child.once('message', resolve));
    expect(child.send({ hello: 1 })).toBe(true);
    expect(await answer).toEqual({ echo: { hello: 1 } });
    expect(await child.stop(5000)).toEqual({ code: 0, signal: null, cause: 'stopped', reason: 'test child was stopped' });
    expect(child.alive).toBe(false);
    expect(child.send({ late: true })).toBe(false);
  });

  it('kills a child that ignores the stop after the grace period', async () => {
    const stubborn = script('stubborn', "process.on('disconnect', () => undefined); setInterval(() => undefined, 1000);");
    const child = new SupervisedChild({ name: 'test child', entryPath: stubborn, echo: quiet });
    expect(await child.stop(200, 'the test is over')).toMatchObject({ signal: 'SIGKILL', cause: 'stopped', reason: 'the test is over' });
  });

  it('names a crash with the last line the child wrote to stderr', async () => {
    const crash = script('crash', "console.error('loading model.onnx'); console.error('Error: cannot open model.onnx'); process.exit(3);");
    const child = new SupervisedChild({ name: 'test child', entryPath: crash, echo: quiet });
    const exit = await new Promise((resolve) => child.once('exit', resolve));
    expect(exit).toEqual({ code: 3, signal: null, cause: 'crashed', reason: 'test child stopped unexpectedly (exit code 3): Error: cannot open model.onnx' });
    expect(await child.exited).toBe(exit);
  });

  it('reports a SIGKILL from elsewhere as a crash', async () => {
    const child = new SupervisedChild({ name: 'test child', entryPath: echo, echo: quiet });
    process.kill(child.pid!, 'SIGKILL');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL', cause: 'crashed', reason: 'test child stopped unexpectedly (SIGKILL)' });
  });

  it.runIf(process.platform === 'linux')('kills a child over its memory limit and says so', async () => {
    // 16 MiB is below what any Node.js process needs: the first sample trips it.
    const child = new SupervisedChild({ name: 'test child', entryPath: echo, echo: quiet, memoryLimitMb: 16 });
    const exit = await child.exited;
    expect(exit).toMatchObject({ signal: 'SIGKILL', cause: 'memory' });
    expect(exit.reason).toMatch(/^test child exceeded its memory limit of 16 MiB \(used \d+ MiB\)$/);
  });
});
