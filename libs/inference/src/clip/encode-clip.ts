import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { PassThrough } from 'node:stream';
import { runFfmpeg } from '../media/ffmpeg';
import { sha256File } from '../media/files';
import { AbortError, isAbortError } from '../util/abort';
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

/**
 * Encodes raw RGB24 frames into an H.264 MP4 with the shared clip parameters, through the media
 * module's ffmpeg runner with the frames on ffmpeg's stdin.
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
  // Stops ffmpeg on the caller's abort and on our own failures (a bad frame, a failed rename).
  const stop = new AbortController();
  const onAbort = () => stop.abort(new AbortError('Encoding was aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  const finished = runFfmpeg(
    {
      inputs: [{ source: input, options: ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps)] }],
      output: partPath,
      outputOptions: clipOutputOptions(fps),
      what: `ffmpeg failed to encode ${outPath}`,
    },
    { signal: stop.signal },
  );
  let ffmpegExited = false;
  // Rejections are handled where `finished` is awaited; this also keeps an early one from being "unhandled".
  finished.then(
    () => (ffmpegExited = true),
    () => (ffmpegExited = true),
  );

  let done = 0;
  try {
    for await (const frame of frames) {
      if (stop.signal.aborted) break;
      if (frame.length !== frameBytes) {
        throw new RangeError(`frame ${done} has ${frame.length} bytes, expected ${frameBytes} (${width}x${height} rgb24)`);
      }
      if (!input.write(frame)) {
        // Wait for ffmpeg to catch up; its failure or an abort must also end the wait.
        await Promise.race([once(input, 'drain', { signal: stop.signal }), finished]);
        if (ffmpegExited) throw new Error(`ffmpeg stopped before all frames of ${outPath} were written`);
      }
      done++;
      options.onProgress?.(done, total);
    }
    if (stop.signal.aborted) throw new AbortError('Encoding was aborted');
    if (done === 0) throw new Error(`no frames to encode for ${outPath}`);
    input.end();
    await finished;
    if (signal?.aborted) throw new AbortError('Encoding was aborted');
    await rename(partPath, outPath);
  } catch (err) {
    // Kills ffmpeg if it still runs; the runner settles once it has exited and removed the .part.
    stop.abort(err);
    input.end();
    await finished.catch(() => undefined);
    // ffmpeg may have finished before the failure (an abort just before the rename).
    await rm(partPath, { force: true }).catch(() => undefined);
    throw signal?.aborted || isAbortError(err) ? new AbortError('Encoding was aborted') : err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
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
