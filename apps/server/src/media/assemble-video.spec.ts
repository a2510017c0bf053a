import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleVideo, finalPassJob, type AssembleOptions } from './assemble-video';
import { measureVolume, probeMedia, runFfmpeg } from '@reelcraft/inference';
import { buildAssSubtitles } from './subtitles';

const W = 320;
const H = 180;
/** A folder name with every character that ffmpeg's filter graph or concat list treats specially. */
const AWKWARD = "it's a: [weird], dir;";

const ff = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { maxBuffer: 64 << 20 });

/** Encodes a clip the way the render worker does: libx264 high, yuv420p, no audio, +faststart. */
function makeClip(path: string, seconds: number): void {
  ff(['-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=24`, '-t', String(seconds), '-c:v', 'libx264', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', path]);
}

/** A solid-colour clip, encoded like makeClip. */
function makeColorClip(path: string, color: string, seconds: number): void {
  ff(['-f', 'lavfi', '-i', `color=c=${color}:size=${W}x${H}:rate=24`, '-t', String(seconds), '-c:v', 'libx264', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', path]);
}

/** Mean red, green and blue (0..255) of the top half of each frame from `atSec` on, away from any subtitle. */
function topColours(path: string, atSec: number, frames: number): [number, number, number][] {
  const rgb = ff(['-ss', String(atSec), '-i', path, '-frames:v', String(frames), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  const size = W * H * 3;
  const n = (H / 2) * W;
  return Array.from({ length: rgb.length / size }, (_, f) => {
    const sum = [0, 0, 0];
    for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) sum[c] += rgb[f * size + p * 3 + c];
    return sum.map((v) => v / n) as [number, number, number];
  });
}

const topColour = (path: string, atSec: number) => topColours(path, atSec, 1)[0];

/** Share of pixels in the bottom fifth that stand out from the band's median grey: burnt-in text. */
function textShare(path: string, atSec: number): number {
  const g = grayFrame(path, atSec);
  const band = g.subarray(Math.round(H * 0.8) * W, H * W);
  const median = [...band].sort((a, b) => a - b)[band.length >> 1];
  let n = 0;
  for (const v of band) if (Math.abs(v - median) > 60) n++;
  return n / band.length;
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
  return (await measureVolume(path, { from, seconds })).meanDb;
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
    expect(result.joinedBy).toBe('concat-copy');
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
    const o = options('music', { music: { path: music } });
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
    const o = options('short-music', { music: { path: short } });
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
    const o = options('abort', { music: { path: music }, signal: ac.signal, onProgress: (f) => f > 0.03 && ac.abort() });
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
    await runFfmpeg(finalPassJob({ video: { joined: clips[1].path }, burn: { assPath, fontsDir: dir }, subtitles: null, music: null, narration: [], total: 3, out }), {
      onStderrLine: (l) => log.push(l),
    });
    expect(log.some((l) => l.includes(`Loading font file '${join(dir, 'wqy-microhei.ttc')}'`))).toBe(true);
    expect(log.some((l) => /fontselect: .*-> WenQuanYiMicroHei/.test(l))).toBe(true);
  });

  describe('transitions', () => {
    let red: string;
    let green: string;
    let blue: string;
    beforeAll(() => {
      [red, green, blue] = ['red', 'lime', 'blue'].map((c) => {
        const path = join(clipDir, `${c} [2s].mp4`);
        makeColorClip(path, c, 2);
        return path;
      });
    });
    const two = (transition: 'crossfade' | 'fade-black', extra: Partial<AssembleOptions> = {}) =>
      ({
        clips: [
          { path: red, duration: 2 },
          { path: blue, duration: 2 },
        ],
        scenes: [
          { scene_number: 1, subtitle: '', duration_sec: 2 },
          { scene_number: 2, subtitle: '', duration_sec: 2, transition },
        ],
        ...extra,
      }) satisfies Partial<AssembleOptions>;
    const near = (got: number[], want: number[], tolerance: number) => got.every((v, i) => Math.abs(v - want[i]) <= tolerance);

    it('crossfades red into blue: a valid H.264 file 0.5 s shorter than the clips, blended in the middle only', async () => {
      const o = options('crossfade', two('crossfade'));
      const result = await assembleVideo(o);
      expect(result.joinedBy).toBe('filter');
      const p = await probeMedia(o.outPath);
      expect(p.video).toMatchObject({ codec: 'h264', pix_fmt: 'yuv420p', width: W, height: H });
      expect(Math.abs(p.duration - 3.5)).toBeLessThanOrEqual(0.1);
      expect(p.video?.frames).toBe(3.5 * 24);
      expect(result.duration).toBeCloseTo(p.duration, 3);
      // The transition runs from 1.5 s to 2 s on the output.
      expect(near(topColour(o.outPath, 0.5), [255, 0, 0], 30)).toBe(true);
      expect(near(topColour(o.outPath, 3), [0, 0, 255], 30)).toBe(true);
      const [r, g, b] = topColour(o.outPath, 1.75);
      expect(r).toBeGreaterThan(60);
      expect(r).toBeLessThan(195);
      expect(b).toBeGreaterThan(60);
      expect(b).toBeLessThan(195);
      expect(g).toBeLessThan(30);
      await expectNoLeftovers(o);
    });

    it('fades through black between scenes, and in from black when the first scene fades', async () => {
      const base = two('fade-black');
      const o = options('fade-black', { ...base, scenes: [{ ...base.scenes[0], transition: 'fade-black' as const }, base.scenes[1]] });
      const result = await assembleVideo(o);
      expect(result.joinedBy).toBe('filter');
      const p = await probeMedia(o.outPath);
      expect(p.video).toMatchObject({ codec: 'h264', pix_fmt: 'yuv420p' });
      expect(Math.abs(p.duration - 3.5)).toBeLessThanOrEqual(0.1);
      expect(Math.max(...topColour(o.outPath, 0))).toBeLessThan(40); // fading in
      expect(near(topColour(o.outPath, 1), [255, 0, 0], 30)).toBe(true);
      // ffmpeg's fadeblack drops the first scene to black quickly and brings the next one up slowly:
      // somewhere within the transition (1.5 s to 2 s) a frame is near black.
      const during = topColours(o.outPath, 1.5, 12);
      expect(during).toHaveLength(12);
      expect(Math.min(...during.map((c) => Math.max(...c)))).toBeLessThan(25);
      expect(near(topColour(o.outPath, 3), [0, 0, 255], 30)).toBe(true);
    });

    it('moves subtitle cues and the music with the shortened timeline', async () => {
      // 3 × 2 s with two crossfades: clips start at 0, 1.5 and 3, the video lasts 5 s, and scene 2's
      // cue runs from the middle of the first transition (1.75 s) to the middle of the second (3.25 s).
      const o = options('transition-subs', {
        clips: [red, green, blue].map((path) => ({ path, duration: 2 })),
        scenes: [
          { scene_number: 1, subtitle: '', duration_sec: 2 },
          { scene_number: 2, subtitle: '河水流向大海', duration_sec: 2, transition: 'crossfade' },
          { scene_number: 3, subtitle: '', duration_sec: 2, transition: 'crossfade' },
        ],
        music: { path: music },
      });
      const result = await assembleVideo(o);
      for (const f of result.subtitleFonts) expect(f).toMatch(/WenQuanYiMicroHei|wqy-microhei/i);
      const p = await probeMedia(o.outPath);
      expect(Math.abs(p.duration - 5)).toBeLessThanOrEqual(0.1);
      expect(p.video?.frames).toBe(5 * 24);
      expect(Math.abs(p.audio!.duration - p.duration)).toBeLessThanOrEqual(0.1);
      // Scene 2 is green on the final timeline exactly where its cue is.
      expect(near(topColour(o.outPath, 2.5), [0, 255, 0], 30)).toBe(true);
      for (const t of [1.2, 1.6, 3.4, 4.5]) expect(textShare(o.outPath, t), `no text at ${t} s`).toBeLessThan(0.002);
      for (const t of [1.9, 2.5, 3.1]) expect(textShare(o.outPath, t), `text at ${t} s`).toBeGreaterThan(0.02);
      // The music's fade-out ends with the shortened picture, not at the clips' 6 s.
      const middle = await meanVolumeDb(o.outPath, 2, 1);
      const end = await meanVolumeDb(o.outPath, p.duration - 0.25, 0.25);
      expect(end).toBeLessThan(middle - 10);
    });

    it('keeps the concat-copy path when only the first scene asks for a crossfade', async () => {
      const o = options('first-crossfade', { scenes: scenes.map((s, i) => (i === 0 ? { ...s, transition: 'crossfade' as const } : { ...s, transition: 'cut' as const })) });
      const result = await assembleVideo(o);
      expect(result.joinedBy).toBe('concat-copy');
      expect(Math.abs(result.duration - 6)).toBeLessThanOrEqual(0.1);
    });

    it('names an unreadable clip by its scene', async () => {
      const broken = join(root, 'broken-transition.mp4');
      await writeFile(broken, 'not a video');
      const o = options('broken-transition', { ...two('crossfade'), clips: [{ path: red, duration: 2 }, { path: broken, duration: 2 }], fps: 24 });
      await expect(assembleVideo(o)).rejects.toThrow(/^clip for scene 2 is unreadable \(.*broken-transition\.mp4\)\. joining the scene clips/);
      expect(existsSync(o.outPath)).toBe(false);
      await expectNoLeftovers(o);
    });

    it('on abort during the encode, kills ffmpeg, rejects and leaves no file', async () => {
      const ac = new AbortController();
      const o = options('abort-transition', { ...two('crossfade'), music: { path: music }, signal: ac.signal, onProgress: () => ac.abort() });
      await expect(assembleVideo(o)).rejects.toMatchObject({ name: 'AbortError' });
      expect(existsSync(o.outPath)).toBe(false);
      await expectNoLeftovers(o);
    });
  });

  it('validates its input before touching ffmpeg', async () => {
    await expect(assembleVideo(options('v1', { clips: [] }))).rejects.toThrow(/no clips/);
    await expect(assembleVideo(options('v2', { clips: clips.slice(0, 2) }))).rejects.toThrow(/2 clips but 3 scenes/);
    await expect(assembleVideo(options('v3', { music: { path: join(root, 'no-music.mp3') } }))).rejects.toThrow(/music file not found/);
    await expect(assembleVideo(options('v4', { fontsDir: join(root, 'no-fonts') }))).rejects.toThrow(/fonts folder for subtitles not found/);
  });
});
