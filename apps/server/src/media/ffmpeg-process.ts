import { spawn } from 'node:child_process';

/** ffmpeg is resolved through PATH (Debian installs it in /usr/bin); ffprobe is libs/inference's (clip/probe.ts). */
export const FFMPEG_BIN = 'ffmpeg';

/** How many stderr lines to keep: enough to explain a failure, bounded so verbose logs cannot grow memory. */
const TAIL_LINES = 60;
/** How many lines a failure message quotes. */
const MESSAGE_LINES = 8;

export class MediaToolError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    /** The last stderr lines, newest last. */
    readonly stderrTail: string[],
  ) {
    super(message);
    this.name = 'MediaToolError';
  }
}

export interface RunToolOptions {
  signal?: AbortSignal;
  /** Called for each stdout line (ffmpeg's `-progress pipe:1` writes key=value lines there). */
  onStdoutLine?(line: string): void;
  /** Called for each stderr line, e.g. to pick `fontselect` out of a verbose log. */
  onStderrLine?(line: string): void;
  /** Keep the whole stdout and return it (ffprobe's JSON). */
  collectStdout?: boolean;
  /** Short description used in error messages, e.g. "concatenating clips". */
  what: string;
}

export interface RunToolResult {
  stdout: string;
  stderrTail: string[];
}

/**
 * Runs ffmpeg or ffprobe without a shell (arguments need no shell quoting), keeps the end of stderr
 * for error messages, and kills the process when `signal` aborts. It settles only after the process
 * has exited, so callers can delete its output files without racing a still-writing ffmpeg.
 */
export function runMediaTool(bin: string, args: string[], opts: RunToolOptions): Promise<RunToolResult> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(abortReason(signal));

  return new Promise<RunToolResult>((resolve, reject) => {
    // stdin ignored: an ffmpeg that can read stdin may stop on a stray "q" or wait on a TTY.
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const stdoutChunks: string[] = [];
    let aborted = false;
    let spawnError: Error | null = null;

    const onAbort = () => {
      aborted = true;
      // SIGKILL, not SIGTERM: a terminated ffmpeg first flushes the encoder and writes the trailer,
      // which is wasted work since the partial output is deleted anyway.
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    lineSplitter(child.stdout, (line) => {
      if (opts.collectStdout) stdoutChunks.push(line);
      opts.onStdoutLine?.(line);
    });
    lineSplitter(child.stderr, (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      opts.onStderrLine?.(line);
    });

    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (aborted && signal) return reject(abortReason(signal));
      if (spawnError) {
        const hint = (spawnError as NodeJS.ErrnoException).code === 'ENOENT' ? ` (is ${bin} installed and on PATH?)` : '';
        return reject(new MediaToolError(`${opts.what}: could not start ${bin}${hint}: ${spawnError.message}`, null, tail));
      }
      if (code === 0) return resolve({ stdout: stdoutChunks.join('\n'), stderrTail: tail });
      const status = code === null ? `was killed by ${sig}` : `exited with code ${code}`;
      reject(new MediaToolError(`${opts.what}: ${bin} ${status}:\n${summariseLog(tail)}`, code, tail));
    });
  });
}

/**
 * Picks the lines worth showing from a log written with `-loglevel level+…`: the error lines if
 * there are any (a verbose log ends in statistics noise), otherwise simply the last lines.
 */
export function summariseLog(lines: string[]): string {
  const errors = lines.filter((l) => /\[(error|fatal|panic)\]/.test(l));
  const picked = (errors.length > 0 ? errors : lines.filter((l) => l.trim() !== '')).slice(-MESSAGE_LINES);
  return picked.map((l) => '  ' + l.replace(/\[(error|fatal|panic|warning|info|verbose|debug)\] /, '')).join('\n');
}

function lineSplitter(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    // ffmpeg ends progress-style lines with \r; treat it as a line end too.
    const parts = buffered.split(/\r?\n|\r/);
    buffered = parts.pop() ?? '';
    for (const p of parts) onLine(p);
  });
  stream.on('end', () => {
    if (buffered !== '') onLine(buffered);
  });
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
