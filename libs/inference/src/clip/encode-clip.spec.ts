import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeClip } from './encode-clip';
import { clipTimescale } from './encoding';
import { parseRational, probeVideo } from '../media/probe';

const dir = mkdtempSync(join(tmpdir(), 'reelcraft-clip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const W = 64;
const H = 48;

/** A moving gradient: cheap frames that still give the encoder something to encode. */
async function* gradientFrames(count: number, onFrame?: (i: number) => void | Promise<void>): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    await onFrame?.(i);
    const frame = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const o = (y * W + x) * 3;
        frame[o] = (x * 4 + i * 5) & 255;
        frame[o + 1] = (y * 5) & 255;
        frame[o + 2] = (i * 9) & 255;
      }
    }
    yield frame;
  }
}

describe('encodeClip', () => {
  it('encodes 48 rgb24 frames into a 2 s H.264 yuv420p mp4', async () => {
    const outPath = join(dir, 'two-seconds.mp4');
    const progress: number[] = [];
    const clip = await encodeClip(gradientFrames(48), {
      width: W,
      height: H,
      fps: 24,
      outPath,
      totalFrames: 48,
      onProgress: (done, total) => {
        expect(total).toBe(48);
        progress.push(done);
      },
    });
    expect(clip).toMatchObject({ path: outPath, frames: 48, duration: 2, frame_rate: 24, resolution: '64x48' });
    expect(progress).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
    const bytes = readFileSync(outPath);
    expect(clip.bytes).toBe(bytes.length);
    expect(clip.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(existsSync(`${outPath}.part`)).toBe(false);

    const probe = await probeVideo(outPath);
    expect(probe).toMatchObject({ codec: 'h264', profile: 'High', width: W, height: H, fps: 24, frames: 48, pix_fmt: 'yuv420p', has_audio: false });
    expect(probe.duration).toBeCloseTo(2, 2);
    expect(probe.time_base).toBe(`1/${clipTimescale(24)}`);
  });

  it('gives clips identical stream parameters, so they concatenate with -c copy', async () => {
    const a = await encodeClip(gradientFrames(24), { width: W, height: H, fps: 24, outPath: join(dir, 'a.mp4') });
    const b = await encodeClip(gradientFrames(72), { width: W, height: H, fps: 24, outPath: join(dir, 'b.mp4') });
    const [pa, pb] = await Promise.all([probeVideo(a.path), probeVideo(b.path)]);
    for (const key of ['codec', 'profile', 'width', 'height', 'fps', 'pix_fmt', 'time_base'] as const) expect(pa[key]).toBe(pb[key]);
    expect(pb.frames).toBe(72);
  });

  it('rejects on abort mid-way, kills ffmpeg and leaves no file', async () => {
    const outPath = join(dir, 'aborted.mp4');
    const controller = new AbortController();
    const promise = encodeClip(
      gradientFrames(240, async (i) => {
        if (i === 30) controller.abort();
        // A real renderer takes time per frame; let ffmpeg start meanwhile.
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      }),
      { width: W, height: H, fps: 24, outPath, signal: controller.signal },
    );
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' });
    expect(existsSync(outPath)).toBe(false);
    expect(existsSync(`${outPath}.part`)).toBe(false);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const outPath = join(dir, 'never.mp4');
    await expect(encodeClip(gradientFrames(5), { width: W, height: H, fps: 24, outPath, signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(existsSync(outPath)).toBe(false);
  });

  it('rejects a frame of the wrong size and cleans up', async () => {
    async function* bad(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(W * H * 3);
      yield Buffer.alloc(10);
    }
    const outPath = join(dir, 'bad.mp4');
    await expect(encodeClip(bad(), { width: W, height: H, fps: 24, outPath })).rejects.toThrow(/expected 9216/);
    expect(readdirSync(dir).filter((f) => f.startsWith('bad'))).toEqual([]);
  });

  it('reports ffmpeg failures with its stderr', async () => {
    // A directory where the output file should be makes ffmpeg fail when it opens the output.
    const outPath = join(dir, 'blocked.mp4');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(`${outPath}.part`);
    const err = await encodeClip(gradientFrames(10), { width: W, height: H, fps: 24, outPath }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/ffmpeg failed to encode .*blocked\.mp4/);
    expect((err as Error).message).toMatch(/directory|Is a directory|Error/i);
    expect(existsSync(outPath)).toBe(false);
  });

  it('rejects odd sizes before starting ffmpeg', async () => {
    await expect(encodeClip(gradientFrames(1), { width: 63, height: H, fps: 24, outPath: join(dir, 'odd.mp4') })).rejects.toThrow(/even/);
  });
});

describe('probeVideo', () => {
  it('rejects a missing file with a readable error', async () => {
    await expect(probeVideo(join(dir, 'missing.mp4'))).rejects.toThrow(/ffprobe failed .*missing\.mp4/);
  });

  it('parses ffprobe rationals', () => {
    expect(parseRational('24/1')).toBe(24);
    expect(parseRational('30000/1001')).toBeCloseTo(29.97, 2);
    expect(parseRational('0/0')).toBe(0);
    expect(parseRational(undefined)).toBe(0);
  });
});
