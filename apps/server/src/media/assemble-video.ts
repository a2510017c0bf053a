import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  MediaToolError,
  abortReason,
  detectLanguage,
  familyForFontsDir,
  findCjkFont,
  probeMedia,
  runFfmpeg,
  sha256File,
  type FfmpegInput,
  type FfmpegJob,
  type SpeechLanguage,
} from '@reelcraft/inference';
import { planTimeline, type RenderScene, type Timeline } from '@reelcraft/shared';
import { audioGraph, type MusicMix } from './audio-mix';
import { concatListFile, escapeFilterValue } from './ffmpeg-escape';
import { speakCues, type SpokenLine } from './narration';
import { AAC, audioTrack } from './audio-track';
import { SegmentCache } from './segment-cache';
import { H264, XFADE, encodeSegments } from './segment-encode';
import { planSegments } from './segments';
import { renderAss, renderSrt, renderVtt, subtitleLayout, timelineCues, type SubtitleStyle } from './subtitles';

// Callers that set up assembly look the font folder up here too, before any rendering starts.
export { findCjkFontsDir } from '@reelcraft/inference';

export interface AssembleClip {
  path: string;
  /** Actual clip length in seconds (probed), which places the subtitle cues. */
  duration: number;
  /** Hex SHA-256 of the clip's bytes (a take knows it); computed when absent and the segment cache needs it. */
  sha256?: string;
}

/** `transition` (absent = cut) says how the scene begins, coming from the one before it. */
export type AssembleScene = Pick<RenderScene, 'scene_number' | 'subtitle' | 'duration_sec' | 'transition'>;

export interface MusicOptions {
  path: string;
  /** 0..1 (default 1). */
  volume?: number;
  /** Default 1 s; shortened to a quarter of a short video. */
  fadeInSec?: number;
  /** Default 2 s; ends with the picture. */
  fadeOutSec?: number;
}

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
  /**
   * The subtitles' language: the subtitle track's language tag and the narration's voice.
   * Detected from the subtitles when omitted (any Chinese character: 'zh').
   */
  language?: SpeechLanguage;
  /**
   * Burn the subtitles into the picture as well (default true). The MP4 always carries them as a
   * soft track, and SRT/WebVTT files are written beside it.
   */
  burnSubtitles?: boolean;
  /** Look of burnt-in subtitles; omitted values follow the video's size (see subtitleLayout). */
  subtitleStyle?: Partial<SubtitleStyle>;
  /** Background music, looped or trimmed to the video and faded. */
  music?: MusicOptions | null;
  /** Speak each scene's subtitle (espeak-ng) at its cue; music, if any, is ducked under the voice. */
  narration?: boolean;
  /** Folder of the CJK font for burnt-in subtitles; defaults to findCjkFont()'s. */
  fontsDir?: string;
  /**
   * Where encoded segments are kept between assemblies (see segments.ts). Given, the picture is
   * made segment by segment whenever it needs encoding (a transition or burnt-in subtitles), and a
   * segment whose inputs did not change since an earlier assembly is reused, not encoded again.
   */
  segmentCacheDir?: string;
  /** Size bound of that folder: least recently used segments beyond it are deleted (default 2 GiB). */
  segmentCacheMaxBytes?: number;
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
   * How the clips were joined: 'concat-copy' (every scene starts with a cut: concat demuxer with
   * stream copy, then one pass for subtitles and audio) or 'filter' (some scene has a transition:
   * one ffmpeg pass joins the clips with xfade, burns subtitles and mixes the audio too) or
   * 'segments' (with a segment cache: bodies and transitions encoded or reused one by one, joined
   * by stream copy in the pass that adds the audio and the subtitle track).
   */
  joinedBy: 'concat-copy' | 'filter' | 'segments';
  /**
   * With joinedBy 'segments': how many picture segments were encoded now and how many came from the
   * cache, and whether the audio track (music, narration) was mixed now, reused, or there is none.
   */
  segments: { encoded: number; reused: number; audio: 'encoded' | 'reused' | null } | null;
  /** True when the clips' H.264 went into the MP4 unchanged (all cuts and nothing burnt in). */
  videoCopied: boolean;
  /**
   * What libass resolved the subtitle font to (from its `fontselect` log lines), e.g.
   * "WenQuanYiMicroHei". Empty when nothing was burnt in. Lets the caller spot a fallback font.
   */
  subtitleFonts: string[];
  language: SpeechLanguage;
  /** Cues in the subtitles; 0 when no scene has one (then there is no track and no SRT/VTT). */
  subtitleCues: number;
  /** A mov_text subtitle track tagged with the language. */
  softSubtitles: boolean;
  burntSubtitles: boolean;
  /** Beside the MP4 (`<name>.srt`, `<name>.vtt`), or null without cues. */
  srtPath: string | null;
  vttPath: string | null;
  /** A JPEG of an early frame at the video's size, beside the MP4 (`<name>.jpg`). */
  posterPath: string;
  music: boolean;
  /** Lines spoken (0 without narration). */
  narratedLines: number;
}

