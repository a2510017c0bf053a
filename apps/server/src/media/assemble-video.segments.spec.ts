import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeMedia } from '@reelcraft/inference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleVideo, type AssembleOptions, type AssembleScene } from './assemble-video';

/**
 * The segmented assembly (a segment cache given) against the single-pass join of the same clips:
 * same frames, same length, same subtitles, nearly the same pixels; and what a one-scene edit
 * re-encodes. Real ffmpeg, small pictures.
 */

const W = 160;
const H = 90;
const FPS = 24;

const ff = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { maxBuffer: 64 << 20 });

/** A moving test picture, tinted per clip so that a blend a frame off shows; encoded as the render worker does. */
function makeClip(path: string, hue: number, seconds: number, extra = ''): void {
  ff(['-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=${FPS},hue=h=${hue}${extra}`, '-t', String(seconds), '-c:v', 'libx264', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-g', '48', '-video_track_timescale', '12288', '-movflags', '+faststart', path]);
}

/** Frame number `n` (counted from 0, by decoding) as 8-bit grey pixels. */
const grayFrameAt = (path: string, n: number) => ff(['-i', path, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);

/** Mean absolute difference of two grey frames, 0..255; `rows` limits it to the top rows (above any subtitle). */
function meanAbsDiff(a: Buffer, b: Buffer, rows = H): number {
  expect(a.length).toBe(W * H);
  expect(b.length).toBe(W * H);
  let sum = 0;
  for (let i = 0; i < rows * W; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / (rows * W);
}

/** Frames counted by decoding the whole stream, not read from the header. */
function decodedFrames(path: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path]).toString();
  return Number(out.trim());
}

/** What ffmpeg complains about while decoding every stream of a file (timestamps, broken packets). */
function decodeWarnings(path: string): string {
  return spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'warning', '-i', path, '-map', '0:v', '-map', '0:a?', '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
}

/** The soft subtitle track's cues: start and duration of each packet. */
function trackCues(path: string): string[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 's:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', path]).toString();
  return out.trim().split('\n');
}

