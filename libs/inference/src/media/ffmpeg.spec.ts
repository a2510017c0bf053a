import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MediaToolError, runFfmpeg, summariseLog, type FfmpegJob } from './ffmpeg';
import { probeMedia } from './probe';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelcraft-ffmpeg-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

/** A lavfi test picture of `seconds`, encoded to `out` (ultrafast: the tests time ffmpeg, not x264). */
const testVideo = (out: string, seconds: number): FfmpegJob => ({
  inputs: [{ source: `testsrc2=size=320x180:rate=24:duration=${seconds}`, options: ['-f', 'lavfi'] }],
  output: out,
  outputOptions: ['-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mp4'],
  what: 'encoding a test picture',
});

/** Processes whose command line mentions `needle`: a killed ffmpeg must not be among them. */
function processesMentioning(needle: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('runFfmpeg', () => {
  it('encodes and reports progress in output seconds, up to the end', async () => {
    const out = join(dir, 'two.mp4');
    const seen: number[] = [];
    await runFfmpeg(testVideo(out, 2), { onProgress: (s) => seen.push(s) });
    expect((await probeMedia(out)).duration).toBeCloseTo(2, 1);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBeGreaterThan(1.9);
  });

  it('takes its input from a stream piped to stdin', async () => {
    const out = join(dir, 'stdin.mp4');
    const input = new PassThrough();
    const run = runFfmpeg({
      inputs: [{ source: input, options: ['-f', 'rawvideo', '-pix_fmt', 'gray', '-s', '16x16', '-r', '10'] }],
      output: out,
      outputOptions: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-f', 'mp4'],
      what: 'encoding from stdin',
    });
    for (let i = 0; i < 10; i++) input.write(Buffer.alloc(256, i * 20));
    input.end();
    await run;
    expect((await probeMedia(out)).video?.frames).toBe(10);
  });

  it('fails with what it was doing, the exit code and the error lines of stderr, and removes the output', async () => {
    const out = join(dir, 'broken.mp4');
    await writeFile(join(dir, 'not-a-video.mp4'), 'not a video');
    const err = await runFfmpeg({ inputs: [{ source: join(dir, 'not-a-video.mp4') }], output: out, outputOptions: ['-f', 'mp4'], what: 'converting a file' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaToolError);
    expect((err as MediaToolError).message).toMatch(/^converting a file: ffmpeg exited with code 1:\n {2}[\s\S]*not-a-video\.mp4: Invalid data found when processing input/);
    expect((err as MediaToolError).exitCode).toBe(1);
    expect((err as MediaToolError).stderrTail.length).toBeGreaterThan(0);
    expect(existsSync(out)).toBe(false);
  });

  it('on abort kills ffmpeg at once, rejects with the reason and leaves no file', async () => {
    const out = join(dir, 'aborted-run.mp4');
    const ac = new AbortController();
    const started = Date.now();
    const run = runFfmpeg(testVideo(out, 600), { signal: ac.signal, onProgress: (s) => s > 0.5 && ac.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    // Ten minutes of video would take far longer than this to encode.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(processesMentioning(out)).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects at once when already aborted, starting nothing', async () => {
    const out = join(dir, 'never.mp4');
    await expect(runFfmpeg(testVideo(out, 1), { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(existsSync(out)).toBe(false);
  });

  it('runs the binary FFMPEG_PATH names, and says so clearly when it is missing', async () => {
    const log = join(dir, 'wrapper.log');
    const wrapper = join(dir, 'ffmpeg-wrapper.sh');
    await writeFile(wrapper, `#!/bin/sh\necho "$@" >> '${log}'\nexec ffmpeg "$@"\n`);
    await chmod(wrapper, 0o755);
    vi.stubEnv('FFMPEG_PATH', wrapper);
    await runFfmpeg(testVideo(join(dir, 'wrapped.mp4'), 0.5));
    expect(await readFile(log, 'utf8')).toContain('wrapped.mp4');

    vi.stubEnv('FFMPEG_PATH', join(dir, 'no-such-ffmpeg'));
    await expect(runFfmpeg(testVideo(join(dir, 'nope.mp4'), 0.5))).rejects.toThrow(/^encoding a test picture: could not start ffmpeg \(is it installed and on PATH\? FFMPEG_PATH=.*no-such-ffmpeg/);
  });
});

describe('summariseLog', () => {
  it('quotes the error lines of a tagged log, without their tags', () => {
    expect(summariseLog(['[info] Input #0', '[error] x.mp4: No such file', '[info] frame=  10 time=00:00:01.00'])).toBe('  x.mp4: No such file');
  });

  it('falls back to the last lines, leaving statistics out', () => {
    expect(summariseLog(['a', 'b', 'frame=  10 fps=0 time=00:00:01.00 bitrate=1k'])).toBe('  a\n  b');
  });
});