/** Share of the progress bar the stream-copy concat gets; the encode is the real work. */
const CONCAT_SHARE = 0.03;
/** Where encoding the segments ends on the progress bar; the final pass only copies the picture. */
const SEGMENTS_SHARE = 0.85;
/** Default bound of the segment cache. */
export const SEGMENT_CACHE_MAX_BYTES = 2048 * 1024 * 1024;
/** Where the final pass ends on the progress bar; the poster and the renames take the rest. */
const ENCODE_END = 0.97;
/** The MP4 subtitle track's language tag: ISO 639-2/T (the mov muxer drops two-letter codes). */
const TRACK_LANGUAGE: Record<SpeechLanguage, string> = { zh: 'zho', en: 'eng' };

/** True when the clips can simply be put one after the other (the stream-copy path). */
const allCuts = (t: Timeline) => t.fadeIn === 0 && t.transitions.every((k) => k === null);

/**
 * Stitches per-scene clips into the final MP4, with its subtitles (a soft mov_text track, and
 * burnt in unless turned off), audio (music and/or narration, the music ducked under the voice)
 * and `+faststart`, and writes a poster JPEG and SRT/WebVTT files beside it.
 *
 * When every scene starts with a cut: (1) concat demuxer with stream copy into a temp file, valid
 * because the render worker encodes every clip identically; (2) one ffmpeg pass that adds the
 * subtitle track and the audio, copying the picture unless subtitles are burnt in. When some scene
 * has a transition, one ffmpeg pass does it all: the clips are normalised, joined with concat/xfade
 * filters (see Timeline in libs/shared for how that shortens the video), subtitled and mixed.
 * Every file appears only when complete (written under a temporary name, then renamed; the MP4
 * last), so a failure or abort never leaves a partial file.
 */
