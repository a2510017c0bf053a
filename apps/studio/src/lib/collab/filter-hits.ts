/**
 * The content filter's hits in the live storyboard (Socket.IO `filter:hits`), addressed the way the
 * server names fields: `description`, `subtitle` and `comment:<id>` of a scene; `title`,
 * `style_prompt`, `character:<id>:name` and `character:<id>:description` of the storyboard.
 */
import { FILTER_ACTIONS, type DocumentFilterHit, type FilterAction } from '@reelcraft/shared';

export type FieldRef =
  | { kind: 'scene'; sceneId: string; field: 'description' | 'subtitle' }
  | { kind: 'comment'; sceneId: string; commentId: string }
  | { kind: 'storyboard'; field: 'title' | 'style_prompt' }
  | { kind: 'character'; characterId: string; field: 'name' | 'description' };

/** One key per field: where a hit belongs and where the editor looks its marks up. */
export function fieldKey(sceneId: string | null, field: string): string {
  return `${sceneId ?? ''}|${field}`;
}

/** The field a hit names, or null for a field this studio does not know (a newer server's). */
export function parseField(sceneId: string | null, field: string): FieldRef | null {
  if (sceneId !== null) {
    if (field === 'description' || field === 'subtitle') return { kind: 'scene', sceneId, field };
    const comment = /^comment:(.+)$/.exec(field);
    return comment ? { kind: 'comment', sceneId, commentId: comment[1] } : null;
  }
  if (field === 'title' || field === 'style_prompt') return { kind: 'storyboard', field };
  const character = /^character:(.+):(name|description)$/.exec(field);
  return character ? { kind: 'character', characterId: character[1], field: character[2] as 'name' | 'description' } : null;
}

/** Hits (or marks) by field key, in the order they came. */
export function groupByField<H extends Pick<DocumentFilterHit, 'scene_id' | 'field'>>(hits: readonly H[]): Map<string, H[]> {
  const out = new Map<string, H[]>();
  for (const h of hits) {
    const key = fieldKey(h.scene_id, h.field);
    const list = out.get(key);
    if (list) list.push(h);
    else out.set(key, [h]);
  }
  return out;
}

export type ActionCounts = Record<FilterAction, number>;

export function countByAction(marks: readonly { action: FilterAction }[]): ActionCounts {
  const counts = Object.fromEntries(FILTER_ACTIONS.map((a) => [a, 0])) as ActionCounts;
  for (const m of marks) counts[m.action]++;
  return counts;
}
