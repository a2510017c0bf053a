import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureVolume, probeMedia, probeStreams } from '@reelcraft/inference';
import { planTimeline } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleVideo, posterTime, type AssembleOptions, type AssembleScene } from './assemble-video';
import { buildSubtitleFiles } from './subtitles';

/**
 * What an assembled MP4 carries besides the picture: the subtitle track and the SRT/WebVTT files
 * beside it, music, narration ducking the music, and the poster. Real ffmpeg, ffprobe and espeak-ng.
 */

const W = 320;
const H = 180;
const FPS = 24;
const FRAME = 1 / FPS;

const ff = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { maxBuffer: 64 << 20 });

/** Encodes a clip as the render worker does (libx264 high, yuv420p, fixed GOP, no audio). */
function makeClip(path: string, source: string, seconds: number): void {
  ff(['-f', 'lavfi', '-i', `${source}${source.includes('=') ? ':' : '='}size=${W}x${H}:rate=${FPS}`, '-t', String(seconds), '-c:v', 'libx264', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-g', '48', '-sc_threshold', '0', '-video_track_timescale', '12288', '-movflags', '+faststart', path]);
}

interface Cue {
  start: string;
  end: string;
  text: string;
}

/** The cues of an SRT or WebVTT text, times normalised to `HH:MM:SS.mmm`. */
function parseCues(text: string): Cue[] {
  const full = (t: string) => (t.length === 9 ? `00:${t}` : t).replace(',', '.');
  const re = /((?:\d\d:)?\d\d:\d\d[.,]\d{3}) --> ((?:\d\d:)?\d\d:\d\d[.,]\d{3})[^\n]*\n([\s\S]*?)(?:\n\n|\n?$)/g;
  return [...text.replace(/\r\n/g, '\n').matchAll(re)].map((m) => ({ start: full(m[1]!), end: full(m[2]!), text: m[3]!.trim() }));
}

/** The MP4's subtitle track as ffmpeg extracts it. */
const trackAs = (path: string, format: 'srt' | 'webvtt') => ff(['-i', path, '-map', '0:s:0', '-f', format, '-']).toString('utf8');

/** One frame as 8-bit grey pixels. */
const grayFrame = (path: string, atSec: number) => ff(['-ss', String(atSec), '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);

/** Share of pixels in rows [from, to) that differ by more than re-encoding noise. */
function changedShare(a: Buffer, b: Buffer, rowFrom: number, rowTo: number): number {
  let changed = 0;
  for (let i = rowFrom * W; i < rowTo * W; i++) if (Math.abs(a[i]! - b[i]!) > 40) changed++;
  return changed / ((rowTo - rowFrom) * W);
}

/** Processes whose command line mentions `needle` (a killed ffmpeg must not be among them). */
function processesMentioning(needle: string): string[] {
  return readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
    } catch {
      return false;
    }
  });
}

const meanDb = async (path: string, from: number, seconds: number, filter?: string) => (await measureVolume(path, { from, seconds, filter })).meanDb;
/** A narrow band around the test music's 6 kHz tone: the music bed, with little of the voice in it. */
const MUSIC_BAND = 'bandpass=f=6000:width_type=q:w=12';

describe('assembleVideo: subtitle track, SRT/WebVTT, audio, narration and poster (real ffmpeg, espeak-ng)', () => {
  let root: string;
  let clips: { path: string; duration: number }[];
  let tone: string;
  // Scene 3 has no subtitle: a stretch with music only.
  const scenes: AssembleScene[] = [
    { scene_number: 1, subtitle: '森林里有一条河流', duration_sec: 2 },
    { scene_number: 2, subtitle: '小鹿在河边喝水', duration_sec: 3 },
    { scene_number: 3, subtitle: '', duration_sec: 2 },
  ];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'reelcraft-tracks-'));
    clips = [2, 3, 2].map((d, i) => ({ path: join(root, `clip${i + 1}.mp4`), duration: d }));
    clips.forEach((c, i) => makeClip(c.path, i === 1 ? 'testsrc2' : `color=c=${['navy', '', 'teal'][i]}`, c.duration));
    tone = join(root, 'tone.m4a');
    ff(['-f', 'lavfi', '-i', 'sine=frequency=6000:duration=30', '-c:a', 'aac', '-b:a', '128k', tone]);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const options = (name: string, extra: Partial<AssembleOptions> = {}): AssembleOptions => ({
    clips,
    scenes,
    outPath: join(root, name, 'final.mp4'),
    workDir: join(root, 'work'),
    width: W,
    height: H,
    ...extra,
  });

  it('carries the subtitles as a mov_text track tagged zho, cue for cue the SRT and WebVTT beside it, and a poster', async () => {
    const o = options('soft');
    const result = await assembleVideo(o);
    expect(result).toMatchObject({
      joinedBy: 'concat-copy',
      videoCopied: false,
      language: 'zh',
      subtitleCues: 2,
      softSubtitles: true,
      burntSubtitles: true,
      music: false,
      narratedLines: 0,
      srtPath: join(root, 'soft', 'final.srt'),
      vttPath: join(root, 'soft', 'final.vtt'),
      posterPath: join(root, 'soft', 'final.jpg'),
    });

    const streams = await probeStreams(o.outPath);
    expect(streams.map((s) => [s.type, s.codec, s.language ?? ''])).toEqual([
      ['video', 'h264', 'und'],
      ['subtitle', 'mov_text', 'zho'],
    ]);
    expect(Math.abs(streams[0]!.duration! - 7)).toBeLessThanOrEqual(FRAME);

    const srt = await readFile(result.srtPath!, 'utf8');
    const want = [
      { start: '00:00:00.000', end: '00:00:02.000', text: '森林里有一条河流' },
      { start: '00:00:02.000', end: '00:00:05.000', text: '小鹿在河边喝水' },
    ];
    expect(parseCues(srt)).toEqual(want);
    expect(parseCues(await readFile(result.vttPath!, 'utf8'))).toEqual(want);
    expect(parseCues(trackAs(o.outPath, 'srt'))).toEqual(want);
    expect(parseCues(trackAs(o.outPath, 'webvtt'))).toEqual(want);
    expect(srt).toBe(buildSubtitleFiles(planTimeline([2, 3, 2], [], FPS), scenes, { width: W, height: H }).srt);

    // The poster: a JPEG of the video's size, from early on (1 s: scene 1's colour).
    const poster = await readFile(result.posterPath);
    expect([...poster.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(await probeStreams(result.posterPath)).toMatchObject([{ type: 'video', codec: 'mjpeg', width: W, height: H }]);
    expect(posterTime(result.duration)).toBe(1);
    const rgb = ff(['-i', result.posterPath, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    const top = [0, 1, 2].map((c) => {
      let sum = 0;
      for (let p = 0; p < (W * H) / 2; p++) sum += rgb[p * 3 + c]!;
      return sum / ((W * H) / 2);
    });
    // Navy (0, 0, 128) within JPEG and colour-range rounding.
    expect(top.map((v, c) => Math.abs(v - [0, 0, 128][c]!) < 12)).toEqual([true, true, true]);
  });

  it('keeps cues, track and files in step with transitions, and tags English as eng', async () => {
    const withFades = scenes.map((s, i) => ({ ...s, subtitle: ['The forest', 'A river', 'The sea'][i]!, transition: i === 0 ? undefined : ('crossfade' as const) }));
    const o = options('fades', { scenes: withFades, fps: FPS });
    const result = await assembleVideo(o);
    expect(result).toMatchObject({ joinedBy: 'filter', language: 'en', subtitleCues: 3 });
    const timeline = planTimeline([2, 3, 2], withFades.map((s) => s.transition), FPS);
    expect(timeline.total).toBe(6);
    const streams = await probeStreams(o.outPath);
    expect(streams.find((s) => s.type === 'subtitle')).toMatchObject({ codec: 'mov_text', language: 'eng' });
    expect(Math.abs(streams[0]!.duration! - timeline.total)).toBeLessThanOrEqual(FRAME);

    // Scenes switch in the middle of each 0.5 s crossfade: at 1.75 s and 4.25 s.
    const want = [
      { start: '00:00:00.000', end: '00:00:01.750', text: 'The forest' },
      { start: '00:00:01.750', end: '00:00:04.250', text: 'A river' },
      { start: '00:00:04.250', end: '00:00:06.000', text: 'The sea' },
    ];
    expect(parseCues(trackAs(o.outPath, 'srt'))).toEqual(want);
    expect(parseCues(await readFile(result.srtPath!, 'utf8'))).toEqual(want);
    expect(parseCues(await readFile(result.vttPath!, 'utf8'))).toEqual(want);
    expect(parseCues(buildSubtitleFiles(timeline, withFades).vtt)).toEqual(want);
  });

  it('copies the picture when every scene is a cut and nothing is burnt in, adding the track and the music', async () => {
    const o = options('copy', { burnSubtitles: false, music: { path: tone, volume: 0.5 } });
    const result = await assembleVideo(o);
    expect(result).toMatchObject({ joinedBy: 'concat-copy', videoCopied: true, burntSubtitles: false, softSubtitles: true, subtitleFonts: [], music: true });
    const streams = await probeStreams(o.outPath);
    expect(streams.map((s) => [s.type, s.codec])).toEqual([
      ['video', 'h264'],
      ['audio', 'aac'],
      ['subtitle', 'mov_text'],
    ]);
    const [video, audio] = streams;
    expect(Math.abs(video!.duration! - 7)).toBeLessThanOrEqual(FRAME);
    expect(Math.abs(audio!.duration! - video!.duration!)).toBeLessThanOrEqual(FRAME);
    expect((await probeMedia(o.outPath)).video?.frames).toBe(7 * FPS);
    // Nothing burnt in: the bottom of the picture is the clip's own.
    expect(changedShare(grayFrame(clips[1]!.path, 1), grayFrame(o.outPath, 3), Math.round(H * 0.8), H)).toBeLessThan(0.002);
    // Music at half volume, faded in and out: clearly there in the middle.
    expect(await meanDb(o.outPath, 2, 2)).toBeGreaterThan(-40);
  });

  it('speaks each subtitle at its cue in its voice, silent where a scene has none', async () => {
    const o = options('narration', { narration: true, burnSubtitles: false });
    const result = await assembleVideo(o);
    expect(result).toMatchObject({ narratedLines: 2, music: false, softSubtitles: true });
    const streams = await probeStreams(o.outPath);
    expect(streams.map((s) => [s.type, s.codec])).toEqual([
      ['video', 'h264'],
      ['audio', 'aac'],
      ['subtitle', 'mov_text'],
    ]);
    expect(Math.abs(streams[1]!.duration! - streams[0]!.duration!)).toBeLessThanOrEqual(FRAME);
    // Line 1 (about 1.5 s) starts at 0; line 2 at its cue, 2 s; scene 3 (5–7 s) says nothing.
    const line1 = await meanDb(o.outPath, 0.1, 1.2);
    const gap = await meanDb(o.outPath, 1.7, 0.25);
    const line2 = await meanDb(o.outPath, 2.05, 1);
    const none = await meanDb(o.outPath, 5.5, 1.4);
    expect(line1).toBeGreaterThan(-32);
    expect(line2).toBeGreaterThan(-32);
    expect(gap).toBeLessThan(line2 - 20);
    expect(none).toBeLessThan(-70);
  });

  it('ducks the music under the narration: the voice stands well above the music bed while it speaks', async () => {
    const music = { path: tone, volume: 0.8, fadeInSec: 0, fadeOutSec: 0 };
    const narrated = options('ducked', { narration: true, music });
    const plain = options('unducked', { music });
    const [result] = await Promise.all([assembleVideo(narrated), assembleVideo(plain)]);
    expect(result).toMatchObject({ music: true, narratedLines: 2 });
    const streams = await probeStreams(narrated.outPath);
    expect(streams.map((s) => [s.type, s.codec])).toEqual([
      ['video', 'h264'],
      ['audio', 'aac'],
      ['subtitle', 'mov_text'],
    ]);

    // The 6 kHz band holds the music and almost none of the voice. Without ducking it would be at
    // least as loud under a line (music plus a little voice) as where nobody speaks.
    const bedUnderLine = await meanDb(narrated.outPath, 2.1, 1, MUSIC_BAND);
    const bedAlone = await meanDb(narrated.outPath, 5.6, 1.2, MUSIC_BAND);
    const bedUnducked = await meanDb(plain.outPath, 2.1, 1, MUSIC_BAND);
    expect(Math.abs(bedAlone - bedUnducked)).toBeLessThan(1.5);
    expect(bedUnderLine).toBeLessThan(bedAlone - 8);
    // And the whole mix there is the voice, far above the ducked bed.
    const mixUnderLine = await meanDb(narrated.outPath, 2.1, 1);
    expect(mixUnderLine).toBeGreaterThan(bedUnderLine + 10);
    console.log(`ducking: music bed ${bedAlone.toFixed(1)} dB alone, ${bedUnderLine.toFixed(1)} dB under a line (unducked ${bedUnducked.toFixed(1)}); mix under the line ${mixUnderLine.toFixed(1)} dB`);
  });

  it('burns subtitles at the top at the given size when asked', async () => {
    const o = options('top', { subtitleStyle: { position: 'top', fontSize: 20, outline: 2 } });
    await assembleVideo(o);
    const before = grayFrame(clips[1]!.path, 1);
    const after = grayFrame(o.outPath, 3);
    expect(changedShare(before, after, 0, Math.round(H * 0.25))).toBeGreaterThan(0.02);
    expect(changedShare(before, after, Math.round(H * 0.75), H)).toBeLessThan(0.002);
  });

  it('on abort while narrating and mixing, kills ffmpeg and leaves no video, poster or subtitle file', async () => {
    const ac = new AbortController();
    const o = options('abort', { narration: true, music: { path: tone }, signal: ac.signal, onProgress: (f) => f > 0.03 && ac.abort() });
    await mkdir(join(root, 'abort'), { recursive: true });
    await expect(assembleVideo(o)).rejects.toMatchObject({ name: 'AbortError' });
    expect(readdirSync(join(root, 'abort'))).toEqual([]);
    expect(readdirSync(o.workDir).filter((n) => n.startsWith('assemble-'))).toEqual([]);
    expect(processesMentioning(join(root, 'abort'))).toEqual([]);
  });

  it('says what is wrong with a music volume out of range', async () => {
    await expect(assembleVideo(options('bad-volume', { music: { path: tone, volume: 1.5 } }))).rejects.toThrow(/music volume must be from 0 to 1, got 1.5/);
    expect(existsSync(join(root, 'bad-volume', 'final.mp4'))).toBe(false);
  });
});
