import type { Timeline } from '@reelcraft/shared';
import type { SubtitleCue } from './subtitles';

/**
 * The final video cut into pieces that can each be encoded on their own and joined by stream copy:
 * a BODY per scene (the frames of its clip that no transition touches) and a TRANSITION per
 * crossfade or fade through black (the outgoing clip's last frames blended with the incoming
 * clip's first). A one-scene edit then changes only that scene's body and its two transitions;
 * every other piece is the same bytes as before and comes from the segment cache.
 *
 * Everything is counted in whole frames. Each clip's length and each overlap is rounded once,
 * here, and the output positions are sums of those integers, so the segments add up to exactly
 * the frame count of the single-pass join (xfade emits S_i + N_i frames after the i-th join).
 */

export interface SegmentSource {
  /** Index of the clip (= scene position). */
  clip: number;
  /** Clip frames [from, to), numbered from the clip's first frame. */
  from: number;
  to: number;
}

export interface Segment {
  kind: 'body' | 'transition';
  /** Position of the scene this body shows, or of the scene a transition leads into. */
  scene: number;
  /** Where the segment starts on the output, in frames. */
  start: number;
  frames: number;
  /** One range for a body; outgoing then incoming for a transition (each `frames` long). */
  sources: SegmentSource[];
  transition: Exclude<Timeline['transitions'][number], null> | null;
  /** Frames of clip 0's fade in from black (counted from clip 0's first frame); 0 when the segment does not show clip 0 or there is none. */
  fadeIn: number;
}

export interface SegmentPlan {
  fps: number;
  segments: Segment[];
  /** Frames of the whole video: the sum of the segments'. */
  frames: number;
  /** Per clip: the frames it is taken to have. */
  clipFrames: number[];
}

/** Frames in a clip of this many seconds at `fps`: the nearest whole number (containers round durations to their time base). */
export function framesOf(seconds: number, fps: number): number {
  return Math.round(seconds * fps);
}

/**
 * Segments over a timeline from planTimeline (overlaps there are already whole frames at its fps).
 * `durations` are the clips' lengths in seconds, as given to planTimeline.
 */
export function planSegments(t: Timeline, durations: readonly number[]): SegmentPlan {
  const { fps } = t;
  if (!(Number.isFinite(fps) && fps > 0)) throw new Error(`segment plan: invalid frame rate ${fps}`);
  if (durations.length !== t.starts.length) throw new Error(`segment plan: ${durations.length} clips but ${t.starts.length} scenes on the timeline`);
  const clipFrames = durations.map((d) => framesOf(d, fps));
  const overlap = (i: number) => (i > 0 && i < clipFrames.length && t.transitions[i] ? framesOf(t.overlaps[i]!, fps) : 0);
  const fadeIn = framesOf(t.fadeIn, fps);
  const segments: Segment[] = [];
  let start = 0;
  clipFrames.forEach((n, i) => {
    const into = overlap(i);
    const out = overlap(i + 1);
    if (n < 1) throw new Error(`segment plan: clip ${i + 1} has no frames (${durations[i]} s at ${fps} fps)`);
    if (into + out > n) throw new Error(`segment plan: clip ${i + 1} has ${n} frames, fewer than its transitions need (${into} + ${out})`);
    if (into > 0) {
      const prev = clipFrames[i - 1]!;
      segments.push({
        kind: 'transition',
        scene: i,
        start,
        frames: into,
        sources: [
          { clip: i - 1, from: prev - into, to: prev },
          { clip: i, from: 0, to: into },
        ],
        transition: t.transitions[i]!,
        fadeIn: i - 1 === 0 ? fadeIn : 0,
      });
      start += into;
    }
    const body = n - into - out;
    // A clip whose every frame is in a transition has no body: nothing to encode for it.
    if (body > 0) {
      segments.push({ kind: 'body', scene: i, start, frames: body, sources: [{ clip: i, from: into, to: n - out }], transition: null, fadeIn: i === 0 ? fadeIn : 0 });
      start += body;
    }
  });
  return { fps, segments, frames: start, clipFrames };
}

/**
 * The first frame that libass shows a cue edge at `t` seconds on: the subtitles filter hands it
 * each frame's time in whole milliseconds (truncated), and an event is shown from its start
 * inclusive to its end exclusive.
 */
function firstFrameAtOrAfter(t: number, fps: number): number {
  const ms = Math.round(t * 1000);
  const msOf = (n: number) => Math.floor((n * 1000) / fps + 1e-9);
  let n = Math.max(0, Math.ceil((ms * fps) / 1000 - 1e-9));
  while (msOf(n) < ms) n++;
  while (n > 0 && msOf(n - 1) >= ms) n--;
  return n;
}

/**
 * The cues a segment shows, at times local to it, such that every frame of the segment shows the
 * same cue as the same frame of the whole video. A cue that spans the segment's edge is cut there
 * (and appears in the neighbouring segment too). Edges inside the segment are put halfway between
 * two frames and then on the centisecond grid ASS can express, which keeps them between the same
 * two frames for any frame rate up to 100.
 */
export function segmentCues(cues: readonly SubtitleCue[], seg: Pick<Segment, 'start' | 'frames'>, fps: number): SubtitleCue[] {
  const end = seg.start + seg.frames;
  const between = (frame: number) => Math.round(((frame - seg.start - 0.5) / fps) * 100) / 100;
  const out: SubtitleCue[] = [];
  for (const c of cues) {
    const first = firstFrameAtOrAfter(c.start, fps);
    const past = firstFrameAtOrAfter(c.end, fps);
    if (past <= seg.start || first >= end || past <= first) continue;
    out.push({
      ...c,
      start: first <= seg.start ? 0 : between(first),
      end: past >= end ? Math.ceil((seg.frames / fps) * 100 - 1e-6) / 100 : between(past),
    });
  }
  return out;
}
