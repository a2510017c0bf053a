import type { SceneTransition } from './storyboard';

/** Length of a crossfade or fade through black between two scenes (and of a fade in at the start). */
export const TRANSITION_SEC = 0.5;
/**
 * A transition takes at most this share of the shorter of its two clips, so a 1 s scene with a
 * transition at each end still shows for a moment on its own.
 */
export const TRANSITION_MAX_SHARE = 1 / 3;

/**
 * Where each scene lands on the final video's timeline: one source for the server, which joins the
 * clips by it, and the studio, which shows the video's length while people edit.
 *
 * Duration: a transition overlaps the two clips (ffmpeg's xfade, see MEDIA-FACTS), so the video is
 * shorter than the sum of the clips by the length of every transition: total = Σ clip − Σ overlap.
 * Padding the clips to keep the sum has nothing real to show (it freezes the last or first frame
 * of a scene, which reads as a stutter in the middle of a camera move); overlapping shows every
 * rendered frame, costs at most 0.5 s per transition, and all-cut videos (the planner's default)
 * keep exactly the sum. Everything timed downstream follows `total`: subtitle cues, the music trim
 * and its fade-out, the output's length.
 */
export interface Timeline {
  /** Per scene: how long it overlaps the clip before it (0 for a cut and for the first scene). */
  overlaps: number[];
  /** Per scene: the transition it starts with, or null for a cut (always null for the first). */
  transitions: (Exclude<SceneTransition, 'cut'> | null)[];
  /** Per scene: where its clip starts on the final timeline. */
  starts: number[];
  /** A fade in from black at the very start (the first scene's 'fade-black'), in seconds; 0 for none. */
  fadeIn: number;
  /** The final video's length. */
  total: number;
  /** The frame rate the lengths were rounded to. */
  fps: number;
}

/**
 * Transition lengths are whole frames at `fps` (so a transition starts and ends on a frame), at
 * most TRANSITION_SEC and at most TRANSITION_MAX_SHARE of the shorter neighbouring clip; a
 * transition that would be shorter than one frame becomes a cut. On the first scene, 'fade-black'
 * is a fade in from black and 'crossfade' a plain start.
 */
export function planTimeline(durations: readonly number[], transitions: readonly (SceneTransition | undefined)[], fps: number): Timeline {
  const frames = (sec: number) => Math.floor(sec * fps + 1e-6) / fps;
  const overlaps: number[] = [];
  const kinds: Timeline['transitions'] = [];
  const starts: number[] = [];
  let total = 0;
  durations.forEach((d, i) => {
    const t = transitions[i] ?? 'cut';
    let kind: Timeline['transitions'][number] = null;
    let overlap = 0;
    if (i > 0 && t !== 'cut') {
      overlap = frames(Math.min(TRANSITION_SEC, TRANSITION_MAX_SHARE * Math.min(durations[i - 1]!, d)));
      if (overlap > 0) kind = t;
    }
    overlaps.push(kind ? overlap : 0);
    kinds.push(kind);
    starts.push(i === 0 ? 0 : total - (kind ? overlap : 0));
    total = starts[i]! + d;
  });
  const fadeIn = transitions[0] === 'fade-black' && durations.length > 0 ? frames(Math.min(TRANSITION_SEC, TRANSITION_MAX_SHARE * durations[0]!)) : 0;
  return { overlaps, transitions: kinds, starts, fadeIn, total, fps };
}
