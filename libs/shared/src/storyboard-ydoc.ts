// One import style for yjs everywhere: mixing require('yjs') and import('yjs') in one process loads
// two copies and breaks Yjs's instanceof checks ("Yjs was already imported").
import * as Y from 'yjs';
import { LIMITS } from './limits';
import {
  StoryboardSceneSchema,
  StoryboardValidationError,
  issuesOf,
  newId,
  validateStoryboard,
  type Character,
  type SceneComment,
  type Storyboard,
  type StoryboardResult,
  type StoryboardScene,
} from './storyboard-doc';

/**
 * The storyboard inside a Y.Doc, so that several people edit one storyboard at once.
 *
 *   Y.Map 'storyboard'
 *     version: 1, title: string, language: 'zh' | 'en'
 *     style:      Y.Map  (style_prompt, negative_prompt, seed, aspect, width, height, fps)
 *     music:      Y.Map  (enabled, track_name, file_id, volume, fade_in_sec, fade_out_sec)
 *     characters: Y.Array<Y.Map>  id, name, description: Y.Text
 *     scenes:     Y.Array<Y.Map>  id, description: Y.Text, subtitle: Y.Text, camera: Y.Map,
 *                 duration_sec, transition, seed?, media_id?, chained?, locked, character_ids: Y.Array<string>,
 *                 comments: Y.Array<Y.Map> (id, author, text: Y.Text, created_at, resolved)
 *
 * Free text is Y.Text, so two people typing in one description merge character by character;
 * every other field is last-writer-wins per key (camera is a nested map, so one person changing the
 * shot and another the speed both keep their change). The scene order is the Y.Array order.
 *
 * Y.Array has no move: moveScene deletes the scene and inserts a fresh copy. Two people moving the
 * same scene at once therefore both insert a copy, and the scene appears twice; an edit made to the
 * scene by someone else while it moves lands in the deleted original and is lost. Readers keep the
 * first copy of every scene id and ignore the rest, and every function here addresses scenes by that
 * deduplicated (visible) position; moving or deleting a scene removes its stray copies as well.
 */

export const STORYBOARD_ROOT = 'storyboard';
/** Written into the document so a later layout change can recognise and migrate old documents. */
export const STORYBOARD_DOC_VERSION = 1;

/** Fields of a scene that updateSceneField changes (id is fixed; comments have their own functions). */
export type SceneField = Exclude<keyof StoryboardScene, 'id' | 'comments'>;

export const storyboardRoot = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(STORYBOARD_ROOT);

/** Whether writeStoryboard has filled this document (a fresh or still-syncing one is empty). */
export const hasStoryboard = (doc: Y.Doc): boolean => storyboardRoot(doc).get('scenes') instanceof Y.Array;

// ---------------------------------------------------------------------------------------------
// Building Y types from plain values

const textOf = (s: string) => new Y.Text(s);

function mapOf(entries: Record<string, unknown>): Y.Map<unknown> {
  const m = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) m.set(k, v);
  return m;
}

const characterToY = (c: Character) => mapOf({ id: c.id, name: c.name, description: textOf(c.description) });

const commentToY = (c: SceneComment) =>
  mapOf({ id: c.id, author: c.author, text: textOf(c.text), created_at: c.created_at, resolved: c.resolved });

function sceneToY(s: StoryboardScene): Y.Map<unknown> {
  return mapOf({
    id: s.id,
    description: textOf(s.description),
    subtitle: textOf(s.subtitle),
    camera: mapOf({ ...s.camera }),
    duration_sec: s.duration_sec,
    transition: s.transition,
    seed: s.seed,
    media_id: s.media_id,
    chained: s.chained,
    locked: s.locked,
    character_ids: Y.Array.from([...s.character_ids]),
    comments: Y.Array.from(s.comments.map(commentToY)),
  });
}

