/** What changed between a saved storyboard version and the current one, scene by scene (by id). */

export interface ComparableScene {
  id: string;
  description: string;
  subtitle: string;
  camera: { shot: string; move: string; speed: number };
  duration_sec: number;
  transition: string;
  locked: boolean;
}

export interface ComparableStoryboard {
  title: string;
  scenes: readonly ComparableScene[];
}

export type SceneChangeKind = 'added' | 'removed' | 'changed' | 'moved';

export interface SceneChange {
  kind: SceneChangeKind;
  id: string;
  /** 1-based position in the version (removed, changed, moved) or in the current storyboard (added). */
  position: number;
  /** Names of the fields that differ (changed only). */
  fields: string[];
  /** Description to show: the version's for removed ones, the current one otherwise. */
  description: string;
}

export interface StoryboardComparison {
  titleChanged: { from: string; to: string } | null;
  changes: SceneChange[];
}

const FIELDS = ['description', 'subtitle', 'duration_sec', 'transition', 'locked'] as const;

/**
 * Compares `version` (the older one) with `current`: scenes only in current are "added", scenes
 * only in the version "removed", scenes whose fields differ "changed", and scenes whose order
 * relative to the others changed "moved".
 */
export function compareStoryboards(version: ComparableStoryboard, current: ComparableStoryboard): StoryboardComparison {
  const changes: SceneChange[] = [];
  const now = new Map(current.scenes.map((s, i) => [s.id, { s, i }]));
  const then = new Map(version.scenes.map((s, i) => [s.id, { s, i }]));
  // Relative order among scenes present in both, to tell real moves from shifts caused by inserts.
  const commonThen = version.scenes.filter((s) => now.has(s.id)).map((s) => s.id);
  const commonNow = current.scenes.filter((s) => then.has(s.id)).map((s) => s.id);
  const rankNow = new Map(commonNow.map((id, i) => [id, i]));
  version.scenes.forEach((old, i) => {
    const cur = now.get(old.id);
    if (!cur) {
      changes.push({ kind: 'removed', id: old.id, position: i + 1, fields: [], description: old.description });
      return;
    }
    const fields: string[] = FIELDS.filter((f) => old[f] !== cur.s[f]);
    if (old.camera.shot !== cur.s.camera.shot || old.camera.move !== cur.s.camera.move || old.camera.speed !== cur.s.camera.speed) fields.push('camera');
    if (fields.length) changes.push({ kind: 'changed', id: old.id, position: i + 1, fields, description: cur.s.description });
    if (commonThen.indexOf(old.id) !== rankNow.get(old.id)) changes.push({ kind: 'moved', id: old.id, position: cur.i + 1, fields: [], description: cur.s.description });
  });
  current.scenes.forEach((s, i) => {
    if (!then.has(s.id)) changes.push({ kind: 'added', id: s.id, position: i + 1, fields: [], description: s.description });
  });
  return { titleChanged: version.title === current.title ? null : { from: version.title, to: current.title }, changes };
}
