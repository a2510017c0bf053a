import { readdir, readFile } from 'node:fs/promises';

export const MiB = 1024 * 1024;

/**
 * Resident memory of a process in bytes, from /proc/<pid>/status (VmRSS), or undefined where
 * that cannot be read: not Linux, or the process is gone.
 */
export async function readRssBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Resident memory of a process and of all its descendants (the render worker and the ffmpeg
 * encoders it runs), or undefined when the process itself cannot be read. Pages the processes
 * share are counted in each, so the sum errs towards too much, which a limit can afford.
 */
export async function readTreeRssBytes(pid: number): Promise<number | undefined> {
  const own = await readRssBytes(pid);
  if (own === undefined) return undefined;
  let total = own;
  for (const child of await childPids(pid)) total += (await readTreeRssBytes(child)) ?? 0;
  return total;
}

/** The direct children of every thread of the process (/proc/<pid>/task/<tid>/children). */
async function childPids(pid: number): Promise<number[]> {
  let tasks: string[];
  try {
    tasks = await readdir(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const lists = await Promise.all(tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '')));
  return lists.flatMap((list) => list.split(' ').filter(Boolean).map(Number));
}

export interface MemoryWatchdogOptions {
  pid: number;
  limitBytes: number;
  /** Sampling period (default 250 ms). The first sample is taken at once. */
  intervalMs?: number;
  /** Called once, with the sample that went over the limit; the watchdog has stopped by then. */
  onExceeded(usedBytes: number): void;
  /** Where samples come from (tests); default readTreeRssBytes (the process and its children). */
  readRss?(pid: number): Promise<number | undefined>;
}

export interface MemoryWatchdog {
  stop(): void;
  /** The highest sample so far, in bytes (0 before the first). */
  readonly peakBytes: number;
  /** False once a sample could not be read before any had been: no /proc here, nothing is enforced. */
  readonly supported: boolean;
}

/**
 * Watches the resident memory of a process and its children and reports when it goes over a
 * limit. The render worker's memory is mostly native (ONNX Runtime, llama.cpp, canvas, and the
 * ffmpeg it encodes with), which no V8 flag bounds, so the server samples it from outside and
 * kills the worker itself. Linux only: elsewhere the first read fails and the watchdog stops quietly.
 */
export function watchMemory(options: MemoryWatchdogOptions): MemoryWatchdog {
  const read = options.readRss ?? readTreeRssBytes;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let sampling = false;
  let samples = 0;
  const state = { peakBytes: 0, supported: true };

  const stop = () => {
    stopped = true;
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const sample = async () => {
    if (stopped || sampling) return;
    sampling = true;
    try {
      const used = await read(options.pid);
      if (stopped) return;
      if (used === undefined) {
        // Never readable: unsupported here. Readable before, now not: the process has gone.
        if (samples === 0) state.supported = false;
        stop();
        return;
      }
      samples++;
      state.peakBytes = Math.max(state.peakBytes, used);
      if (used > options.limitBytes) {
        stop();
        options.onExceeded(used);
      }
    } finally {
      sampling = false;
    }
  };

  timer = setInterval(() => void sample(), options.intervalMs ?? 250);
  timer.unref();
  void sample();
  return {
    stop,
    get peakBytes() {
      return state.peakBytes;
    },
    get supported() {
      return state.supported;
    },
  };
}

/** "render worker exceeded its memory limit of 512 MiB (used 530 MiB)" */
export function memoryLimitMessage(limitBytes: number, usedBytes: number, name = 'render worker'): string {
  return `${name} exceeded its memory limit of ${Math.round(limitBytes / MiB)} MiB (used ${Math.round(usedBytes / MiB)} MiB)`;
}
