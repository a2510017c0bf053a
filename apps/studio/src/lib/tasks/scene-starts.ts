import { planTimeline, type SceneTransition } from '@reelcraft/shared';

/** One scene in the strip under a finished video's player. */
export interface StripScene {
  scene_number: number;
  /** Seconds into the video. */
  start: number;
  /** The still of the take the render used, when there is one. */
  poster: string | null;
  description: string;
}

/**
 * Where each scene of a finished video starts, in seconds, for the scene strip under the player.
 * The server joins the clips by planTimeline (a crossfade or fade through black overlaps two
 * scenes), but the task view carries no transitions: the caller passes the ones the storyboard
 * has now (matched by scene id; null when unknown), and they are checked against the video's real
 * length, since the storyboard may have changed since the render. When they do not add up, all
 * cuts are tried; when neither does, the cut starts are stretched to the video's length.
 */
export function sceneStarts(durations: readonly number[], transitions: readonly (SceneTransition | undefined)[] | null, fps: number, videoDuration: number): number[] {
  if (durations.length === 0) return [];
  // ffprobe's length of the MP4 may differ from the plan by a frame or two (and the audio track).
  const tolerance = Math.max(0.15, 2 / Math.max(1, fps));
  const cuts = planTimeline(durations, [], fps);
  const candidates = transitions ? [planTimeline(durations, transitions, fps), cuts] : [cuts];
  const best = candidates.reduce((a, b) => (Math.abs(b.total - videoDuration) < Math.abs(a.total - videoDuration) ? b : a));
  if (!(videoDuration > 0) || Math.abs(best.total - videoDuration) <= tolerance) return best.starts;
  const scale = videoDuration / cuts.total;
  return cuts.starts.map((s) => s * scale);
}

/** The scene playing at `time` (index into the starts), for highlighting it in the strip. */
export function sceneAt(starts: readonly number[], time: number): number {
  let i = 0;
  while (i + 1 < starts.length && starts[i + 1]! <= time + 1e-3) i++;
  return i;
}
