import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleVideo, finalPassArgs, type AssembleOptions } from './assemble-video';
import { FFMPEG_BIN, runMediaTool } from './ffmpeg-process';
import { probeMedia } from '@reelcraft/inference';
import { buildAssSubtitles } from './subtitles';

const W = 320;
const H = 180;
/** A folder name with every character that ffmpeg's filter graph or concat list treats specially. */
const AWKWARD = "it's a: [weird], dir;";

const ff = (args: string[]) => execFileSync(FFMPEG_BIN, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { maxBuffer: 64 << 20 });

/** Encodes a clip the way the render worker does: libx264 high, yuv420p, no audio, +faststart. */
function makeClip(path: string, seconds: number): void {
  ff(['-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=24`, '-t', String(seconds), '-c:v', 'libx264', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', path]);
}

/** One frame as 8-bit grey pixels, row by row. */
function grayFrame(path: string, atSec: number): Buffer {
  return ff(['-ss', String(atSec), '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
}

/** Share of pixels in a band of rows whose grey level changed by more than re-encoding noise does. */
function changedShare(a: Buffer, b: Buffer, rowFrom: number, rowTo: number): number {
  let changed = 0;
  for (let i = rowFrom * W; i < rowTo * W; i++) if (Math.abs(a[i] - b[i]) > 40) changed++;
  return changed / ((rowTo - rowFrom) * W);
}

async function meanVolumeDb(path: string, from: number, seconds: number): Promise<number> {
  let mean = NaN;
  await runMediaTool(FFMPEG_BIN, ['-hide_banner', '-nostdin', '-ss', String(from), '-t', String(seconds), '-i', path, '-vn', '-af', 'volumedetect', '-f', 'null', '-'], {
    what: 'measuring volume',
    onStderrLine: (l) => {
      const m = /mean_volume: (-?[\d.]+) dB/.exec(l);
      if (m) mean = Number(m[1]);
    },
  });
  return mean;
}

describe('assembleVideo (real ffmpeg)', () => {
  let root: string;
  let clipDir: string;
  let clips: { path: string; duration: number }[];
  let music: string;
  const scenes = [
    { scene_number: 1, subtitle: '森林里有一条河流', duration_sec: 2 },
    { scene_number: 2, subtitle: 'The river runs to the sea', duration_sec: 3 },
    { scene_number: 3, subtitle: '', duration_sec: 1 },
  ];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'reelcraft-assemble-'));
    clipDir = join(root, AWKWARD, 'clips');
    await mkdir(clipDir, { recursive: true });
    clips = [2, 3, 1].map((d, i) => ({ path: join(clipDir, `scene '${i + 1}'.mp4`), duration: d }));
    for (const c of clips) makeClip(c.path, c.duration);
    music = join(root, 'music.m4a');
    ff(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=20', '-c:a', 'aac', music]);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const options = (name: string, extra: Partial<AssembleOptions> = {}): AssembleOptions => ({
    clips,
    scenes,
    outPath: join(root, name, 'final.mp4'),
    workDir: join(root, AWKWARD, 'work'),
    width: W,
    height: H,
    ...extra,
  });

  /** Nothing of an assembly may stay behind: no temp folder, no partial output. */
  async function expectNoLeftovers(o: AssembleOptions): Promise<void> {
    const work = existsSync(o.workDir) ? await readdir(o.workDir) : [];
    expect(work.filter((n) => n.startsWith('assemble-'))).toEqual([]);
    const outDir = join(o.outPath, '..');
    const out = existsSync(outDir) ? await readdir(outDir) : [];
    expect(out.filter((n) => n.endsWith('.partial'))).toEqual([]);
  }

  it('joins 2 s + 3 s + 1 s into one 6 s H.264 file without audio, burning subtitles in WenQuanYi', async () => {
    const o = options('plain');
    const seen: number[] = [];
    const result = await assembleVideo({ ...o, onProgress: (f) => seen.push(f) });

    expect(result.path).toBe(o.outPath);
    const p = await probeMedia(o.outPath);
    expect(p.video).toMatchObject({ codec: 'h264', pix_fmt: 'yuv420p', width: W, height: H });
    expect(Math.abs(p.duration - 6)).toBeLessThanOrEqual(0.1);
    expect(p.audio).toBeNull();

    expect(result.duration).toBeCloseTo(p.duration, 3);
    expect(result.bytes).toBe((await stat(o.outPath)).size);
    expect(result.sha256).toBe(createHash('sha256').update(await readFile(o.outPath)).digest('hex'));
    // libass' own report of the font it drew with: the bundled CJK font, not a fontconfig fallback.
    expect(result.subtitleFonts.length).toBeGreaterThan(0);
    for (const f of result.subtitleFonts) expect(f).toMatch(/WenQuanYiMicroHei|wqy-microhei/i);

    expect(seen.at(-1)).toBe(1);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    await expectNoLeftovers(o);
  });

  it('burns the subtitle into the bottom of the picture and leaves the top alone', async () => {
    const o = options('frames');
    await assembleVideo(o);
    const before = grayFrame(clips[0].path, 1);
    const after = grayFrame(o.outPath, 1);
    expect(after.length).toBe(W * H);
    const top = changedShare(before, after, 0, H / 2);
    const bottom = changedShare(before, after, Math.round(H * 0.8), H);
    expect(top).toBeLessThan(0.002); // re-encoding alone changes next to nothing
    expect(bottom).toBeGreaterThan(0.02); // white glyphs with black outline
  });

  it('mixes music trimmed to the video, faded out at the end', async () => {
    const o = options('music', { musicPath: music });
    await assembleVideo(o);
    const p = await probeMedia(o.outPath);
    expect(p.audio?.codec).toBe('aac');
    expect(Math.abs(p.duration - 6)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(p.audio!.duration - p.duration)).toBeLessThanOrEqual(0.1);
    // The fade-out sits at T − fade, so the last quarter second is far quieter than the middle.
    const middle = await meanVolumeDb(o.outPath, 2, 1);
    const end = await meanVolumeDb(o.outPath, p.duration - 0.25, 0.25);
    expect(end).toBeLessThan(middle - 10);
  });

  it('loops music that is shorter than the video', async () => {
    const short = join(root, 'short.m4a');
    ff(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2.5', '-c:a', 'aac', short]);
    const o = options('short-music', { musicPath: short });
    await assembleVideo(o);
    const p = await probeMedia(o.outPath);
    expect(Math.abs(p.audio!.duration - p.duration)).toBeLessThanOrEqual(0.1);
  });

  it('copies the video stream when no scene has a subtitle', async () => {
    const o = options('no-subs', { scenes: scenes.map((s) => ({ ...s, subtitle: '' })) });
    const result = await assembleVideo(o);
    expect(result.subtitleFonts).toEqual([]);
    const p = await probeMedia(o.outPath);
    expect(p.video?.frames).toBe(144);
    expect(Math.abs(p.duration - 6)).toBeLessThanOrEqual(0.1);
  });

  it('rejects a missing clip with a clear message and writes nothing', async () => {
    const o = options('missing', { clips: [clips[0], { path: join(clipDir, 'gone.mp4'), duration: 3 }, clips[2]] });
    await expect(assembleVideo(o)).rejects.toThrow(/clip for scene 2 not found: .*gone\.mp4/);
    expect(existsSync(o.outPath)).toBe(false);
    await expectNoLeftovers(o);
  });

  it('rejects a broken clip with ffmpeg’s own explanation', async () => {
    const broken = join(root, 'broken.mp4');
    await writeFile(broken, 'not a video');
    const o = options('broken', { clips: [clips[0], { path: broken, duration: 3 }, clips[2]] });
    await expect(assembleVideo(o)).rejects.toThrow(
      /^clip for scene 2 is unreadable \(.*broken\.mp4\)\. concatenating the scene clips: ffmpeg exited with code \d+:\n[\s\S]*moov atom not found/,
    );
    expect(existsSync(o.outPath)).toBe(false);
    await expectNoLeftovers(o);
  });

  it('on abort during the encode, kills ffmpeg, rejects and leaves no file', async () => {
    const ac = new AbortController();
    const o = options('abort', { musicPath: music, signal: ac.signal, onProgress: (f) => f > 0.03 && ac.abort() });
    await expect(assembleVideo(o)).rejects.toMatchObject({ name: 'AbortError' });
    expect(existsSync(o.outPath)).toBe(false);
    await expectNoLeftovers(o);
  });

  it('rejects at once when already aborted', async () => {
    const o = options('pre-abort', { signal: AbortSignal.abort() });
    await expect(assembleVideo(o)).rejects.toMatchObject({ name: 'AbortError' });
    expect(existsSync(o.outPath)).toBe(false);
  });

  it('passes awkward subtitle and font paths through the filter graph intact', async () => {
    // The fonts folder is reachable only under an awkward name, so libass can load it only if
    // `fontsdir` survived the escaping (fontconfig would otherwise find the system copy silently).
    const dir = join(root, AWKWARD, "fonts: it's [here], ok;");
    await mkdir(dir, { recursive: true });
    await symlink('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', join(dir, 'wqy-microhei.ttc'));
    const assPath = join(root, AWKWARD, "subs: 'x' [1], 2;.ass");
    await writeFile(assPath, buildAssSubtitles(scenes, [2, 3, 1], { width: W, height: H }));
    const out = join(root, 'escape.mp4');
    const log: string[] = [];
    await runMediaTool(FFMPEG_BIN, finalPassArgs({ joined: clips[1].path, assPath, fontsDir: dir, musicPath: null, total: 3, out }), {
      what: 'escape test',
      onStderrLine: (l) => log.push(l),
    });
    expect(log.some((l) => l.includes(`Loading font file '${join(dir, 'wqy-microhei.ttc')}'`))).toBe(true);
    expect(log.some((l) => /fontselect: .*-> WenQuanYiMicroHei/.test(l))).toBe(true);
  });

  it('validates its input before touching ffmpeg', async () => {
    await expect(assembleVideo(options('v1', { clips: [] }))).rejects.toThrow(/no clips/);
    await expect(assembleVideo(options('v2', { clips: clips.slice(0, 2) }))).rejects.toThrow(/2 clips but 3 scenes/);
    await expect(assembleVideo(options('v3', { musicPath: join(root, 'no-music.mp3') }))).rejects.toThrow(/music file not found/);
    await expect(assembleVideo(options('v4', { fontsDir: join(root, 'no-fonts') }))).rejects.toThrow(/fonts folder for subtitles not found/);
  });
});
