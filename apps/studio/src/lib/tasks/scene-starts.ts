import type { PlannedScene, TaskSceneView } from '@reelcraft/shared';

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
 * The strip under a finished video: each scene where the server says it starts in the video
 * (`start_sec`, from the timeline it joined the clips by, transitions overlapping) with its still,
 * in scene order. A scene the server gave no start (none should, once the video exists) is left
 * out rather than guessed.
 */
export function stripScenes(scenes: readonly TaskSceneView[], storyboard: readonly PlannedScene[]): StripScene[] {
  const described = new Map(storyboard.map((p) => [p.scene_number, p.description]));
  return scenes
    .filter((s) => s.start_sec !== null)
    .map((s) => ({ scene_number: s.scene_number, start: s.start_sec!, poster: s.poster_url, description: described.get(s.scene_number) ?? '' }))
    .sort((a, b) => a.scene_number - b.scene_number);
}

/** The scene playing at `time` (index into the starts), for highlighting it in the strip. */
export function sceneAt(starts: readonly number[], time: number): number {
  let i = 0;
  while (i + 1 < starts.length && starts[i + 1]! <= time + 1e-3) i++;
  return i;
}