export async function assembleVideo(o: AssembleOptions): Promise<AssembleResult> {
  validate(o);
  const { signal } = o;
  signal?.throwIfAborted();
  const progress = monotonic(o.onProgress);

  const clips = o.clips.map((c) => ({ ...c, path: resolve(c.path) }));
  const outPath = resolve(o.outPath);
  const music = o.music ? musicMix(o.music) : null;
  await Promise.all([
    ...clips.map((c, i) => mustBeFile(c.path, `clip for scene ${o.scenes[i]!.scene_number}`)),
    ...(music ? [mustBeFile(music.path, 'music file')] : []),
  ]);

  const durations = clips.map((c) => c.duration);
  const transitions = o.scenes.map((s) => s.transition);
  // Only transitions need the frame rate; without any it is not probed.
  const wantsTransitions = transitions[0] === 'fade-black' || transitions.slice(1).some((t) => t !== undefined && t !== 'cut');
  const fps = wantsTransitions ? (o.fps ?? (await clipFps(clips[0]!.path, o.scenes[0]!, signal))) : 0;
  let timeline = planTimeline(durations, wantsTransitions ? transitions : [], fps);

  const layout = subtitleLayout(o.width, o.height, o.subtitleStyle);
  // The one cue list: burnt-in ASS, the mov_text track, SRT, WebVTT and the narration.
  const cues = timelineCues(timeline, o.scenes, layout);
  const language = o.language ?? detectLanguage(o.scenes.map((s) => s.subtitle).join(' '));
  const burn = (o.burnSubtitles ?? true) && cues.length > 0;
  const font = burn ? resolveFont(o) : null;
  // A wrong fontsdir is not an ffmpeg error: libass would quietly fall back to whatever fontconfig has.
  if (font && !(await stat(font.dir).then((s) => s.isDirectory(), () => false))) {
    throw new Error(`fonts folder for subtitles not found: ${font.dir}`);
  }
  // Segments pay off only where the picture is encoded at all; all cuts with nothing burnt in stay a stream copy.
  const joinedBy = o.segmentCacheDir !== undefined && (burn || !allCuts(timeline)) ? 'segments' : allCuts(timeline) ? 'concat-copy' : 'filter';
  // Segment edges are frame numbers, so cuts-only videos need the rate too.
  if (joinedBy === 'segments' && !timeline.fps) timeline = { ...timeline, fps: o.fps ?? (await clipFps(clips[0]!.path, o.scenes[0]!, signal)) };

  await mkdir(resolve(o.workDir), { recursive: true });
  await mkdir(dirname(outPath), { recursive: true });
  const tmp = await mkdtemp(join(resolve(o.workDir), 'assemble-'));
  const sidecars = sidecarPaths(outPath);
  const tag = randomBytes(4).toString('hex');
  const partialOf = (path: string) => join(dirname(path), `.${basename(path)}.${tag}.partial`);
  const written: string[] = [];
  try {
    let joined: string | null = null;
    let segmentList: string | null = null;
    let segments: AssembleResult['segments'] = null;
    let total = timeline.total;
    let encodeFrom = 0;
    const fontsSelected: string[] = [];
    let spoken: SpokenLine[] = [];
    let narratedLines = 0;
    let audioPath: string | null = null;
    /** Where the poster frame is read from when it need not wait for the final MP4. */
    let posterFrom: { path: string; at: number; cache: SegmentCache; key: string } | null = null;
    if (joinedBy === 'segments') {
      const plan = planSegments(timeline, durations);
      // Whole frames: the audio and its fade-out end exactly with the last one.
      total = plan.frames / plan.fps;
      const cache = new SegmentCache(resolve(o.segmentCacheDir!), o.segmentCacheMaxBytes ?? SEGMENT_CACHE_MAX_BYTES);
      const shas = await Promise.all(clips.map((c) => c.sha256 ?? sha256File(c.path)));
      // The picture's segments and the audio track are independent: made side by side, and when
      // one fails the other is stopped rather than left running into a removed scratch folder.
      const stop = new AbortController();
      const both = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
      const [encoded, audio] = await allOrStop(stop, [
        encodeSegments({
          plan,
          clips: clips.map((c, i) => ({ path: c.path, sha256: shas[i]! })),
          width: o.width,
          height: o.height,
          cues: burn ? cues : [],
          layout,
          font: font ? { family: o.subtitleStyle?.fontFamily ?? font.family, dir: font.dir } : null,
          cache,
          tmp,
          signal: both,
          onProgress: (done, todo) => progress((SEGMENTS_SHARE * done) / Math.max(todo, 1)),
        }).catch((err: unknown) => {
          throw nameFailedClip(err, clips, o.scenes);
        }),
        audioTrack({ total, music, narration: o.narration ? { cues, scenes: o.scenes, language } : null, cache, tmp, signal: both }),
      ] as const);
      segmentList = join(tmp, 'segments.ffconcat');
      await writeFile(segmentList, concatListFile(encoded.paths));
      segments = { encoded: encoded.encoded, reused: encoded.reused, audio: audio ? (audio.reused ? 'reused' : 'encoded') : null };
      fontsSelected.push(...encoded.fonts);
      audioPath = audio?.path ?? null;
      narratedLines = audio?.narratedLines ?? 0;
      // The poster's frame lies in one segment: read from there, it is made beside the final pass.
      const posterFrame = Math.min(plan.frames - 1, Math.round(posterTime(total) * plan.fps));
      const i = plan.segments.findIndex((seg) => posterFrame < seg.start + seg.frames);
      const at = (posterFrame - plan.segments[i]!.start) / plan.fps;
      // The same frame of the same segment is the same picture: cached with the segments.
      posterFrom = { path: encoded.paths[i]!, at, cache, key: createHash('sha256').update(`poster ${POSTER_FORMAT} ${encoded.keys[i]!} ${at.toFixed(6)}`).digest('hex') };
      encodeFrom = SEGMENTS_SHARE;
      progress(SEGMENTS_SHARE);
      // Bounded after each assembly; the files just joined are the newest and stay.
      void cache.prune(new Set([...encoded.paths, ...(audioPath ? [audioPath] : []), cache.pathOf(posterFrom.key, 'jpg')])).catch(() => undefined);
    } else if (joinedBy === 'concat-copy') {
      // Step 1: concat, stream copy.
      const listPath = join(tmp, 'clips.ffconcat');
      joined = join(tmp, 'joined.mp4');
      await writeFile(listPath, concatListFile(clips.map((c) => c.path)));
      try {
        await runFfmpeg(
          {
            // -xerror: without it the concat demuxer logs an unreadable clip, skips it and exits 0.
            inputs: [{ source: listPath, options: ['-xerror', '-f', 'concat', '-safe', '0'] }],
            output: joined,
            outputOptions: ['-map', '0:v:0', '-c', 'copy'],
            what: 'concatenating the scene clips',
          },
          { signal },
        );
      } catch (err) {
        throw nameFailedClip(err, clips, o.scenes);
      }
      progress(CONCAT_SHARE);
      encodeFrom = CONCAT_SHARE;

      // The joined file's own duration, not the sum of the inputs: the audio and its fade-out must
      // end exactly with the picture.
      total = (await probeMedia(joined, { signal })).duration;
      checkLength(total, timeline.total, clips.length, 'concatenated video');
    }
    if (music && joinedBy !== 'segments') {
      const probe = await probeMedia(music.path, { signal });
      // An empty audio stream would make `-stream_loop -1` spin forever without producing samples.
      if (!probe.audio || !(probe.audio.duration > 0.05)) throw new Error(`music file has no usable audio stream: ${music.path}`);
    }
    if (o.narration && cues.length > 0 && joinedBy !== 'segments') {
      spoken = await speakCues(cues, o.scenes, { language, dir: tmp, signal });
      narratedLines = spoken.length;
    }

    let assPath: string | null = null;
    if (font && joinedBy !== 'segments') {
      assPath = join(tmp, 'subtitles.ass');
      await writeFile(assPath, renderAss(cues, layout, { width: o.width, height: o.height, fontName: o.subtitleStyle?.fontFamily ?? font.family }), 'utf8');
    }
    const srt = cues.length > 0 ? renderSrt(cues) : null;
    if (srt !== null) await writeFile(join(tmp, 'subtitles.srt'), srt, 'utf8');

    // Step 2 (or the only step): picture, subtitle track and audio, one pass.
    const partial = partialOf(outPath);
    written.push(partial);
    const job = finalPassJob({
      video: segmentList ? { segments: segmentList } : joined ? { joined } : { clips: clips.map((c) => c.path), timeline, width: o.width, height: o.height },
      burn: assPath ? { assPath, fontsDir: font?.dir ?? null } : null,
      subtitles: srt !== null ? { srtPath: join(tmp, 'subtitles.srt'), language } : null,
      music: audioPath ? null : music,
      narration: spoken,
      audioTrack: audioPath,
      total,
      out: partial,
    });
    const posterPartial = partialOf(sidecars.poster);
    written.push(posterPartial);
    const earlyPoster = posterFrom ? cachedPoster(posterFrom, posterPartial, signal) : null;
    // Settled before anything below can throw, so no poster ffmpeg outlives the assembly.
    const posterDone = earlyPoster?.then(
      () => null,
      (err: unknown) => err,
    );
    try {
      await runFfmpeg(job, {
        signal,
        onProgress: (s) => progress(encodeFrom + (ENCODE_END - encodeFrom) * Math.min(1, s / Math.max(total, 1e-3))),
        onStderrLine: (line) => {
          const m = /fontselect: .*-> (.*)$/.exec(line);
          if (m) fontsSelected.push(m[1]!.split(',')[0]!.trim());
        },
      });
    } catch (err) {
      await posterDone;
      throw joinedBy === 'filter' ? nameFailedClip(err, clips, o.scenes) : err;
    }

    // finally: a failed probe still waits for the poster, whose file the cleanup below removes.
    // Segments are counted in frames and checked as they are made: the video lasts exactly `total`,
    // and probing the MP4 again would only add a tenth of a second after a one-scene edit.
    const measure = joinedBy === 'segments' ? stat(partial).then((st) => ({ duration: total, bytes: st.size })) : probeMedia(partial, { signal });
    const [info, sha256, posterError] = await Promise.all([measure, sha256File(partial), posterDone]).finally(() => posterDone);
    if (posterError) throw posterError;
    // With transitions nothing was measured before the encode: a clip shorter than its stated
    // duration would put every xfade offset after it in the wrong place, and shows up here.
    if (joinedBy === 'filter') checkLength(info.duration, timeline.total, clips.length, 'video joined with transitions');

    if (!earlyPoster) await runFfmpeg(posterJob(partial, posterPartial, posterTime(info.duration)), { signal });
    const texts: [string, string][] = srt !== null ? [[sidecars.srt, srt], [sidecars.vtt, renderVtt(cues)]] : [];
    for (const [path, text] of texts) {
      written.push(partialOf(path));
      await writeFile(partialOf(path), text, 'utf8');
    }
    progress(0.99);

    signal?.throwIfAborted();
    await rename(posterPartial, sidecars.poster);
    for (const [path] of texts) await rename(partialOf(path), path);
    // SRT/VTT of an earlier assembly with subtitles must not outlive them.
    if (srt === null) await Promise.all([rm(sidecars.srt, { force: true }), rm(sidecars.vtt, { force: true })]);
    await rename(partial, outPath);
    progress(1);
    return {
      path: outPath,
      duration: info.duration,
      bytes: info.bytes,
      sha256,
      joinedBy,
      segments,
      videoCopied: joinedBy === 'concat-copy' && !burn,
      subtitleFonts: [...new Set(fontsSelected)],
      language,
      subtitleCues: cues.length,
      softSubtitles: srt !== null,
      burntSubtitles: burn,
      srtPath: srt !== null ? sidecars.srt : null,
      vttPath: srt !== null ? sidecars.vtt : null,
      posterPath: sidecars.poster,
      music: music !== null,
      narratedLines,
    };
  } catch (err) {
    await Promise.all(written.map((p) => rm(p, { force: true })));
    // An abort that surfaced as some other error (e.g. a killed ffprobe) is still an abort.
    if (signal?.aborted) throw abortReason(signal);
    throw err;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export interface FinalPass {
  /**
   * The concatenated clips (the all-cut path), a concat list of encoded segments (copied through),
   * or the clips to join by the timeline's transitions.
   */
  video: { joined: string } | { segments: string } | { clips: string[]; timeline: Timeline; width: number; height: number };
  /** Subtitles to burn into the picture (which is then re-encoded). */
  burn: { assPath: string; fontsDir: string | null } | null;
  /** The soft subtitle track: an SRT of the cues, stored as mov_text. */
  subtitles: { srtPath: string; language: SpeechLanguage } | null;
  music: (Omit<MusicMix, 'input'> & { path: string }) | null;
  narration: readonly SpokenLine[];
  /** The audio already mixed and encoded (see audio-track.ts): copied in; music and narration are then empty. */
  audioTrack?: string | null;
  total: number;
  out: string;
}

/**
 * Exported for tests: the one ffmpeg pass that makes the MP4 (step 2 of the all-cut path, the only
 * step with transitions). Streams come out as video, audio, subtitles.
 */
export function finalPassJob(p: FinalPass): FfmpegJob {
  const inputs: FfmpegInput[] = [];
  const add = (input: FfmpegInput) => inputs.push(input) - 1;
  const graph: string[] = [];
  const maps: string[] = [];
  const codecs: string[] = [];

  if ('segments' in p.video) {
    // -xerror: without it the concat demuxer logs an unreadable segment, skips it and exits 0.
    add({ source: p.video.segments, options: ['-xerror', '-f', 'concat', '-safe', '0'] });
    maps.push('-map', '0:v:0');
    codecs.push('-c:v', 'copy');
  } else if ('joined' in p.video) {
    add({ source: p.video.joined });
    if (p.burn) {
      graph.push(`[0:v]${subtitlesFilter(p.burn)}[v]`);
      maps.push('-map', '[v]');
      codecs.push(...H264);
    } else {
      // Nothing to burn in: the concatenated stream is already the final encoding.
      maps.push('-map', '0:v:0');
      codecs.push('-c:v', 'copy');
    }
  } else {
    for (const c of p.video.clips) add({ source: c });
    graph.push(...joinGraph(p.video.clips.length, p.video.timeline, p.video.width, p.video.height), `[joined]${p.burn ? subtitlesFilter(p.burn) : 'null'}[v]`);
    maps.push('-map', '[v]');
    codecs.push(...H264);
  }

  const srtInput = p.subtitles ? add({ source: p.subtitles.srtPath, options: ['-f', 'srt'] }) : -1;
  const narration = p.narration.map((line) => ({ input: add({ source: line.path }), start: line.start, tempo: line.tempo }));
  // Looped so music shorter than the video still covers it; atrim then cuts it to the video.
  const music = p.music ? { ...p.music, input: add({ source: p.music.path, options: ['-stream_loop', '-1'] }) } : null;
  const audio = audioGraph({ total: p.total, music, narration });
  if (p.audioTrack) {
    maps.push('-map', `${add({ source: p.audioTrack })}:a:0`);
    codecs.push('-c:a', 'copy');
  } else if (audio) {
    graph.push(...audio);
    maps.push('-map', '[a]');
    codecs.push(...AAC);
  } else {
    codecs.push('-an');
  }
  if (p.subtitles) {
    maps.push('-map', `${srtInput}:s:0`);
    // ffmpeg's MP4 muxer marks the first track of each kind enabled whatever its disposition, so
    // the track cannot be flagged "off" for videos that also have the text burnt in.
    codecs.push('-c:s', 'mov_text', '-metadata:s:s:0', `language=${TRACK_LANGUAGE[p.subtitles.language]}`);
  }

  return {
    inputs,
    filterGraph: graph,
    output: p.out,
    outputOptions: [
      ...maps,
      ...codecs,
      // The audio is trimmed to this already; the cap guards against a container rounding a frame longer.
      '-t', sec(p.total),
      '-movflags', '+faststart',
      '-f', 'mp4',
    ],
    what: describe(p),
    // verbose: libass reports its font choice (fontselect) only at this level.
    logLevel: p.burn ? 'verbose' : 'error',
  };
}

function describe(p: FinalPass): string {
  const adding = [p.burn ? 'burnt-in subtitles' : null, p.subtitles ? 'the subtitle track' : null, p.music ? 'music' : null, p.narration.length > 0 ? 'narration' : null].filter(Boolean);
  const base = 'segments' in p.video ? 'joining the encoded segments' : 'joined' in p.video ? 'finishing the joined clips' : 'joining the scene clips with transitions';
  return adding.length > 0 ? `${base}, adding ${adding.join(', ')}` : base;
}

/**
 * The clips normalised (size, frame rate, time base, pixel format: xfade refuses inputs that
 * differ in any of them) and joined: scenes that start with a cut by the concat filter, the others
 * by xfade at their offset on the accumulated output (Timeline.starts). Ends in `[joined]`.
 */
function joinGraph(n: number, t: Timeline, width: number, height: number): string[] {
  const graph = Array.from(
    { length: n },
    (_, i) => `[${i}:v]scale=${width}:${height},setsar=1,fps=${t.fps},settb=AVTB,format=yuv420p${i === 0 && t.fadeIn > 0 ? `,fade=t=in:st=0:d=${sec(t.fadeIn)}` : ''}[c${i}]`,
  );
  let acc = 'c0';
  for (let i = 1; i < n; i++) {
    const kind = t.transitions[i];
    const out = `j${i}`;
    graph.push(
      kind
        ? `[${acc}][c${i}]xfade=transition=${XFADE[kind]}:duration=${sec(t.overlaps[i]!)}:offset=${xfadeOffset(t.starts[i]!, t.fps)}[${out}]`
        : `[${acc}][c${i}]concat=n=2:v=1:a=0[${out}]`,
    );
    acc = out;
  }
  graph.push(`[${acc}]null[joined]`);
  return graph;
}

/**
 * xfade starts blending at the first frame whose time is at least the offset, so an offset a hair
 * past a frame's time (3 decimals of 19/6 s are 3.167 > 3.16667) would start it, and every clip
 * after it, one frame late. Half a frame before the frame it should start on is unambiguous.
 */
function xfadeOffset(start: number, fps: number): string {
  return Math.max(0, Math.round(start * fps) / fps - 0.5 / fps).toFixed(6);
}

function subtitlesFilter(burn: { assPath: string; fontsDir: string | null }): string {
  const fontsdir = burn.fontsDir ? `:fontsdir=${escapeFilterValue(burn.fontsDir)}` : '';
  return `subtitles=filename=${escapeFilterValue(burn.assPath)}${fontsdir}`;
}

/** Bumped whenever posterJob would make a different picture of the same frame. */
const POSTER_FORMAT = 1;

async function cachedPoster(from: { path: string; at: number; cache: SegmentCache; key: string }, out: string, signal: AbortSignal | undefined): Promise<void> {
  const path = (await from.cache.get(from.key, 'jpg')) ?? (await from.cache.put(from.key, (tmp) => runFfmpeg(posterJob(from.path, tmp, from.at), { signal }).then(() => undefined), 'jpg'));
  await copyFile(path, out);
}

/** One JPEG of the video's first stream at `at` seconds, at the video's size. */
function posterJob(video: string, out: string, at: number): FfmpegJob {
  return {
    inputs: [{ source: video, options: ['-ss', sec(at)] }],
    output: out,
    // yuvj420p: the JPEG encoder wants full-range YUV; ffmpeg converts from the video's limited range.
    outputOptions: ['-map', '0:v:0', '-frames:v', '1', '-pix_fmt', 'yuvj420p', '-q:v', '3', '-f', 'mjpeg'],
    what: 'writing the poster image',
  };
}

/** Early, past any fade in from black: 1 s, or 10 % into a long video; never past the middle. */
export function posterTime(duration: number): number {
  return Math.min(Math.max(1, duration * 0.1), duration / 2);
}

/** `<name>.jpg`, `<name>.srt` and `<name>.vtt` beside `<name>.mp4`. */
function sidecarPaths(outPath: string): { poster: string; srt: string; vtt: string } {
  const base = join(dirname(outPath), basename(outPath, extname(outPath)));
  return { poster: `${base}.jpg`, srt: `${base}.srt`, vtt: `${base}.vtt` };
}

function musicMix(m: MusicOptions): Omit<MusicMix, 'input'> & { path: string } {
  const volume = m.volume ?? 1;
  const fadeInSec = m.fadeInSec ?? 1;
  const fadeOutSec = m.fadeOutSec ?? 2;
  if (!(volume >= 0 && volume <= 1)) throw new Error(`assembleVideo: music volume must be from 0 to 1, got ${volume}`);
  for (const [name, v] of [['fadeInSec', fadeInSec], ['fadeOutSec', fadeOutSec]] as const) {
    if (!(Number.isFinite(v) && v >= 0)) throw new Error(`assembleVideo: music ${name} must be 0 or more, got ${v}`);
  }
  return { path: resolve(m.path), volume, fadeInSec, fadeOutSec };
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

function resolveFont(o: AssembleOptions): { dir: string; family: string } {
  if (o.fontsDir) return { dir: resolve(o.fontsDir), family: familyForFontsDir(resolve(o.fontsDir)) };
  const found = findCjkFont();
  if (!found) {
    throw new Error(
      'No CJK font found for burnt-in subtitles (looked in /usr/share/fonts/truetype/wqy and /usr/share/fonts/opentype/noto); install fonts-wqy-microhei',
    );
  }
  return { dir: found.dir, family: found.family };
}

function validate(o: AssembleOptions): void {
  if (o.clips.length === 0) throw new Error('assembleVideo: no clips');
  if (o.clips.length !== o.scenes.length) {
    throw new Error(`assembleVideo: ${o.clips.length} clips but ${o.scenes.length} scenes`);
  }
  for (const [i, c] of o.clips.entries()) {
    if (!(Number.isFinite(c.duration) && c.duration > 0)) {
      throw new Error(`assembleVideo: clip for scene ${o.scenes[i]!.scene_number} has invalid duration ${c.duration}`);
    }
  }
  if (!(Number.isInteger(o.width) && Number.isInteger(o.height) && o.width > 0 && o.height > 0)) {
    throw new Error(`assembleVideo: invalid size ${o.width}x${o.height}`);
  }
}

/**
 * Both results, or the first failure once both have settled; a failure stops the other through
 * `stop` (whose signal they were given) instead of waiting for it to finish its work.
 */
async function allOrStop<A, B>(stop: AbortController, [a, b]: readonly [Promise<A>, Promise<B>]): Promise<[A, B]> {
  const onFail = (err: unknown) => {
    stop.abort(err);
    throw err;
  };
  const settled = await Promise.allSettled([a.catch(onFail), b.catch(onFail)]);
  const failures = settled.filter((s) => s.status === 'rejected').map((s) => s.reason as unknown);
  // The one that failed first is the cause; the other's is usually the stop it was given.
  if (failures.length > 0) throw failures.find((f) => !(f instanceof Error && f.name === 'AbortError')) ?? failures[0];
  return [(settled[0] as PromiseFulfilledResult<A>).value, (settled[1] as PromiseFulfilledResult<B>).value];
}

/** ffmpeg names the clip it could not open by path; the caller thinks in scene numbers. */
function nameFailedClip(err: unknown, clips: readonly AssembleClip[], scenes: readonly AssembleScene[]): unknown {
  if (!(err instanceof MediaToolError)) return err;
  // The concat demuxer says "Impossible to open '<path>'"; an input given with -i, "<path>: <reason>".
  const i = clips.findIndex((c) => err.stderrTail.some((l) => l.includes(`Impossible to open '${c.path}'`) || l.includes(`${c.path}: `)));
  if (i < 0) return err;
  return new MediaToolError(`clip for scene ${scenes[i]!.scene_number} is unreadable (${clips[i]!.path}). ${err.message}`, err.exitCode, err.stderrTail);
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
