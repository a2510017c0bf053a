import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg, type FfmpegJob } from '@reelcraft/inference';
import { escapeFilterValue } from './ffmpeg-escape';
import type { SegmentCache } from './segment-cache';
import { segmentCues, type Segment, type SegmentPlan, type SegmentSource } from './segments';
import { renderAss, type SubtitleCue, type SubtitleLayout } from './subtitles';

/**
 * The H.264 encoding of every picture the assembler makes. Segments joined by stream copy must all
 * share it (the concat demuxer keeps the first segment's parameter sets for the whole stream).
 */
export const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-profile:v', 'high', '-pix_fmt', 'yuv420p'] as const;

/**
 * Bumped whenever a segment's bytes would change for the same inputs (filters, encoder options,
 * container settings), so that old cached segments are never joined with new ones.
 */
const SEGMENT_FORMAT = 1;
/**
 * One time base for every segment: the MP4 muxer otherwise picks one per file, and copy-concat
 * needs them equal. 90 kHz divides exactly by the usual rates (24, 25, 30, 50, 60, 30000/1001).
 */
const TIMESCALE = '90000';

/** ffmpeg's xfade transition for each of the storyboard's (see MEDIA-FACTS). */
export const XFADE: Record<NonNullable<Segment['transition']>, string> = { crossfade: 'fade', 'fade-black': 'fadeblack' };

export interface SegmentEncoding {
  plan: SegmentPlan;
  /** In scene order; `sha256` of each clip's bytes, part of every key that uses it. */
  clips: readonly { path: string; sha256: string }[];
  width: number;
  height: number;
  /** The video's cues on its whole timeline; each segment burns in its share. Empty: nothing burnt in. */
  cues: readonly SubtitleCue[];
  layout: SubtitleLayout;
  /** Font family named in the ASS and the folder libass looks it up in. */
  font: { family: string; dir: string | null } | null;
  cache: SegmentCache;
  /** Private scratch folder (ASS files). */
  tmp: string;
  signal?: AbortSignal;
  /** Frames encoded so far out of those that had to be, whenever it moves. */
  onProgress?(done: number, todo: number): void;
}

export interface EncodedSegments {
  /** In playback order. */
  paths: string[];
  /** Each segment's cache key, in the same order. */
  keys: string[];
  encoded: number;
  reused: number;
  /** What libass resolved the subtitle font to in the segments encoded now (see AssembleResult.subtitleFonts). */
  fonts: string[];
}

/** The part of each segment job that decides its pixels, hashed into its cache key. */
interface SegmentWork {
  seg: Segment;
  ass: string | null;
  key: string;
}

/**
 * Each segment from the cache, or encoded (and cached) when missing, several at a time (see
 * `lanes`); the longest first, so that a short one does not hold the end of the batch.
 */
export async function encodeSegments(e: SegmentEncoding): Promise<EncodedSegments> {
  const { plan } = e;
  const work: SegmentWork[] = plan.segments.map((seg) => {
    const cues = e.font ? segmentCues(e.cues, seg, plan.fps) : [];
    const ass = cues.length > 0 ? renderAss(cues, e.layout, { width: e.width, height: e.height, fontName: e.font!.family }) : null;
    return { seg, ass, key: segmentKey(e, seg, ass) };
  });
  const paths: (string | null)[] = await Promise.all(work.map((w) => e.cache.get(w.key)));
  const missing = work.map((w, i) => ({ w, i })).filter(({ i }) => paths[i] === null);
  // The same piece twice in one video (e.g. two identical scenes) is encoded once.
  const byKey = new Map<string, number[]>();
  for (const { w, i } of missing) byKey.set(w.key, [...(byKey.get(w.key) ?? []), i]);
  const jobs = [...byKey.values()].sort((a, b) => work[b[0]!]!.seg.frames - work[a[0]!]!.seg.frames);
  const todo = jobs.reduce((s, idx) => s + work[idx[0]!]!.seg.frames, 0);
  const doneBy = new Map<number, number>();
  const report = () => e.onProgress?.([...doneBy.values()].reduce((a, b) => a + b, 0), todo);
  const fonts = new Set<string>();

  let next = 0;
  let stopped = false;
  const worker = async () => {
    // After a failure no lane starts another encode; those under way finish (and are cached).
    while (!stopped && next < jobs.length) {
      e.signal?.throwIfAborted();
      const indexes = jobs[next++]!;
      const { seg, ass, key } = work[indexes[0]!]!;
      const assPath = ass === null ? null : join(e.tmp, `${key}.ass`);
      if (assPath) await writeFile(assPath, ass!, 'utf8');
      const path = await e.cache.put(key, async (out) => {
        let frames: number | undefined;
        await runFfmpeg(segmentJob(e, seg, assPath, out), {
          signal: e.signal,
          onProgress: (s) => {
            doneBy.set(indexes[0]!, Math.min(seg.frames, Math.round(s * plan.fps)));
            report();
          },
          onStderrLine: (line) => {
            const m = /fontselect: .*-> (.*)$/.exec(line);
            if (m) fonts.add(m[1]!.split(',')[0]!.trim());
            // ffmpeg's statistics line ("[info] "-prefixed at the verbose level); the last one,
            // printed as it exits, counts every frame written.
            const f = /^(?:\[info\] )?frame=\s*(\d+)\s/.exec(line);
            if (f) frames = Number(f[1]);
          },
        });
        // A wrong frame count would shift everything after it.
        if (frames !== seg.frames) throw new Error(`segment ${describe(seg)} came out with ${frames ?? 'no'} frames instead of ${seg.frames}; is clip ${seg.sources.map((s) => s.clip + 1).join('/')} shorter than its stated duration?`);
      });
      doneBy.set(indexes[0]!, seg.frames);
      report();
      for (const i of indexes) paths[i] = path;
    }
  };
  // One more than the cores (at most 5): x264 spreads over the cores only while it encodes, and
  // another encode's start-up, decoding and muxing fill the gaps. On 2 cores a one-scene edit's
  // three segments (its body and the transitions on both sides) then run at once: at 1280×720,
  // 1.4 s instead of 1.7 s with two at a time and the last transition running alone.
  const lanes = Math.min(jobs.length, Math.min(4, Math.max(1, availableParallelism())) + 1);
  // allSettled: a failing lane must not leave the other's ffmpeg running after we return.
  const settled = await Promise.allSettled(
    Array.from({ length: lanes }, () =>
      worker().catch((err: unknown) => {
        stopped = true;
        throw err;
      }),
    ),
  );
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
  return { paths: paths as string[], keys: work.map((w) => w.key), encoded: jobs.length, reused: work.length - missing.length, fonts: [...fonts] };
}