/** Fills (or replaces) the whole storyboard in one transaction; `origin` tags it for observers and providers. */
export function writeStoryboard(doc: Y.Doc, sb: Storyboard, origin: unknown = null): void {
  const checked = validateStoryboard(sb);
  if (!checked.ok) throw new StoryboardValidationError(checked.issues);
  const v = checked.value;
  doc.transact(() => {
    const root = storyboardRoot(doc);
    root.clear();
    root.set('version', STORYBOARD_DOC_VERSION);
    root.set('title', v.title);
    root.set('language', v.language);
    root.set('style', mapOf({ ...v.style }));
    root.set('music', mapOf({ ...v.music }));
    if (v.output) root.set('output', mapOf({ ...v.output }));
    root.set('characters', Y.Array.from(v.characters.map(characterToY)));
    root.set('scenes', Y.Array.from(v.scenes.map(sceneToY)));
  }, origin);
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Keeps the first element of every id; later ones are stray copies from concurrent moves. */
function firstOfEachId<T>(items: T[]): T[] {
  const seen = new Set<unknown>();
  return items.filter((item) => {
    const id = (item as { id?: unknown } | null)?.id;
    if (id === undefined) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * A validated plain snapshot. Stray copies are dropped, and so are references to characters
 * someone deleted while another person linked them (a merge, not a mistake of either); anything
 * else that breaks the schema comes back as per-field issues.
 */
export function readStoryboard(doc: Y.Doc): StoryboardResult {
  const root = storyboardRoot(doc);
  if (!hasStoryboard(doc)) return { ok: false, issues: [{ path: '', message: 'the document holds no storyboard yet' }] };
  const { version: _version, ...raw } = root.toJSON() as Record<string, unknown>;
  const characters = Array.isArray(raw.characters) ? firstOfEachId(raw.characters as unknown[]) : raw.characters;
  const characterIds = new Set(Array.isArray(characters) ? characters.map((c) => (c as { id?: unknown } | null)?.id) : []);
  const scenes = Array.isArray(raw.scenes)
    ? firstOfEachId(raw.scenes as unknown[]).map((scene) => {
        if (!scene || typeof scene !== 'object') return scene;
        const s = scene as Record<string, unknown>;
        return {
          ...s,
          character_ids: Array.isArray(s.character_ids) ? [...new Set(s.character_ids)].filter((c) => characterIds.has(c)) : s.character_ids,
          comments: Array.isArray(s.comments) ? firstOfEachId(s.comments as unknown[]) : s.comments,
        };
      })
    : raw.scenes;
  return validateStoryboard({ ...raw, characters, scenes });
}

// ---------------------------------------------------------------------------------------------
// Scene operations. Positions are visible positions (see above); `origin` tags the transaction.

function scenesOf(doc: Y.Doc): Y.Array<Y.Map<unknown>> {
  const scenes = storyboardRoot(doc).get('scenes');
  if (!(scenes instanceof Y.Array)) throw new Error('the document holds no storyboard yet: call writeStoryboard first');
  return scenes as Y.Array<Y.Map<unknown>>;
}

const sceneIdOf = (m: unknown): unknown => (m instanceof Y.Map ? m.get('id') : undefined);

/** Raw Y.Array index of each visible scene, in order. */
function visibleIndexes(scenes: Y.Array<Y.Map<unknown>>): number[] {
  const seen = new Set<unknown>();
  const out: number[] = [];
  scenes.forEach((m, i) => {
    const id = sceneIdOf(m);
    if (id !== undefined && seen.has(id)) return;
    if (id !== undefined) seen.add(id);
    out.push(i);
  });
  return out;
}

function rawIndexOf(scenes: Y.Array<Y.Map<unknown>>, index: number): number {
  const visible = visibleIndexes(scenes);
  if (!Number.isInteger(index) || index < 0 || index >= visible.length) {
    throw new RangeError(`no scene at position ${index} (the storyboard has ${visible.length})`);
  }
  return visible[index];
}

/** Deletes every copy of a scene id, last first so earlier indexes stay valid. */
function deleteAllCopies(scenes: Y.Array<Y.Map<unknown>>, id: unknown): void {
  for (let i = scenes.length - 1; i >= 0; i--) if (sceneIdOf(scenes.get(i)) === id) scenes.delete(i, 1);
}

export function sceneCount(doc: Y.Doc): number {
  return visibleIndexes(scenesOf(doc)).length;
}

/** The visible position of a scene id, or -1. */
export function sceneIndexOf(doc: Y.Doc, sceneId: string): number {
  const scenes = scenesOf(doc);
  return visibleIndexes(scenes).findIndex((raw) => sceneIdOf(scenes.get(raw)) === sceneId);
}

/** The live Y.Map of a scene, for editors that bind to it directly. */
export function sceneMap(doc: Y.Doc, index: number): Y.Map<unknown> {
  const scenes = scenesOf(doc);
  return scenes.get(rawIndexOf(scenes, index));
}

/** The live Y.Text of a scene's description or subtitle, for an editor to bind to. */
export function sceneText(doc: Y.Doc, index: number, field: 'description' | 'subtitle'): Y.Text {
  const value = sceneMap(doc, index).get(field);
  if (!(value instanceof Y.Text)) throw new TypeError(`scene ${index} has no ${field} text`);
  return value;
}

function checkScene(scene: StoryboardScene): StoryboardScene {
  const parsed = StoryboardSceneSchema.safeParse(scene);
  if (!parsed.success) throw new StoryboardValidationError(issuesOf(parsed.error));
  return parsed.data;
}

/** Inserts a scene at `index` (default: the end); refuses past the scene limit or with an id already present. */
export function insertScene(doc: Y.Doc, scene: StoryboardScene, index?: number, origin: unknown = null): void {
  const checked = checkScene(scene);
  doc.transact(() => {
    const scenes = scenesOf(doc);
    const visible = visibleIndexes(scenes);
    if (visible.length >= LIMITS.storyboard.scenes.max) throw new RangeError(`a storyboard can hold at most ${LIMITS.storyboard.scenes.max} scenes`);
    if (visible.some((raw) => sceneIdOf(scenes.get(raw)) === checked.id)) throw new Error(`scene id "${checked.id}" is already in the storyboard`);
    const at = index === undefined || index >= visible.length ? scenes.length : visible[Math.max(0, index)];
    scenes.insert(at, [sceneToY(checked)]);
  }, origin);
}

export function appendScene(doc: Y.Doc, scene: StoryboardScene, origin: unknown = null): void {
  insertScene(doc, scene, undefined, origin);
}

/** Moves the scene at visible position `from` so that it ends up at visible position `to`. */
export function moveScene(doc: Y.Doc, from: number, to: number, origin: unknown = null): void {
  doc.transact(() => {
    const scenes = scenesOf(doc);
    const count = visibleIndexes(scenes).length;
    if (!Number.isInteger(to) || to < 0 || to >= count) throw new RangeError(`no scene position ${to} (the storyboard has ${count})`);
    const original = scenes.get(rawIndexOf(scenes, from));
    if (from === to) return;
    const copy = original.clone();
    deleteAllCopies(scenes, original.get('id'));
    const visible = visibleIndexes(scenes);
    scenes.insert(to < visible.length ? visible[to] : scenes.length, [copy]);
  }, origin);
}

/** Deletes the scene at visible position `index` (and any stray copies of it). */
export function deleteScene(doc: Y.Doc, index: number, origin: unknown = null): void {
  doc.transact(() => {
    const scenes = scenesOf(doc);
    deleteAllCopies(scenes, scenes.get(rawIndexOf(scenes, index)).get('id'));
  }, origin);
}

/** Inserts a copy of the scene right after it, with a new id and no comments; returns the new id. */
export function duplicateScene(doc: Y.Doc, index: number, origin: unknown = null): string {
  const id = newId();
  doc.transact(() => {
    const scenes = scenesOf(doc);
    if (visibleIndexes(scenes).length >= LIMITS.storyboard.scenes.max) throw new RangeError(`a storyboard can hold at most ${LIMITS.storyboard.scenes.max} scenes`);
    const raw = rawIndexOf(scenes, index);
    const copy = scenes.get(raw).clone();
    copy.set('id', id);
    copy.set('comments', new Y.Array());
    scenes.insert(raw + 1, [copy]);
  }, origin);
  return id;
}

/**
 * Replaces text with the smallest splice (common prefix and suffix kept), so that someone else's
 * cursor and concurrent typing outside the changed span survive a whole-field update.
 */
export function spliceText(t: Y.Text, next: string): void {
  const prev = t.toString();
  if (prev === next) return;
  let start = 0;
  while (start < prev.length && start < next.length && prev[start] === next[start]) start++;
  let end = 0;
  while (end < prev.length - start && end < next.length - start && prev[prev.length - 1 - end] === next[next.length - 1 - end]) end++;
  t.delete(start, prev.length - start - end);
  t.insert(start, next.slice(start, next.length - end));
}

/** Sets one field of the scene at visible position `index`, after checking the value against the schema. */
export function updateSceneField<K extends SceneField>(doc: Y.Doc, index: number, field: K, value: StoryboardScene[K], origin: unknown = null): void {
  const schema = StoryboardSceneSchema.shape[field];
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StoryboardValidationError(issuesOf(parsed.error).map((i) => ({ ...i, path: i.path ? `${field}.${i.path}` : field })));
  const v = parsed.data as StoryboardScene[K];
  doc.transact(() => {
    const scene = sceneMap(doc, index);
    switch (field) {
      case 'description':
      case 'subtitle': {
        const current = scene.get(field);
        if (current instanceof Y.Text) spliceText(current, v as string);
        else scene.set(field, textOf(v as string));
        return;
      }
      case 'camera': {
        const current = scene.get('camera');
        const camera: Y.Map<unknown> = current instanceof Y.Map ? (current as Y.Map<unknown>) : scene.set('camera', new Y.Map<unknown>());
        for (const [k, x] of Object.entries(v as StoryboardScene['camera'])) if (camera.get(k) !== x) camera.set(k, x);
        return;
      }
      case 'character_ids': {
        // The whole list is one choice (last writer wins), like a multi-select; unchanged lists are left alone.
        const current = scene.get('character_ids');
        const ids = v as string[];
        if (current instanceof Y.Array && JSON.stringify(current.toArray()) === JSON.stringify(ids)) return;
        scene.set('character_ids', Y.Array.from([...ids]));
        return;
      }
      case 'seed':
      case 'media_id':
      case 'chained':
        // Absent is the default (no seed, no upload, not chained): an unset field leaves no key behind.
        if (v === undefined || v === false) scene.delete(field);
        else scene.set(field, v);
        return;
      default:
        if (scene.get(field) !== v) scene.set(field, v);
    }
  }, origin);
}
