import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { probeMedia } from '@reelcraft/inference';
import { planTimeline, type RenderScene, type Timeline } from '@reelcraft/shared';
import { concatListFile, escapeFilterValue } from './ffmpeg-escape';
import { FFMPEG_BIN, MediaToolError, abortReason, runMediaTool } from './ffmpeg-process';
import { familyForFontsDir, findCjkFont } from './fonts';
import { buildCues, renderAss, subtitleLayout } from './subtitles';

// Callers that set up assembly look the font folder up here too, before any rendering starts.
export { findCjkFontsDir } from './fonts';

export interface AssembleClip {
  path: string;
  /** Actual clip length in seconds (probed), which places the subtitle cues. */
  duration: number;
}

/** `transition` (absent = cut) says how the scene begins, coming from the one before it. */
export type AssembleScene = Pick<RenderScene, 'scene_number' | 'subtitle' | 'duration_sec' | 'transition'>;

export interface AssembleOptions {
  /** In playback order; clips[i] belongs to scenes[i]. All must share encoding parameters. */
  clips: AssembleClip[];
  scenes: AssembleScene[];
  outPath: string;
  /** Scratch space; a private sub-folder is created and always removed. */
  workDir: string;
  width: number;
  height: number;
  /** Frame rate of the clips; probed from the first clip when omitted. Only transitions need it. */
  fps?: number;
  musicPath?: string | null;
  /** Defaults to findCjkFont(); needed only when some scene has a subtitle. */
  fontsDir?: string;
  /** Family inside fontsDir; derived from fontsDir when omitted. */
  fontName?: string;
  signal?: AbortSignal;
  /** 0..1, non-decreasing; 1 once the output is in place. */
  onProgress?(fraction: number): void;
}

export interface AssembleResult {
  path: string;
  duration: number;
  bytes: number;
  sha256: string;
  /**
   * What libass resolved the subtitle font to (from its `fontselect` log lines), e.g.
   * "WenQuanYiMicroHei". Empty when nothing was burnt in. Lets the caller spot a fallback font.
   */
  subtitleFonts: string[];
  /**
   * How the clips were joined: 'concat-copy' (every scene starts with a cut: concat demuxer with
   * stream copy, then one pass for subtitles and music) or 'filter' (some scene has a transition:
   * one ffmpeg pass joins the clips with xfade and burns subtitles and mixes music too).
   */
  joinedBy: 'concat-copy' | 'filter';
}

/** Fades of the background music; shortened for very short videos so they cannot overlap. */
const FADE_IN_SEC = 1;
const FADE_OUT_SEC = 2;
/** Share of the progress bar the stream-copy concat gets; the encode is the real work. */
const CONCAT_SHARE = 0.03;

/** ffmpeg's xfade transition for each of the storyboard's (see MEDIA-FACTS). */
const XFADE: Record<NonNullable<Timeline['transitions'][number]>, string> = { crossfade: 'fade', 'fade-black': 'fadeblack' };

/** True when the clips can simply be put one after the other (the stream-copy path). */
const allCuts = (t: Timeline) => t.fadeIn === 0 && t.transitions.every((k) => k === null);

/**
 * Stitches per-scene clips into the final MP4. When every scene starts with a cut: (1) concat
 * demuxer with stream copy into a temp file, valid because the render worker encodes every clip
 * identically; (2) one ffmpeg pass that burns the ASS subtitles and mixes the music. When some
 * scene has a transition, one ffmpeg pass does it all: the clips are normalised, joined with
 * concat/xfade filters (see Timeline in libs/shared for how that shortens the video), subtitled and mixed.
 * The output appears at outPath only when complete (written beside it under a temporary name,
 * then renamed), so a failure or abort never leaves a partial file.
 */
