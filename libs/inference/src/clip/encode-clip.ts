import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { PassThrough } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { AbortError } from '../util/abort';
import { clipOutputOptions } from './encoding';

export interface ClipInfo {
  path: string;
  frames: number;
  /** Seconds: frames / frame_rate, exact. */
  duration: number;
  bytes: number;
  /** Hex digest of the file, for the render cache and for integrity checks when serving. */
  sha256: string;
  frame_rate: number;
  /** 'WIDTHxHEIGHT', e.g. '640x360'. */
  resolution: string;
}

export interface EncodeClipOptions {
  width: number;
  height: number;
  fps: number;
  outPath: string;
  /** Frames expected; only used for progress reports (0 there when unknown). */
  totalFrames?: number;
  /** Called after each frame has been handed to ffmpeg. */
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

/** How long to wait for a killed ffmpeg to exit before removing its output anyway. */
const KILL_GRACE_MS = 10_000;
const STDERR_TAIL_LINES = 8;

/**
 * Encodes raw RGB24 frames into an H.264 MP4 with the shared clip parameters.
 *
 * ffmpeg writes to `<outPath>.part` and the file is renamed when complete, so `outPath` only
 * ever holds a finished clip. Writing waits for ffmpeg to drain its stdin, so a slow encoder
 * slows the renderer down instead of buffering frames in memory. On abort or failure ffmpeg is
 * killed, the partial file removed, and the promise rejects (an AbortError when aborted, an
 * Error carrying ffmpeg's last stderr lines otherwise).
 */
export async function encodeClip(frames: AsyncIterable<Buffer>, options: EncodeClipOptions): Promise<ClipInfo> {
  const { width, height, fps, outPath, signal } = options;
  checkOptions(options);
  if (signal?.aborted) throw new AbortError('Encoding was aborted');
  const frameBytes = width * height * 3;
  const total = options.totalFrames ?? 0;
  const partPath = `${outPath}.part`;
  await mkdir(dirname(outPath), { recursive: true });

  // Room for two frames: enough to keep ffmpeg busy while the next frame renders.
  const input = new PassThrough({ highWaterMark: frameBytes * 2 });
  const command = ffmpeg()
    .input(input)
    .inputOptions(['-hide_banner', '-nostats', '-loglevel', 'error'])
    .inputOptions(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps)])
    .outputOptions(clipOutputOptions(fps))
    .output(partPath);

  let aborted = false;
  let ffmpegExited = false;
  const finished = new Promise<void>((resolve, reject) => {
    command.on('end', () => resolve());
    command.on('error', (err: Error, _stdout: string | null, stderr: string | null) => reject(ffmpegError(err, stderr, outPath)));
  }).finally(() => {
    ffmpegExited = true;
  });
  // Rejections are handled where `finished` is awaited; this keeps an early one from being "unhandled".
  finished.catch(() => undefined);

  const kill = () => {
    command.kill('SIGKILL');
    // If ffmpeg has not been spawned yet, ending stdin makes it exit as soon as it starts.
    input.end();
  };
  command.on('start', () => {
    if (aborted) command.kill('SIGKILL');
  });
  const stopWaiting = new AbortController();
  const onAbort = () => {
    aborted = true;
    kill();
    stopWaiting.abort();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  command.run();

  let done = 0;
  try {
    for await (const frame of frames) {
      if (aborted) break;
      if (frame.length !== frameBytes) {
        throw new RangeError(`frame ${done} has ${frame.length} bytes, expected ${frameBytes} (${width}x${height} rgb24)`);
      }
      if (!input.write(frame)) {
        // Wait for ffmpeg to catch up; its failure or an abort must also end the wait.
        await Promise.race([once(input, 'drain', { signal: stopWaiting.signal }), finished]);
        if (ffmpegExited) throw new Error(`ffmpeg stopped before all frames of ${outPath} were written`);
      }
      done++;
      options.onProgress?.(done, total);
    }
    if (aborted) throw new AbortError('Encoding was aborted');
    input.end();
    await finished;
    if (aborted) throw new AbortError('Encoding was aborted');
    if (done === 0) throw new Error(`no frames to encode for ${outPath}`);
    await rename(partPath, outPath);
  } catch (err) {
    kill();
    await settleWithin(finished, KILL_GRACE_MS);
    // Best effort: a failed cleanup must not hide why encoding failed.
    await rm(partPath, { force: true }).catch(() => undefined);
    throw aborted || isAbortLike(err) ? new AbortError('Encoding was aborted') : err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stopWaiting.abort();
  }

  const [bytes, sha256] = await Promise.all([stat(outPath).then((s) => s.size), sha256File(outPath)]);
  return {
    path: outPath,
    frames: done,
    duration: done / fps,
    bytes,
    sha256,
    frame_rate: fps,
    resolution: `${width}x${height}`,
  };
}

function checkOptions(o: EncodeClipOptions): void {
  for (const key of ['width', 'height'] as const) {
    // yuv420p halves chroma resolution: odd sizes are rejected by libx264.
    if (!Number.isInteger(o[key]) || o[key] <= 0 || o[key] % 2 !== 0) throw new RangeError(`${key} must be a positive even integer, got ${o[key]}`);
  }
  if (!Number.isInteger(o.fps) || o.fps <= 0 || o.fps > 120) throw new RangeError(`fps must be an integer from 1 to 120, got ${o.fps}`);
  if (typeof o.outPath !== 'string' || o.outPath === '') throw new TypeError('outPath is required');
}

function ffmpegError(err: Error, stderr: string | null, outPath: string): Error {
  const tail = (stderr ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-STDERR_TAIL_LINES)
    .join('\n');
  const message = `ffmpeg failed to encode ${outPath}: ${err.message.split('\n')[0]}${tail && !err.message.includes(tail) ? `\n${tail}` : ''}`;
  return Object.assign(new Error(message), { stderr: tail });
}

function isAbortLike(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