describe('assembleVideo with a segment cache (real ffmpeg)', () => {
  let root: string;
  let clips: { path: string; duration: number }[];
  let music: string;
  // An opening fade, a crossfade, a cut and a fade through black; one scene without subtitle.
  const scenes: AssembleScene[] = [
    { scene_number: 1, subtitle: '森林里有一条河流', duration_sec: 2, transition: 'fade-black' },
    { scene_number: 2, subtitle: 'The river runs to the sea', duration_sec: 2, transition: 'crossfade' },
    { scene_number: 3, subtitle: '', duration_sec: 2, transition: 'crossfade' },
    { scene_number: 4, subtitle: '小鹿在河边喝水', duration_sec: 2, transition: 'cut' },
    { scene_number: 5, subtitle: '夜里的渔火', duration_sec: 2, transition: 'fade-black' },
  ];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'reelcraft-segments-'));
    clips = scenes.map((_, i) => ({ path: join(root, `clip${i + 1}.mp4`), duration: 2 }));
    clips.forEach((c, i) => makeClip(c.path, i * 70, c.duration));
    music = join(root, 'music.m4a');
    ff(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=20', '-c:a', 'aac', music]);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const options = (name: string, extra: Partial<AssembleOptions> = {}): AssembleOptions => ({
    clips,
    scenes,
    outPath: join(root, name, 'final.mp4'),
    workDir: join(root, 'work'),
    width: W,
    height: H,
    fps: FPS,
    music: { path: music },
    ...extra,
  });

  // 5 × 48 frames less three 12-frame transitions: 204 frames, 8.5 s.
  const FRAMES = 5 * 48 - 3 * 12;
  // Bodies of all five scenes and the transitions into scenes 2, 3 and 5.
  const SEGMENTS = 8;

  let single: string;
  let segmented: string;
  let cache: string;

  it('makes the same video as the single pass: frames, length, subtitle track and files, pixels', async () => {
    cache = join(root, 'cache');
    const one = await assembleVideo(options('single'));
    const seg = await assembleVideo(options('segmented', { segmentCacheDir: cache }));
    single = one.path;
    segmented = seg.path;
    expect(one).toMatchObject({ joinedBy: 'filter', segments: null });
    expect(seg).toMatchObject({ joinedBy: 'segments', segments: { encoded: SEGMENTS, reused: 0, audio: 'encoded' }, burntSubtitles: true, softSubtitles: true, music: true, subtitleCues: 4 });
    for (const f of seg.subtitleFonts) expect(f).toMatch(/WenQuanYiMicroHei|wqy-microhei/i);
    expect(seg.subtitleFonts.length).toBeGreaterThan(0);

    expect(decodedFrames(single)).toBe(FRAMES);
    expect(decodedFrames(segmented)).toBe(FRAMES);
    const [p1, p2] = [await probeMedia(single), await probeMedia(segmented)];
    expect(Math.abs(p2.duration - p1.duration)).toBeLessThanOrEqual(1 / FPS);
    expect(Math.abs(p2.duration - FRAMES / FPS)).toBeLessThanOrEqual(1 / FPS);
    expect(Math.abs(p2.audio!.duration - p2.duration)).toBeLessThanOrEqual(0.05);
    expect(p2.video).toMatchObject({ codec: 'h264', pix_fmt: 'yuv420p', width: W, height: H });
    // A clean copy-concat: no timestamp or bitstream complaints when every stream is decoded.
    expect(decodeWarnings(segmented)).toBe('');

    // The poster is the single pass's frame (posterTime: 1 s, in scene 1's body), from the segment.
    expect((await probeMedia(seg.posterPath)).video).toMatchObject({ width: W, height: H });
    const posterGray = (path: string) => ff(['-i', path, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
    expect(meanAbsDiff(posterGray(seg.posterPath), posterGray(one.posterPath))).toBeLessThan(3);
    expect(trackCues(segmented)).toEqual(trackCues(single));
    expect(await readFile(seg.srtPath!, 'utf8')).toBe(await readFile(one.srtPath!, 'utf8'));
    expect(await readFile(seg.vttPath!, 'utf8')).toBe(await readFile(one.vttPath!, 'utf8'));

    // Middle of the crossfade into scene 2 (frames 36–47) and of the fade through black into scene 5
    // (156–167), inside the opening fade, and scene 1's body with its burnt-in text.
    for (const n of [41, 42, 161, 162, 4, 20]) {
      expect(meanAbsDiff(grayFrameAt(segmented, n), grayFrameAt(single, n)), `frame ${n}`).toBeLessThan(3);
    }
    // The check can fail: a frame off in a crossfade between differently tinted moving pictures is far off.
    expect(meanAbsDiff(grayFrameAt(segmented, 42), grayFrameAt(single, 43))).toBeGreaterThan(3);
    // Past a transition the single pass is no reference: ffmpeg 5.1's xfade leaves a timestamp gap at
    // its end, which the encoder fills by repeating a frame. Each body shows its clip's own frames,
    // every one once: scene 2's body starts with clip 2's frame 12, scene 4's (after a cut) with its
    // frame 0 at 120, scene 5's with its frame 12 at 168.
    for (const [n, clip, frame] of [[60, 1, 24], [130, 3, 10], [190, 4, 34]] as const) {
      expect(meanAbsDiff(grayFrameAt(segmented, n), grayFrameAt(clips[clip]!.path, frame), H / 2), `frame ${n}`).toBeLessThan(3);
      expect(meanAbsDiff(grayFrameAt(segmented, n), grayFrameAt(clips[clip]!.path, frame + 1), H / 2), `frame ${n} against the next`).toBeGreaterThan(3);
    }
  });

  it('after one clip changes, re-encodes exactly that scene and its transitions and reuses the rest', async () => {
    const changed = join(root, 'clip2-new.mp4');
    makeClip(changed, 200, 2, ',negate');
    const edited = clips.map((c, i) => (i === 1 ? { path: changed, duration: 2 } : c));
    const again = await assembleVideo(options('edited', { clips: edited, segmentCacheDir: cache }));
    // Scene 2: its body and the crossfades into and out of it; the other five segments come from the cache.
    // Same length, same subtitles: the music track is the one made before.
    expect(again.segments).toEqual({ encoded: 3, reused: SEGMENTS - 3, audio: 'reused' });
    expect(decodedFrames(again.path)).toBe(FRAMES);
    expect(decodeWarnings(again.path)).toBe('');
    const reference = await assembleVideo(options('edited-single', { clips: edited }));
    for (const n of [20, 42]) expect(meanAbsDiff(grayFrameAt(again.path, n), grayFrameAt(reference.path, n)), `frame ${n}`).toBeLessThan(3);
    // Scene 2's new picture is in the edited video (its body: frames 48–71); untouched scenes decode to the same pixels as before.
    expect(meanAbsDiff(grayFrameAt(again.path, 60), grayFrameAt(changed, 24), H / 2)).toBeLessThan(3);
    expect(meanAbsDiff(grayFrameAt(again.path, 60), grayFrameAt(segmented, 60))).toBeGreaterThan(3);
    for (const n of [10, 100, 190]) expect(meanAbsDiff(grayFrameAt(again.path, n), grayFrameAt(segmented, n)), `frame ${n}`).toBe(0);

    // Nothing changed since: all from the cache, and the same bytes as the picture before.
    const same = await assembleVideo(options('same', { clips: edited, segmentCacheDir: cache }));
    expect(same.segments).toEqual({ encoded: 0, reused: SEGMENTS, audio: 'reused' });
    expect(await readFile(same.posterPath)).toEqual(await readFile(again.posterPath));
  });

  it('re-encodes a cached segment that was cut short instead of joining it', async () => {
    const files = (await readdir(cache)).filter((n) => n.endsWith('.mp4'));
    const sizes = await Promise.all(files.map(async (n) => (await stat(join(cache, n))).size));
    const victim = join(cache, files[sizes.indexOf(Math.max(...sizes))]!);
    await truncate(victim, Math.floor(Math.max(...sizes) / 2));
    const result = await assembleVideo(options('repaired', { segmentCacheDir: cache }));
    expect(result.segments).toEqual({ encoded: 1, reused: SEGMENTS - 1, audio: 'reused' });
    expect(decodedFrames(result.path)).toBe(FRAMES);
    expect(decodeWarnings(result.path)).toBe('');
    expect((await stat(victim)).size).toBe(Math.max(...sizes));
  });

  it('segments a cut-only video with burnt subtitles scene by scene, and leaves one without burning a stream copy', async () => {
    const cuts = scenes.map((s) => ({ ...s, transition: 'cut' as const }));
    const burnt = await assembleVideo(options('cuts-burnt', { scenes: cuts, segmentCacheDir: join(root, 'cache-cuts'), fps: undefined, music: null }));
    expect(burnt).toMatchObject({ joinedBy: 'segments', segments: { encoded: 5, reused: 0, audio: null }, burntSubtitles: true });
    expect(decodedFrames(burnt.path)).toBe(5 * 48);
    expect(decodeWarnings(burnt.path)).toBe('');
    const copied = await assembleVideo(options('cuts-soft', { scenes: cuts, segmentCacheDir: join(root, 'cache-cuts'), burnSubtitles: false }));
    expect(copied).toMatchObject({ joinedBy: 'concat-copy', segments: null, videoCopied: true });
  });

  it('speaks the subtitles into a cached audio track: a second assembly neither speaks nor mixes again', async () => {
    const two = { clips: clips.slice(0, 2), scenes: scenes.slice(0, 2), narration: true, music: null, segmentCacheDir: join(root, 'cache-voice') };
    const first = await assembleVideo(options('voice-1', two));
    expect(first).toMatchObject({ narratedLines: 2, segments: { encoded: 3, reused: 0, audio: 'encoded' } });
    const again = await assembleVideo(options('voice-2', two));
    expect(again).toMatchObject({ narratedLines: 2, segments: { encoded: 0, reused: 3, audio: 'reused' } });
    const p = await probeMedia(again.path);
    expect(Math.abs(p.audio!.duration - p.duration)).toBeLessThanOrEqual(0.05);
    // Another subtitle is other speech: the track is made again, the unchanged picture is not.
    const changed = await assembleVideo(options('voice-3', { ...two, scenes: [scenes[0]!, { ...scenes[1]!, subtitle: 'A different line' }] }));
    expect(changed.segments).toMatchObject({ audio: 'encoded' });
  });

  it('names an unreadable clip by its scene, and caches nothing for it', async () => {
    const broken = join(root, 'broken.mp4');
    await writeFile(broken, 'not a video');
    const dir = join(root, 'cache-broken');
    const o = options('broken', { clips: clips.map((c, i) => (i === 2 ? { path: broken, duration: 2 } : c)), segmentCacheDir: dir });
    await expect(assembleVideo(o)).rejects.toThrow(/^clip for scene 3 is unreadable \(.*broken\.mp4\)\. encoding segment/);
    expect(existsSync(o.outPath)).toBe(false);
    expect((await readdir(dir)).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('on abort while encoding segments, kills ffmpeg, rejects and leaves no video and no partial segment', async () => {
    const ac = new AbortController();
    const dir = join(root, 'cache-abort');
    const o = options('aborted', { segmentCacheDir: dir, signal: ac.signal, onProgress: () => ac.abort() });
    await expect(assembleVideo(o)).rejects.toMatchObject({ name: 'AbortError' });
    expect(existsSync(o.outPath)).toBe(false);
    const left = existsSync(dir) ? await readdir(dir) : [];
    expect(left.filter((n) => n.includes('partial'))).toEqual([]);
  });
});