export async function assembleVideo(o: AssembleOptions): Promise<AssembleResult> {
  validate(o);
  const { signal } = o;
  signal?.throwIfAborted();
  const progress = monotonic(o.onProgress);

  const clips = o.clips.map((c) => ({ ...c, path: resolve(c.path) }));
  const outPath = resolve(o.outPath);
  const musicPath = o.musicPath ? resolve(o.musicPath) : null;
  await Promise.all([
    ...clips.map((c, i) => mustBeFile(c.path, `clip for scene ${o.scenes[i].scene_number}`)),
    ...(musicPath ? [mustBeFile(musicPath, 'music file')] : []),
  ]);

  const durations = clips.map((c) => c.duration);
  const transitions = o.scenes.map((s) => s.transition);
  // Only transitions need the frame rate; without any it is not probed.
  const wantsTransitions = transitions[0] === 'fade-black' || transitions.slice(1).some((t) => t !== undefined && t !== 'cut');
  const fps = wantsTransitions ? (o.fps ?? (await clipFps(clips[0].path, o.scenes[0], signal))) : 0;
  const timeline = planTimeline(durations, wantsTransitions ? transitions : [], fps);
  const joinedBy = allCuts(timeline) ? 'concat-copy' : 'filter';

  const layout = subtitleLayout(o.width, o.height);
  const cues = buildCues(o.scenes, durations, layout, timeline.overlaps);
  const font = cues.length > 0 ? resolveFont(o) : null;
  // A wrong fontsdir is not an ffmpeg error: libass would quietly fall back to whatever fontconfig has.
  if (font && !(await stat(font.dir).then((s) => s.isDirectory(), () => false))) {
    throw new Error(`fonts folder for subtitles not found: ${font.dir}`);
  }

  await mkdir(resolve(o.workDir), { recursive: true });
  await mkdir(dirname(outPath), { recursive: true });
  const tmp = await mkdtemp(join(resolve(o.workDir), 'assemble-'));
  const partial = join(dirname(outPath), `.${basename(outPath)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    let joined: string | null = null;
    let total = timeline.total;
    let encodeFrom = 0;
    if (joinedBy === 'concat-copy') {
      // Step 1: concat, stream copy.
      const listPath = join(tmp, 'clips.ffconcat');
      joined = join(tmp, 'joined.mp4');
      await writeFile(listPath, concatListFile(clips.map((c) => c.path)));
      try {
        await runMediaTool(
          FFMPEG_BIN,
          // -xerror: without it the concat demuxer logs an unreadable clip, skips it and exits 0.
          ['-hide_banner', '-nostdin', '-loglevel', 'level+error', '-xerror', '-y', '-f', 'concat', '-safe', '0', '-i', listPath, '-map', '0:v:0', '-c', 'copy', joined],
          { signal, what: 'concatenating the scene clips' },
        );
      } catch (err) {
        throw nameFailedClip(err, clips, o.scenes);
      }
      progress(CONCAT_SHARE);
      encodeFrom = CONCAT_SHARE;

      // The joined file's own duration, not the sum of the inputs: the music and its fade-out must
      // end exactly with the picture.
      total = (await probeMedia(joined, { signal })).duration;
      checkLength(total, timeline.total, clips.length, 'concatenated video');
    }
    if (musicPath) {
      const music = await probeMedia(musicPath, { signal });
      // An empty audio stream would make `-stream_loop -1` spin forever without producing samples.
      if (!music.audio || !(music.audio.duration > 0.05)) throw new Error(`music file has no usable audio stream: ${musicPath}`);
    }

    // Step 2 (or the only step): subtitles + music, one pass.
    let assPath: string | null = null;
    if (font) {
      assPath = join(tmp, 'subtitles.ass');
      await writeFile(assPath, renderAss(cues, layout, { width: o.width, height: o.height, fontName: font.family }), 'utf8');
    }
    const fontsSelected: string[] = [];
    const fontsDir = font?.dir ?? null;
    const args = joined
      ? finalPassArgs({ joined, assPath, fontsDir, musicPath, total, out: partial })
      : transitionPassArgs({ clips: clips.map((c) => c.path), timeline, width: o.width, height: o.height, fps: timeline.fps, assPath, fontsDir, musicPath, out: partial });
    try {
      await runMediaTool(FFMPEG_BIN, args, {
        signal,
        what: joined ? 'burning subtitles and mixing music' : 'joining the scene clips with transitions, burning subtitles and mixing music',
        onStdoutLine: (line) => {
          const m = /^out_time_us=(\d+)/.exec(line);
          if (m && total > 0) progress(encodeFrom + (1 - encodeFrom) * 0.99 * Math.min(1, Number(m[1]) / 1e6 / total));
        },
        onStderrLine: (line) => {
          const m = /fontselect: .*-> (.*)$/.exec(line);
          if (m) fontsSelected.push(m[1].split(',')[0].trim());
        },
      });
    } catch (err) {
      throw joined ? err : nameFailedClip(err, clips, o.scenes);
    }

    const [info, sha256] = await Promise.all([probeMedia(partial, { signal }), sha256File(partial)]);
    // With transitions nothing was measured before the encode: a clip shorter than its stated
    // duration would put every xfade offset after it in the wrong place, and shows up here.
    if (!joined) checkLength(info.duration, timeline.total, clips.length, 'video joined with transitions');
    signal?.throwIfAborted();
    await rename(partial, outPath);
    progress(1);
    return { path: outPath, duration: info.duration, bytes: info.bytes, sha256, subtitleFonts: [...new Set(fontsSelected)], joinedBy };
  } catch (err) {
    await rm(partial, { force: true });
    // An abort that surfaced as some other error (e.g. a killed ffprobe) is still an abort.
    if (signal?.aborted) throw abortReason(signal);
    throw err;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Clips with mismatched timestamps or a truncated clip show up here rather than as a silently
 * short video; the tolerance covers per-clip rounding of the given durations.
 */
function checkLength(actual: number, expected: number, clips: number, what: string): void {
  if (Math.abs(actual - expected) > 0.25 + 0.05 * clips) {
    throw new Error(`${what} lasts ${actual.toFixed(2)} s but the clips add up to ${expected.toFixed(2)} s; are all clips encoded alike?`);
  }
}

async function clipFps(path: string, scene: AssembleScene, signal: AbortSignal | undefined): Promise<number> {
  const fps = (
    await probeMedia(path, { signal }).catch((err: unknown) => {
      throw signal?.aborted ? abortReason(signal) : err;
    })
  ).video?.fps;
  if (!(fps && Number.isFinite(fps) && fps > 0)) throw new Error(`clip for scene ${scene.scene_number} has no video frame rate (${path})`);
  return fps;
}

interface FinalPassInput {
  joined: string;
  assPath: string | null;
  fontsDir: string | null;
  musicPath: string | null;
  total: number;
  out: string;
}

/** Exported for tests: the arguments of step 2 of the all-cut path. */
export function finalPassArgs(p: FinalPassInput): string[] {
  const graph: string[] = [];
  const maps: string[] = [];
  const codecs: string[] = [];

  if (p.assPath) {
    graph.push(`[0:v]${subtitlesFilter(p.assPath, p.fontsDir)}[v]`);
    maps.push('-map', '[v]');
    codecs.push(...H264);
  } else {
    // Nothing to burn in: the concatenated stream is already the final encoding.
    maps.push('-map', '0:v:0');
    codecs.push('-c:v', 'copy');
  }
  return encodeArgs(['-i', p.joined], 1, graph, maps, codecs, p.musicPath, p.total, p.out);
}

interface TransitionPassInput {
  clips: string[];
  timeline: Timeline;
  width: number;
  height: number;
  fps: number;
  assPath: string | null;
  fontsDir: string | null;
  musicPath: string | null;
  out: string;
}

/**
 * Exported for tests: the one pass of the transition path. Every clip is normalised first (size,
 * frame rate, time base, pixel format: xfade refuses inputs that differ in any of them); scenes
 * that start with a cut are joined with the concat filter, the others with xfade at their offset
 * on the accumulated output (Timeline.starts); then subtitles are burnt in over the result.
 */
export function transitionPassArgs(p: TransitionPassInput): string[] {
  const t = p.timeline;
  const graph = p.clips.map(
    (_, i) => `[${i}:v]scale=${p.width}:${p.height},setsar=1,fps=${p.fps},settb=AVTB,format=yuv420p${i === 0 && t.fadeIn > 0 ? `,fade=t=in:st=0:d=${sec(t.fadeIn)}` : ''}[c${i}]`,
  );
  let acc = 'c0';
  for (let i = 1; i < p.clips.length; i++) {
    const kind = t.transitions[i];
    const out = `j${i}`;
    graph.push(
      kind
        ? `[${acc}][c${i}]xfade=transition=${XFADE[kind]}:duration=${sec(t.overlaps[i])}:offset=${xfadeOffset(t.starts[i], p.fps)}[${out}]`
        : `[${acc}][c${i}]concat=n=2:v=1:a=0[${out}]`,
    );
    acc = out;
  }
  graph.push(`[${acc}]${p.assPath ? subtitlesFilter(p.assPath, p.fontsDir) : 'null'}[v]`);
  const inputs = p.clips.flatMap((c) => ['-i', c]);
  return encodeArgs(inputs, p.clips.length, graph, ['-map', '[v]'], [...H264], p.musicPath, t.total, p.out);
}

/**
 * xfade starts blending at the first frame whose time is at least the offset, so an offset a hair
 * past a frame's time (3 decimals of 19/6 s are 3.167 > 3.16667) would start it, and every clip
 * after it, one frame late. Half a frame before the frame it should start on is unambiguous.
 */
function xfadeOffset(start: number, fps: number): string {
  return Math.max(0, Math.round(start * fps) / fps - 0.5 / fps).toFixed(6);
}

const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-profile:v', 'high', '-pix_fmt', 'yuv420p'];

function subtitlesFilter(assPath: string, fontsDir: string | null): string {
  const fontsdir = fontsDir ? `:fontsdir=${escapeFilterValue(fontsDir)}` : '';
  return `subtitles=filename=${escapeFilterValue(assPath)}${fontsdir}`;
}

/** The common part of both passes: the music (input number `musicInput`), the log and the output. */
function encodeArgs(inputs: string[], musicInput: number, graph: string[], maps: string[], codecs: string[], musicPath: string | null, total: number, out: string): string[] {
  inputs = [...inputs];
  graph = [...graph];
  maps = [...maps];
  codecs = [...codecs];
  if (musicPath) {
    // Looped so music shorter than the video still covers it; atrim then cuts it to the video.
    inputs.push('-stream_loop', '-1', '-i', musicPath);
    const fadeIn = Math.min(FADE_IN_SEC, total / 4);
    const fadeOut = Math.min(FADE_OUT_SEC, total / 4);
    graph.push(
      `[${musicInput}:a]atrim=duration=${sec(total)},asetpts=PTS-STARTPTS,` +
        `afade=t=in:st=0:d=${sec(fadeIn)},afade=t=out:st=${sec(total - fadeOut)}:d=${sec(fadeOut)},` +
        `aformat=sample_rates=48000:channel_layouts=stereo[a]`,
    );
    maps.push('-map', '[a]');
    codecs.push('-c:a', 'aac', '-b:a', '192k');
  } else {
    codecs.push('-an');
  }

  return [
    '-hide_banner',
    '-nostdin',
    // verbose: libass reports its font choice (fontselect) only at this level; `level+` tags lines
    // so error messages can quote just the [error] lines.
    '-loglevel',
    'level+verbose',
    '-nostats',
    '-progress',
    'pipe:1',
    '-y',
    ...inputs,
    ...(graph.length > 0 ? ['-filter_complex', graph.join(';')] : []),
    ...maps,
    ...codecs,
    // The audio is trimmed to this already; the cap guards against a container rounding a frame longer.
    '-t',
    sec(total),
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    out,
  ];
}

function resolveFont(o: AssembleOptions): { dir: string; family: string } {
  if (o.fontsDir) return { dir: resolve(o.fontsDir), family: o.fontName ?? familyForFontsDir(o.fontsDir) };
  const found = findCjkFont();
  if (!found) {
    throw new Error(
      'No CJK font found for burnt-in subtitles (looked in /usr/share/fonts/truetype/wqy and /usr/share/fonts/opentype/noto); install fonts-wqy-microhei',
    );
  }
  return { dir: found.dir, family: o.fontName ?? found.family };
}

function validate(o: AssembleOptions): void {
  if (o.clips.length === 0) throw new Error('assembleVideo: no clips');
  if (o.clips.length !== o.scenes.length) {
    throw new Error(`assembleVideo: ${o.clips.length} clips but ${o.scenes.length} scenes`);
  }
  for (const [i, c] of o.clips.entries()) {
    if (!(Number.isFinite(c.duration) && c.duration > 0)) {
      throw new Error(`assembleVideo: clip for scene ${o.scenes[i].scene_number} has invalid duration ${c.duration}`);
    }
  }
  if (!(Number.isInteger(o.width) && Number.isInteger(o.height) && o.width > 0 && o.height > 0)) {
    throw new Error(`assembleVideo: invalid size ${o.width}x${o.height}`);
  }
}

/** ffmpeg names the clip it could not open by path; the caller thinks in scene numbers. */
function nameFailedClip(err: unknown, clips: readonly AssembleClip[], scenes: readonly AssembleScene[]): unknown {
  if (!(err instanceof MediaToolError)) return err;
  // The concat demuxer says "Impossible to open '<path>'"; an input given with -i, "<path>: <reason>".
  const i = clips.findIndex((c) => err.stderrTail.some((l) => l.includes(`Impossible to open '${c.path}'`) || l.includes(`${c.path}: `)));
  if (i < 0) return err;
  return new MediaToolError(`clip for scene ${scenes[i].scene_number} is unreadable (${clips[i].path}). ${err.message}`, err.exitCode, err.stderrTail);
}

async function mustBeFile(path: string, what: string): Promise<void> {
  let ok = false;
  try {
    ok = (await stat(path)).isFile();
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`${what} not found: ${path}`);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function monotonic(cb: ((f: number) => void) | undefined): (f: number) => void {
  let last = 0;
  return (f) => {
    if (!cb || f <= last) return;
    last = Math.min(1, f);
    try {
      cb(last);
    } catch {
      // A broken progress listener must not fail the assembly.
    }
  };
}

function sec(n: number): string {
  return n.toFixed(3);
}
