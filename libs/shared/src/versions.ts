import { z } from 'zod';
import { LIMITS } from './limits';
import { StoryboardSceneSchema, type Storyboard, type StoryboardScene } from './storyboard-doc';

/**
 * Named versions of a storyboard: REST contracts of /api/projects/{id}/versions, and the
 * scene-by-scene comparison that both the server (GET .../diff) and the studio use.
 */

const VL = LIMITS.versions;

export const CreateVersionBodySchema = z.strictObject({
  name: z
    .string({ error: 'name must be a string' })
    .trim()
    .min(VL.name.min, { error: 'name must not be empty' })
    .max(VL.name.max, { error: `name must be at most ${VL.name.max} characters` }),
});
export type CreateVersionBody = z.infer<typeof CreateVersionBodySchema>;

const AGAINST = 'against must be "current" or a version id';
/** What a version is compared with: the live storyboard, or another version of the same project. */
export const VersionDiffQuerySchema = z.object({
  against: z.union([z.literal('current', { error: AGAINST }), z.uuid({ error: AGAINST })], { error: AGAINST }).default('current'),
});
export type VersionDiffQuery = z.infer<typeof VersionDiffQuerySchema>;

/**
 * `saved`: someone saved it by name (or a restore saved what it replaced); `render`: a render of the
 * storyboard saved it automatically, because the storyboard had changed since the newest version.
 */
export const VERSION_KINDS = ['saved', 'render'] as const;
export type VersionKind = (typeof VERSION_KINDS)[number];

/** A version as a render (task view, render history) names it. */
export interface VersionRef {
  id: string;
  /** The version's name. */
  label: string;
  kind: VersionKind;
  created_at: string;
}

export interface VersionView {
  id: string;
  project_id: string;
  name: string;
  kind: VersionKind;
  /** The username of whoever saved it (or whose restore saved it); empty if that user is gone. */
  created_by: string;
  /** That user's id: the studio offers Delete to a version's author and the project's owners only. */
  created_by_id: string;
  created_at: string;
  scene_count: number;
}

/** POST .../versions/{vid}/restore: the version restored, the automatic backup made first, and the storyboard now live. */
export interface RestoreVersionResult {
  restored: VersionView;
  backup: VersionView;
  storyboard: Storyboard;
}

// ---------------------------------------------------------------------------------------------
// Comparing two storyboards

export const SCENE_CHANGES = ['added', 'removed', 'changed', 'moved', 'unchanged'] as const;
export type SceneChange = (typeof SCENE_CHANGES)[number];

/** Storyboard-wide settings besides the title; a change to any of them is listed by name. */
export const STORYBOARD_SETTINGS = ['language', 'style', 'music', 'characters'] as const;
export type StoryboardSetting = (typeof STORYBOARD_SETTINGS)[number];

/** A scene field a comparison can name: any of the scene's own fields but its id, or its position. */
export type SceneDiffField = Exclude<keyof StoryboardScene, 'id'> | 'position';

export interface SceneDiff {
  id: string;
  change: SceneChange;
  /** Position in the first storyboard; absent for an added scene. */
  from_index?: number;
  /** Position in the second storyboard; absent for a removed scene. */
  to_index?: number;
  /** For 'changed': the scene fields that differ, in schema order, plus 'position' if it also moved. */
  fields?: SceneDiffField[];
}

export interface StoryboardDiff {
  title?: { from: string; to: string };
  /** Settings that differ; absent when none do. */
  settings?: StoryboardSetting[];
  /** Every scene of the second storyboard in its order, then the removed ones in their old order. */
  scenes: SceneDiff[];
}

/** Every scene field but the id, taken from the schema so a field added later is compared too. */
const SCENE_FIELDS = Object.keys(StoryboardSceneSchema.shape).filter((k) => k !== 'id') as Exclude<keyof StoryboardScene, 'id'>[];

/** Structural equality of JSON-like values; a missing key equals an undefined one (optional fields such as seed). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameJson(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!sameJson(ao[k], bo[k])) return false;
  return true;
}

/**
 * Indexes (into `seq`) of one longest strictly increasing subsequence. The common scenes' old
 * positions, read in their new order, increase exactly where the relative order was kept; the
 * scenes outside this subsequence are the fewest that must have moved.
 */
function longestIncreasing(seq: number[]): Set<number> {
  const tails: number[] = []; // tails[k]: index in seq of the smallest tail of a run of length k+1
  const prev: number[] = new Array(seq.length).fill(-1);
  seq.forEach((v, i) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]] < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1];
    tails[lo] = i;
  });
  const keep = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = prev[i]) keep.add(i);
  return keep;
}

/**
 * What changed from `a` to `b`, scene by scene. Scenes are matched by their stable id, never by
 * position, so editing one scene and inserting another before it reads as one 'changed' and one
 * 'added', not as every later scene changing. A scene is 'moved' only when its order relative to
 * the other surviving scenes changed (not when an insertion or deletion merely shifted its index).
 */
export function diffStoryboards(a: Storyboard, b: Storyboard): StoryboardDiff {
  const fromIndex = new Map(a.scenes.map((s, i) => [s.id, i]));
  const toIds = new Set(b.scenes.map((s) => s.id));

  const common = b.scenes.filter((s) => fromIndex.has(s.id));
  const kept = longestIncreasing(common.map((s) => fromIndex.get(s.id)!));
  const moved = new Set(common.filter((_, i) => !kept.has(i)).map((s) => s.id));

  const scenes: SceneDiff[] = b.scenes.map((after, to_index) => {
    const from_index = fromIndex.get(after.id);
    if (from_index === undefined) return { id: after.id, change: 'added', to_index };
    const before = a.scenes[from_index];
    const fields: SceneDiffField[] = SCENE_FIELDS.filter((f) => !sameJson(before[f], after[f]));
    if (fields.length > 0) {
      if (moved.has(after.id)) fields.push('position');
      return { id: after.id, change: 'changed', from_index, to_index, fields };
    }
    return { id: after.id, change: moved.has(after.id) ? 'moved' : 'unchanged', from_index, to_index };
  });
  a.scenes.forEach((s, from_index) => {
    if (!toIds.has(s.id)) scenes.push({ id: s.id, change: 'removed', from_index });
  });

  const diff: StoryboardDiff = { scenes };
  if (a.title !== b.title) diff.title = { from: a.title, to: b.title };
  const settings = STORYBOARD_SETTINGS.filter((k) => !sameJson(a[k], b[k]));
  if (settings.length > 0) diff.settings = settings;
  return diff;
}
