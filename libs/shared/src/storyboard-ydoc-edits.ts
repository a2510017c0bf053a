import * as Y from 'yjs';
import { LIMITS } from './limits';
import { newScene, type StoryboardScene } from './storyboard-doc';
import type { Camera } from './storyboard';
import { deleteScene, hasStoryboard, insertScene, readStoryboard, sceneCount, sceneIndexOf, sceneMap, updateSceneField } from './storyboard-ydoc';

/**
 * Applying a planner's scene edit (rewrite, split, merge with the next scene; asked from the
 * storyboard editor) to the storyboard's Y.Doc. Scenes are addressed by id: the planner took time,
 * and meanwhile someone may have moved, locked or deleted them. Such a change is not the caller's
 * mistake, so it throws SceneEditConflict with a code the API turns into 404 or 409; nothing is
 * changed then (each function is one transaction, checked before it writes).
 */

/** The fields a planner writes for a scene. */
export interface PlannedSceneContent {
  description: string;
  subtitle: string;
  camera: Camera;
  duration_sec: number;
}

export type SceneEditConflictCode = 'gone' | 'locked' | 'moved' | 'full';

export class SceneEditConflict extends Error {
  constructor(
    readonly code: SceneEditConflictCode,
    message: string,
  ) {
    super(message);
    this.name = 'SceneEditConflict';
  }
}

/** The visible position of an unlocked scene, or a SceneEditConflict. */
function editableIndex(doc: Y.Doc, sceneId: string): number {
  const index = hasStoryboard(doc) ? sceneIndexOf(doc, sceneId) : -1;
  if (index < 0) throw new SceneEditConflict('gone', `scene ${sceneId} is no longer in the storyboard`);
  if (sceneMap(doc, index).get('locked') === true) throw new SceneEditConflict('locked', `scene ${index + 1} is locked: unlock it first`);
  return index;
}

/** Sets the planner-written fields; the camera speed, and everything else the scene holds, stay. */
function writeContent(doc: Y.Doc, index: number, content: PlannedSceneContent, origin: unknown): void {
  const camera = sceneMap(doc, index).get('camera');
  const speed = camera instanceof Y.Map && typeof camera.get('speed') === 'number' ? (camera.get('speed') as number) : 1;
  updateSceneField(doc, index, 'description', content.description, origin);
  updateSceneField(doc, index, 'subtitle', content.subtitle, origin);
  updateSceneField(doc, index, 'camera', { shot: content.camera.shot, move: content.camera.move, speed }, origin);
  updateSceneField(doc, index, 'duration_sec', content.duration_sec, origin);
}

/** The validated plain values of the scenes with these ids that still exist, in the order asked (after an edit: what the API answers with). */
export function scenesById(doc: Y.Doc, sceneIds: readonly string[]): StoryboardScene[] {
  const read = readStoryboard(doc);
  if (!read.ok) return [];
  const byId = new Map(read.value.scenes.map((s) => [s.id, s]));
  return sceneIds.flatMap((id) => byId.get(id) ?? []);
}

/**
 * Replaces a scene's description, subtitle, camera shot and move and duration with a rewrite; its
 * id, comments, characters, seed, camera speed and transition stay.
 */
export function rewriteSceneContent(doc: Y.Doc, sceneId: string, content: PlannedSceneContent, origin: unknown = null): void {
  doc.transact(() => writeContent(doc, editableIndex(doc, sceneId), content, origin), origin);
}

/**
 * Splits a scene in two: the scene itself (same id, comments, seed) takes `first`, and a new scene
 * right after it takes `second`, with the same characters, camera speed and transition "cut".
 * Returns the new scene's id.
 */
export function splitSceneInTwo(doc: Y.Doc, sceneId: string, first: PlannedSceneContent, second: PlannedSceneContent, origin: unknown = null): string {
  const added = newScene();
  doc.transact(() => {
    const index = editableIndex(doc, sceneId);
    if (sceneCount(doc) >= LIMITS.storyboard.scenes.max) throw new SceneEditConflict('full', `a storyboard can hold at most ${LIMITS.storyboard.scenes.max} scenes`);
    const original = sceneMap(doc, index).toJSON() as StoryboardScene;
    writeContent(doc, index, first, origin);
    insertScene(
      doc,
      {
        ...added,
        description: second.description,
        subtitle: second.subtitle,
        camera: { shot: second.camera.shot, move: second.camera.move, speed: original.camera?.speed ?? 1 },
        duration_sec: second.duration_sec,
        character_ids: [...new Set(original.character_ids ?? [])],
      },
      index + 1,
      origin,
    );
  }, origin);
  return added.id;
}

/**
 * Folds scene `nextId` (which must still follow `sceneId` directly) into `sceneId`: the first keeps
 * its id and takes `merged`; the second's comments (up to the per-scene limit) and characters move
 * over, and the second is deleted.
 */
export function mergeSceneWithNext(doc: Y.Doc, sceneId: string, nextId: string, merged: PlannedSceneContent, origin: unknown = null): void {
  doc.transact(() => {
    const index = editableIndex(doc, sceneId);
    const nextIndex = sceneIndexOf(doc, nextId);
    if (nextIndex < 0) throw new SceneEditConflict('gone', `scene ${nextId} is no longer in the storyboard`);
    if (nextIndex !== index + 1) throw new SceneEditConflict('moved', 'the scenes were moved meanwhile and no longer follow each other: try again');
    const next = sceneMap(doc, nextIndex);
    if (next.get('locked') === true) throw new SceneEditConflict('locked', `scene ${nextIndex + 1} is locked: unlock it first`);
    const first = sceneMap(doc, index);
    writeContent(doc, index, merged, origin);

    const firstCharacters = (first.get('character_ids') as Y.Array<string> | undefined)?.toArray() ?? [];
    const nextCharacters = (next.get('character_ids') as Y.Array<string> | undefined)?.toArray() ?? [];
    const characters = [...new Set([...firstCharacters, ...nextCharacters])].slice(0, LIMITS.storyboard.characters.max);
    updateSceneField(doc, index, 'character_ids', characters, origin);

    const moving = next.get('comments');
    let comments = first.get('comments');
    if (!(comments instanceof Y.Array)) comments = first.set('comments', new Y.Array<unknown>());
    if (moving instanceof Y.Array) {
      const list = comments as Y.Array<unknown>;
      const ids = new Set(list.toArray().map((c) => (c instanceof Y.Map ? c.get('id') : undefined)));
      for (const c of moving.toArray()) {
        if (!(c instanceof Y.Map) || ids.has(c.get('id')) || ids.size >= LIMITS.storyboard.commentsPerScene.max) continue;
        ids.add(c.get('id'));
        list.push([c.clone()]);
      }
    }
    deleteScene(doc, nextIndex, origin);
  }, origin);
}