function segmentKey(e: SegmentEncoding, seg: Segment, ass: string | null): string {
  const material = {
    v: SEGMENT_FORMAT,
    h264: H264,
    size: [e.width, e.height],
    fps: e.plan.fps,
    kind: seg.kind,
    transition: seg.transition,
    frames: seg.frames,
    sources: seg.sources.map((s) => ({ sha256: e.clips[s.clip]!.sha256, from: s.from, to: s.to, fadeIn: s.clip === 0 ? seg.fadeIn : 0 })),
    // The ASS text carries the local cue times, the wrapped lines, the layout, the style and the font name.
    ass,
    fontsDir: ass === null ? null : (e.font?.dir ?? null),
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex');
}

/**
 * One segment: its source frames normalised as the single-pass join normalises the clips (xfade
 * needs equal size, rate, time base and pixel format), cut out by frame number, blended for a
 * transition, subtitled with its local cues, encoded.
 */
export function segmentJob(e: Pick<SegmentEncoding, 'width' | 'height' | 'plan' | 'clips' | 'font'>, seg: Segment, assPath: string | null, out: string): FfmpegJob {
  const fps = e.plan.fps;
  const fading = (s: SegmentSource) => s.clip === 0 && seg.fadeIn > 0;
  // Frames far into a clip are reached by seeking (ffmpeg decodes from the keyframe before and drops
  // what precedes the position) rather than by decoding and filtering the whole clip up to them.
  // Half a frame early, so that the first frame kept is `from` whatever the rounding. The fade in
  // is timed from the clip's start, so a clip that fades is read from its start.
  const seeks = seg.sources.map((s) => s.from > 0 && !fading(s));
  const graph = seg.sources.map((s, i) => {
    const fade = fading(s) ? `,fade=t=in:st=0:d=${sec(seg.fadeIn / fps)}` : '';
    const range = seeks[i] ? `end_frame=${s.to - s.from}` : `start_frame=${s.from}:end_frame=${s.to}`;
    return `[${i}:v]${seeks[i] ? 'setpts=PTS-STARTPTS,' : ''}scale=${e.width}:${e.height},setsar=1,fps=${fps},settb=AVTB,format=yuv420p${fade},trim=${range},setpts=PTS-STARTPTS[s${i}]`;
  });
  let last = 's0';
  if (seg.kind === 'transition') {
    // Offset half a frame before the first: the single-pass join starts its xfade half a frame
    // before the transition's first frame, so each blended frame gets the same mix here as there.
    graph.push(`[s0][s1]xfade=transition=${XFADE[seg.transition!]}:duration=${sec(seg.frames / fps)}:offset=${(-0.5 / fps).toFixed(6)}[x]`);
    last = 'x';
  }
  const fontsDir = e.font?.dir ? `:fontsdir=${escapeFilterValue(e.font.dir)}` : '';
  graph.push(`[${last}]${assPath ? `subtitles=filename=${escapeFilterValue(assPath)}${fontsDir}` : 'null'}[v]`);
  return {
    inputs: seg.sources.map((s, i) => ({ source: e.clips[s.clip]!.path, options: seeks[i] ? ['-ss', ((s.from - 0.5) / fps).toFixed(6)] : [] })),
    filterGraph: graph,
    output: out,
    outputOptions: ['-map', '[v]', '-an', ...H264, '-frames:v', String(seg.frames), '-video_track_timescale', TIMESCALE, '-f', 'mp4'],
    what: `encoding segment ${describe(seg)}`,
    logLevel: assPath ? 'verbose' : 'error',
  };
}

function describe(seg: Segment): string {
  return seg.kind === 'body' ? `body of scene ${seg.scene + 1}` : `transition into scene ${seg.scene + 1}`;
}

function sec(n: number): string {
  return n.toFixed(3);
}
