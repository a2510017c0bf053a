import type { Readable, Writable } from 'node:stream';

/**
 * The last few kilobytes a child wrote to stderr, passed on to `echo` (the server's own stderr)
 * as they come: when the child dies, its last words say why better than an exit code does.
 */
export class StderrTail {
  private tail = '';

  constructor(
    stream: Readable,
    echo?: Writable,
    private readonly keep = 4096,
  ) {
    stream.on('data', (chunk: Buffer) => {
      echo?.write(chunk);
      this.tail = (this.tail + chunk.toString('utf8')).slice(-this.keep);
    });
  }

  get text(): string {
    return this.tail;
  }
}

/** V8's last words when a heap limit is hit ("Reached heap limit", "JavaScript heap out of memory"). */
const HEAP_DEATH = /Reached heap limit|JavaScript heap out of memory/;

/**
 * Why a child (the render worker, the planner process) ended without finishing: out of JavaScript
 * heap (under the --max-old-space-size its parent gave it, or V8's own default), or the signal or
 * exit code with the last line it wrote to stderr. `heapLimitMb` is RENDER_MEMORY_LIMIT_MB for a
 * render worker; a child started without a heap flag passes 0.
 */
export function childStoppedMessage(name: string, signal: NodeJS.Signals | null, code: number | null, stderr: string, heapLimitMb: number): string {
  if (HEAP_DEATH.test(stderr)) {
    const limit = heapLimitMb > 0 ? `the ${heapLimitMb} MiB of RENDER_MEMORY_LIMIT_MB` : "V8's default limit";
    return `${name} ran out of JavaScript heap memory (${limit})`;
  }
  const last = stderr.split('\n').map((l) => l.trim()).filter(Boolean).at(-1);
  const how = signal ?? `exit code ${code}`;
  return `${name} stopped unexpectedly (${how})${last ? `: ${last.slice(0, 200)}` : ''}`;
}
