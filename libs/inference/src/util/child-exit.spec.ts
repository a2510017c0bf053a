import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StderrTail, childStoppedMessage } from './child-exit';

const workerStoppedMessage = (signal: NodeJS.Signals | null, code: number | null, stderr: string, heapLimitMb: number) => childStoppedMessage('render worker', signal, code, stderr, heapLimitMb);

/** Runs `code` in a real Node child with the given flags; its exit and stderr tail. */
async function run(code: string, flags: string[] = []) {
  const child = spawn(process.execPath, [...flags, '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
  const tail = new StderrTail(child.stderr!, undefined, 2048);
  const [exitCode, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { exitCode, signal, stderr: tail.text };
}

describe('why a child process stopped', () => {
  it('names a V8 heap death and the limit the server set, from the dying process\'s own stderr', async () => {
    const r = await run('const keep = []; for (;;) keep.push({ a: [1, 2, 3], s: String(Math.random()) })', ['--max-old-space-size=16']);
    expect(r.exitCode === 0).toBe(false);
    expect(workerStoppedMessage(r.signal, r.exitCode, r.stderr, 16)).toBe('render worker ran out of JavaScript heap memory (the 16 MiB of RENDER_MEMORY_LIMIT_MB)');
    expect(workerStoppedMessage(r.signal, r.exitCode, r.stderr, 0)).toBe("render worker ran out of JavaScript heap memory (V8's default limit)");
  });

  it('otherwise gives the signal or exit code with the last line written to stderr', async () => {
    const r = await run('console.error("loading model.onnx"); console.error("Error: cannot open model.onnx\\n"); process.exit(3)');
    expect(workerStoppedMessage(r.signal, r.exitCode, r.stderr, 512)).toBe('render worker stopped unexpectedly (exit code 3): Error: cannot open model.onnx');
    expect(workerStoppedMessage('SIGKILL', null, '', 512)).toBe('render worker stopped unexpectedly (SIGKILL)');
  });

  it('keeps only the tail and passes everything on', async () => {
    const child = spawn(process.execPath, ['-e', 'process.stderr.write("x".repeat(10000) + "END")'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const echoed: Buffer[] = [];
    const tail = new StderrTail(child.stderr!, { write: (c: Buffer) => echoed.push(c) } as never, 100);
    await once(child, 'close');
    expect(tail.text).toHaveLength(100);
    expect(tail.text.endsWith('END')).toBe(true);
    expect(Buffer.concat(echoed).length).toBe(10003);
  });
});
