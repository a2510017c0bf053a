import { z } from 'zod';
import { LIMITS } from './limits';
import { DEFAULT_OUTPUT, type Language, type OutputSettings } from './storyboard';
import { StoryboardSceneSchema, type Character, type MusicSettings, type Storyboard, type StoryboardScene, type StoryboardStyle } from './storyboard-doc';

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
export const STORYBOARD_SETTINGS = ['language', 'style', 'music', 'characters', 'output'] as const;
export type StoryboardSetting = (typeof STORYBOARD_SETTINGS)[number];

/** A scene field a comparison can name: any of the scene's own fields but its id, or its position. */
export type SceneDiffField = Exclude<keyof StoryboardScene, 'id'> | 'position';

/** One value as it was and as it is. */
export interface ValueChange<T> {
  from: T;
  to: T;
}

/** A scene's comments, counted: all of them and the ones not resolved. */
export interface CommentCount {
  count: number;
  open: number;
}

/**
 * The before and after of each field a changed scene differs in. An optional field that is absent
 * on one side is null there. `character_ids` holds the characters' names (as each storyboard names
 * them; an id no character has is kept as is), `comments` their counts.
 */
export type SceneFieldValues = {
  [K in Exclude<SceneDiffField, 'position' | 'character_ids' | 'comments'>]?: ValueChange<Exclude<StoryboardScene[K], undefined> | (undefined extends StoryboardScene[K] ? null : never)>;
} & {
  character_ids?: ValueChange<string[]>;
  comments?: ValueChange<CommentCount>;
};

/** The before and after of each setting that differs (a storyboard without output settings has DEFAULT_OUTPUT's). */
export interface SettingValues {
  language?: ValueChange<Language>;
  style?: ValueChange<StoryboardStyle>;
  music?: ValueChange<MusicSettings>;
  characters?: ValueChange<Character[]>;
  output?: ValueChange<OutputSettings>;
}

export interface SceneDiff {
  id: string;
  change: SceneChange;
  /** Position in the first storyboard; absent for an added scene. */
  from_index?: number;
  /** Position in the second storyboard; absent for a removed scene. */
  to_index?: number;
  /** For 'changed': the scene fields that differ, in schema order, plus 'position' if it also moved. */
  fields?: SceneDiffField[];
  /** For 'changed': each of those fields' value before and after ('position' is from_index → to_index). */
  values?: SceneFieldValues;
  /** For 'added', 'removed' and 'moved': the scene's description (in the storyboard that has it), so a reader knows which scene it is. */
  description?: string;
}

export interface StoryboardDiff {
  title?: { from: string; to: string };
  /** Settings that differ; absent when none do. */
  settings?: StoryboardSetting[];
  /** Each of those settings' value before and after; absent when none differ. */
  setting_values?: SettingValues;
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
    if (from_index === undefined) return { id: after.id, change: 'added', to_index, description: after.description };
    const before = a.scenes[from_index];
    const fields: SceneDiffField[] = SCENE_FIELDS.filter((f) => !sameJson(before[f], after[f]));
    if (fields.length > 0) {
      const values = sceneValues(a, b, before, after, fields);
      if (moved.has(after.id)) fields.push('position');
      return { id: after.id, change: 'changed', from_index, to_index, fields, values };
    }
    if (moved.has(after.id)) return { id: after.id, change: 'moved', from_index, to_index, description: after.description };
    return { id: after.id, change: 'unchanged', from_index, to_index };
  });
  a.scenes.forEach((s, from_index) => {
    if (!toIds.has(s.id)) scenes.push({ id: s.id, change: 'removed', from_index, description: s.description });
  });

  const diff: StoryboardDiff = { scenes };
  if (a.title !== b.title) diff.title = { from: a.title, to: b.title };
  const before = settingsOf(a);
  const after = settingsOf(b);
  const settings = STORYBOARD_SETTINGS.filter((k) => !sameJson(before[k], after[k]));
  if (settings.length > 0) {
    diff.settings = settings;
    const values: Record<string, ValueChange<unknown>> = {};
    for (const k of settings) values[k] = { from: before[k], to: after[k] };
    diff.setting_values = values as SettingValues;
  }
  return diff;
}

/** The settings a diff compares, output settings defaulted as a render would. */
function settingsOf(sb: Storyboard): { [K in StoryboardSetting]: unknown } {
  return { language: sb.language, style: sb.style, music: sb.music, characters: sb.characters, output: sb.output ?? DEFAULT_OUTPUT };
}

/** Before and after of each changed field, as SceneFieldValues describes them. */
function sceneValues(a: Storyboard, b: Storyboard, before: StoryboardScene, after: StoryboardScene, fields: SceneDiffField[]): SceneFieldValues {
  const names = (sb: Storyboard, ids: string[]) => ids.map((id) => sb.characters.find((c) => c.id === id)?.name ?? id);
  const counted = (comments: StoryboardScene['comments']): CommentCount => ({ count: comments.length, open: comments.filter((c) => !c.resolved).length });
  const values: Record<string, ValueChange<unknown>> = {};
  for (const f of fields) {
    if (f === 'character_ids') values[f] = { from: names(a, before.character_ids), to: names(b, after.character_ids) };
    else if (f === 'comments') values[f] = { from: counted(before.comments), to: counted(after.comments) };
    else if (f !== 'position') values[f] = { from: before[f] ?? null, to: after[f] ?? null };
  }
  return values as SceneFieldValues;
}
