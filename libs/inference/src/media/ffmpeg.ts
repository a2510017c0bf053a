import { constants } from 'node:fs';
import { access, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { AbortError } from '../util/abort';

/**
 * The project's one way to run ffmpeg: the render worker encodes its clips through it and the
 * server assembles the final video through it. It runs over fluent-ffmpeg, and adds what every
 * caller needs: abort (kills ffmpeg and removes the partial output), an error that quotes the
 * useful end of stderr, and progress in output seconds.
 */

/** `FFMPEG_PATH` when set, else `ffmpeg` from PATH (read at every run, so tests may point it elsewhere). */
export function ffmpegBinary(): string {
  return process.env.FFMPEG_PATH || 'ffmpeg';
}

export interface FfmpegInput {
  /** A file (or lavfi graph, with `-f lavfi` in options), or a stream piped to ffmpeg's stdin (at most one). */
  source: string | Readable;
  /** Options placed before this input's `-i`. */
  options?: readonly string[];
}

export interface FfmpegJob {
  inputs: readonly FfmpegInput[];
  /** Filter chains, joined with `;` into one `-filter_complex`. */
  filterGraph?: readonly string[];
  /** Output file; `-` for none (measurements with `-f null`). Removed when the run fails or is aborted. */
  output: string;
  outputOptions: readonly string[];
  /** What the run does, for error messages: "concatenating the scene clips". */
  what: string;
  /** `verbose` for logs that callers read (libass' `fontselect`); `error` otherwise. */
  logLevel?: 'error' | 'info' | 'verbose';
}

export interface RunFfmpegOptions {
  signal?: AbortSignal;
  /** Output position in seconds, from ffmpeg's statistics lines (about every 0.25 s, and at the end). */
  onProgress?(seconds: number): void;
  /** Every stderr line, e.g. to pick `fontselect` or `volumedetect` results out of the log. */
  onStderrLine?(line: string): void;
}

export interface FfmpegResult {
  /** The last stderr lines, newest last. */
  stderrTail: string[];
}

export class MediaToolError extends Error {
  override readonly name = 'MediaToolError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    /** The last stderr lines, newest last. */
    readonly stderrTail: string[],
  ) {
    super(message);
  }
}

/** Enough lines to explain a failure, bounded so verbose logs cannot grow memory. */
const TAIL_LINES = 60;
/** How many lines an error message quotes. */
const MESSAGE_LINES = 8;

/**
 * Runs one ffmpeg command. Settles only after ffmpeg has exited, so a caller may delete or rename
 * its files at once. On abort ffmpeg is killed (SIGKILL: a terminated ffmpeg would first finish
 * the file that is about to be deleted) and the promise rejects with the signal's reason.
 */
export async function runFfmpeg(job: FfmpegJob, opts: RunFfmpegOptions = {}): Promise<FfmpegResult> {
  const { signal } = opts;
  if (signal?.aborted) throw abortReason(signal);
  if (job.inputs.length === 0) throw new Error(`${job.what}: ffmpeg needs an input`);
  // fluent-ffmpeg 2.1.3 throws an uncaught TypeError (in its child's 'exit' handler) when the
  // binary cannot be spawned after an earlier run succeeded: find it first.
  const bin = await findExecutable(ffmpegBinary());
  if (!bin) throw new MediaToolError(`${job.what}: could not start ffmpeg (is it installed and on PATH? FFMPEG_PATH=${process.env.FFMPEG_PATH ?? ''})`, null, []);
  if (signal?.aborted) throw abortReason(signal);

  const command = ffmpeg().setFfmpegPath(bin);
  const fromStdin = job.inputs.some((i) => typeof i.source !== 'string');
  const global = [
    '-hide_banner',
    // An ffmpeg that reads stdin may stop on a stray "q" or wait on a terminal.
    ...(fromStdin ? [] : ['-nostdin']),
    '-loglevel',
    `level+${job.logLevel ?? 'error'}`,
    ...(opts.onProgress ? ['-stats', '-stats_period', '0.25'] : ['-nostats']),
  ];
  job.inputs.forEach((input, i) => {
    command.input(input.source);
    addOptions((o) => command.inputOptions(...o), [...(i === 0 ? global : []), ...(input.options ?? [])]);
  });
  if (job.filterGraph && job.filterGraph.length > 0) command.complexFilter(job.filterGraph.join(';'));
  command.output(job.output);
  addOptions((o) => command.outputOptions(...o), job.outputOptions);

  const tail: string[] = [];
  command.on('stderr', (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    if (opts.onProgress) {
      const seconds = statsTime(line);
      if (seconds !== null) guard(() => opts.onProgress!(seconds));
    }
    if (opts.onStderrLine) guard(() => opts.onStderrLine!(line));
  });

  return new Promise<FfmpegResult>((resolve, reject) => {
    let aborted = false;
    let started = false;
    const onAbort = () => {
      aborted = true;
      // Before fluent-ffmpeg has spawned the process there is nothing to kill yet: 'start' does it.
      if (started) command.kill('SIGKILL');
    };
    command.on('start', () => {
      started = true;
      if (aborted) command.kill('SIGKILL');
    });
    signal?.addEventListener('abort', onAbort, { once: true });

    const settle = async (err: Error | null) => {
      signal?.removeEventListener('abort', onAbort);
      if (!err && !aborted) return resolve({ stderrTail: tail });
      await removeOutput(job.output);
      if (aborted && signal) return reject(abortReason(signal));
      reject(toolError(job.what, 'ffmpeg', err!, tail));
    };
    command.on('end', () => void settle(null));
    command.on('error', (err: Error) => void settle(err));
    command.run();
  });
}

