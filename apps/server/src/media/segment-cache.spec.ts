import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SegmentCache, isWholeJpeg, isWholeMp4 } from './segment-cache';

const KEY = (n: number) => n.toString(16).padStart(64, '0');

describe('SegmentCache', () => {
  let root: string;
  let mp4: string;
  let mp4Bytes: number;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'reelcraft-segment-cache-'));
    mp4 = join(root, 'real.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=64x36:rate=24', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', mp4]);
    mp4Bytes = (await stat(mp4)).size;
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('tells a whole MP4 from one cut short anywhere, an empty file, a missing one and something else', async () => {
    expect(await isWholeMp4(mp4)).toBe(true);
    for (const keep of [mp4Bytes - 1, Math.floor(mp4Bytes / 2), 100, 7, 0]) {
      const cut = join(root, `cut-${keep}.mp4`);
      await copyFile(mp4, cut);
      await truncate(cut, keep);
      expect(await isWholeMp4(cut), `${keep} of ${mp4Bytes} bytes`).toBe(false);
    }
    expect(await isWholeMp4(join(root, 'missing.mp4'))).toBe(false);
    const text = join(root, 'text.mp4');
    await writeFile(text, 'not a video at all, just some words here');
    expect(await isWholeMp4(text)).toBe(false);
  });

  it('tells a whole JPEG from one cut short', async () => {
    const jpg = join(root, 'frame.jpg');
    execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', mp4, '-frames:v', '1', '-f', 'mjpeg', jpg]);
    expect(await isWholeJpeg(jpg)).toBe(true);
    await truncate(jpg, (await stat(jpg)).size - 10);
    expect(await isWholeJpeg(jpg)).toBe(false);
    expect(await isWholeJpeg(mp4)).toBe(false);
  });

  it('stores under the key, hits after, and drops a damaged entry', async () => {
    const cache = new SegmentCache(join(root, 'c1'), 1 << 30);
    expect(await cache.get(KEY(1))).toBeNull();
    const path = await cache.put(KEY(1), (tmp) => copyFile(mp4, tmp));
    expect(path).toBe(join(root, 'c1', `${KEY(1)}.mp4`));
    expect(await cache.get(KEY(1))).toBe(path);
    await truncate(path, 200);
    expect(await cache.get(KEY(1))).toBeNull();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses to store what is not a complete MP4, and leaves no temporary file when the producer fails', async () => {
    const dir = join(root, 'c2');
    const cache = new SegmentCache(dir, 1 << 30);
    await expect(cache.put(KEY(2), (tmp) => writeFile(tmp, 'half'))).rejects.toThrow(/not a complete MP4/);
    await expect(
      cache.put(KEY(3), async (tmp) => {
        await copyFile(mp4, tmp);
        throw new Error('encoder died');
      }),
    ).rejects.toThrow('encoder died');
    expect(await readdir(dir)).toEqual([]);
    expect(() => cache.pathOf('../escape')).toThrow(/invalid key/);
  });

  it('prunes least recently used segments beyond its size, never the ones just used', async () => {
    const dir = join(root, 'c3');
    // Room for two segments.
    const cache = new SegmentCache(dir, mp4Bytes * 2);
    const paths = [];
    for (let i = 0; i < 4; i++) paths.push(await cache.put(KEY(10 + i), (tmp) => copyFile(mp4, tmp)));
    // Used long ago in the order 0, 1, 2, 3; then 0 is used again now.
    for (const [i, p] of paths.entries()) await utimes(p, new Date(1_000_000 + i * 1000), new Date(1_000_000 + i * 1000));
    expect(await cache.get(KEY(10))).toBe(paths[0]);
    const result = await cache.prune();
    expect(result).toEqual({ removed: 2, bytes: mp4Bytes * 2 });
    expect(paths.map((p) => existsSync(p))).toEqual([true, false, false, true]);

    // The segments of the assembly just made stay even when they alone exceed the bound.
    const tight = new SegmentCache(dir, 0);
    expect(await tight.prune(new Set([paths[3]!]))).toEqual({ removed: 1, bytes: mp4Bytes });
    expect(existsSync(paths[3]!)).toBe(true);
    expect(existsSync(paths[0]!)).toBe(false);
  });
});
