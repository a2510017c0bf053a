import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MiB, memoryLimitMessage, readRssBytes, readTreeRssBytes, watchMemory } from './memory-watchdog';

const linux = process.platform === 'linux';

/** A fake process whose samples are `values`, then the last one again; `read(n)` resolves at the n-th sample. */
function samples(values: (number | undefined)[]) {
  const reads: number[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  return {
    reads,
    readRss: async (pid: number) => {
      reads.push(pid);
      for (const w of waiting.filter((w) => reads.length >= w.n)) w.resolve();
      return values[Math.min(reads.length, values.length) - 1];
    },
    read: (n: number) => new Promise<void>((resolve) => (reads.length >= n ? resolve() : waiting.push({ n, resolve }))),
  };
}

/**
 * Resolves after `n` ticks of an interval of `ms` started now. A watchdog's interval of the same
 * length, started earlier, fires before it in each round (Node runs due timers of one duration in
 * the order they were set), so a watchdog still sampling would have sampled by then: a count of
 * ticks, not a span of time, decides what "has not sampled again" means.
 */
function ticks(n: number, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const timer = setInterval(() => {
      if (++seen < n) return;
      clearInterval(timer);
      // Past the tick's own microtasks (a sample started in the same round has resolved too).
      setImmediate(resolve);
    }, ms);
  });
}

describe('watchMemory', () => {
  it('samples at once, then on every tick, and reports the first sample over the limit once', async () => {
    const fake = samples([10 * MiB, 20 * MiB, 600 * MiB, 700 * MiB]);
    const exceeded: number[] = [];
    let first!: () => void;
    const reported = new Promise<void>((resolve) => (first = resolve));
    const dog = watchMemory({ pid: 42, limitBytes: 500 * MiB, intervalMs: 5, readRss: fake.readRss, onExceeded: (used) => (exceeded.push(used), first()) });
    expect(fake.reads).toEqual([42]);
    await reported;
    expect(exceeded).toEqual([600 * MiB]);
    expect(fake.reads).toHaveLength(3);
    expect(dog.peakBytes).toBe(600 * MiB);
    // Once over the limit it stops by itself: three more rounds, no more samples, no second report.
    await ticks(3, 5);
    expect(fake.reads).toHaveLength(3);
    expect(exceeded).toEqual([600 * MiB]);
    dog.stop();
  });

  it('stays quiet under the limit and stops sampling when stopped', async () => {
    const fake = samples([100 * MiB]);
    const dog = watchMemory({ pid: 1, limitBytes: 500 * MiB, intervalMs: 5, readRss: fake.readRss, onExceeded: () => expect.fail('not over the limit') });
    await fake.read(3);
    dog.stop();
    const n = fake.reads.length;
    expect(n).toBeGreaterThanOrEqual(3);
    await ticks(3, 5);
    expect(fake.reads).toHaveLength(n);
    expect(dog.supported).toBe(true);
  });

  it('gives up quietly where memory cannot be read (not Linux), and when the process is gone', async () => {
    const none = samples([undefined]);
    const dog = watchMemory({ pid: 1, limitBytes: MiB, intervalMs: 5, readRss: none.readRss, onExceeded: () => expect.fail('nothing to enforce') });
    await ticks(3, 5);
    expect(dog.supported).toBe(false);
    expect(none.reads).toHaveLength(1);

    const gone = samples([MiB / 2, undefined]);
    const dog2 = watchMemory({ pid: 1, limitBytes: MiB, intervalMs: 5, readRss: gone.readRss, onExceeded: () => expect.fail('under the limit') });
    await gone.read(2);
    await ticks(3, 5);
    expect(dog2.supported).toBe(true);
    expect(gone.reads).toHaveLength(2);
  });

  it('says what the limit was and how much was used, in MiB', () => {
    expect(memoryLimitMessage(512 * MiB, 530 * MiB)).toBe('render worker exceeded its memory limit of 512 MiB (used 530 MiB)');
  });

  it.runIf(linux)('reads the resident memory of a live process from /proc, nothing for a dead one', async () => {
    const rss = await readRssBytes(process.pid);
    expect(rss).toBeGreaterThan(10 * MiB);
    expect(Math.abs(rss! - process.memoryUsage().rss)).toBeLessThan(64 * MiB);
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'close');
    expect(await readRssBytes(child.pid!)).toBeUndefined();
  });

  it.runIf(linux)('counts the children a process runs (the worker\'s ffmpeg) in its memory', async () => {
    // A parent that holds little, running a child that holds 96 MiB (touched, so it is resident).
    const child = spawn(process.execPath, [
      '-e',
      `const c = require('node:child_process').spawn(process.execPath, ['-e', 'globalThis.b = Buffer.alloc(96 << 20, 1); console.log("ready"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'inherit', 'inherit'] }); setInterval(() => {}, 1000)`,
    ], { detached: true });
    // Its own process group, so both go when the test ends.
    const exited = once(child, 'exit');
    try {
      await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
      const own = (await readRssBytes(child.pid!))!;
      const tree = (await readTreeRssBytes(child.pid!))!;
      expect(tree - own).toBeGreaterThan(96 * MiB);
      expect(own).toBeLessThan(96 * MiB);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
    await exited;
    expect(await readTreeRssBytes(child.pid!)).toBeUndefined();
  });

  it.runIf(linux)('catches a real process that keeps allocating native memory', async () => {
    // Buffers live outside the V8 heap, like ONNX Runtime's tensors: only the resident size shows them.
    const child = spawn(process.execPath, ['-e', 'const k = []; setInterval(() => k.push(Buffer.alloc(16 << 20, 1)), 20)']);
    try {
      const used = await new Promise<number>((resolve) => {
        watchMemory({ pid: child.pid!, limitBytes: 200 * MiB, intervalMs: 20, onExceeded: resolve });
      });
      expect(used).toBeGreaterThan(200 * MiB);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