/**
 * Picks the lines worth showing from a log written with `-loglevel level+…`: the error lines if
 * there are any (a verbose log ends in statistics noise), otherwise simply the last lines.
 */
export function summariseLog(lines: readonly string[]): string {
  const errors = lines.filter((l) => /\[(error|fatal|panic)\]/.test(l));
  const picked = (errors.length > 0 ? errors : lines.filter((l) => l.trim() !== '' && statsTime(l) === null)).slice(-MESSAGE_LINES);
  return picked.map((l) => '  ' + l.trim().replace(/^\[(error|fatal|panic|warning|info|verbose|debug)\] /, '')).join('\n');
}

/** The error for a media tool that failed (ffmpeg through fluent-ffmpeg, or ffprobe/espeak-ng via runTool). */
export function toolError(what: string, bin: string, err: Error & { code?: unknown; signal?: unknown }, tail: readonly string[], hint = ''): MediaToolError {
  if (err.code === 'ENOENT' || /spawn .* ENOENT|Cannot find ffmpeg/.test(err.message)) {
    return new MediaToolError(`${what}: could not start ${bin} (is it installed and on PATH?${hint ? ` ${hint}` : ''})`, null, [...tail]);
  }
  const code = typeof err.code === 'number' ? err.code : Number(/exited with code (\d+)/.exec(err.message)?.[1] ?? NaN);
  const killed = typeof err.signal === 'string' ? err.signal : /killed with signal (\w+)/.exec(err.message)?.[1];
  const status = Number.isFinite(code) ? `exited with code ${code}` : killed ? `was killed by ${killed}` : err.message.split('\n')[0];
  return new MediaToolError(`${what}: ${bin} ${status}:\n${summariseLog(tail)}`, Number.isFinite(code) ? code : null, [...tail]);
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new AbortError();
}

/** The executable file a command name or path refers to (searched on PATH like a shell does), or null. */
async function findExecutable(name: string): Promise<string | null> {
  const candidates = name.includes('/') ? [name] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name));
  for (const c of candidates) {
    if (await access(c, constants.X_OK).then(() => true, () => false)) return c;
  }
  return null;
}

/** Seconds of `time=HH:MM:SS.cc` in a statistics line, or null for any other line. */
function statsTime(line: string): number | null {
  const m = /time=(-?)(\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(line);
  if (!m) return null;
  const t = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return m[1] ? 0 : t;
}

/**
 * fluent-ffmpeg splits a lone option string at its space ("-map [v]"); passing the options as
 * separate arguments turns that off, which keeps values with spaces (paths, metadata) intact.
 */
function addOptions(add: (options: string[]) => void, options: readonly string[]): void {
  if (options.length === 0) return;
  if (options.length === 1 && options[0]!.includes(' ')) throw new Error(`an option with a space needs its flag beside it: ${options[0]}`);
  add([...options]);
}

async function removeOutput(output: string): Promise<void> {
  if (output === '-' || output.startsWith('pipe:') || output === '/dev/null') return;
  // Best effort: a failed cleanup (the path is a folder, say) must not hide why ffmpeg failed.
  await rm(output, { force: true }).catch(() => undefined);
}

function guard(fn: () => void): void {
  try {
    fn();
  } catch {
    // A broken listener must not break the run.
  }
}
