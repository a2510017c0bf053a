import * as Y from 'yjs';
import { LIMITS } from './limits';
import { SceneCommentSchema, StoryboardValidationError, issuesOf, newId, type SceneComment } from './storyboard-doc';
import { hasStoryboard, sceneIndexOf, sceneMap } from './storyboard-ydoc';

/**
 * Comments on a scene, inside the storyboard's Y.Doc (layout in storyboard-ydoc.ts):
 *
 *   scene.comments: Y.Array<Y.Map>  id, author, text: Y.Text, created_at (ISO), resolved
 *
 * Scenes are addressed by id, not position: a comment belongs to a scene wherever it moves. A scene
 * or comment that someone else deleted meanwhile is not a mistake of the caller, so those calls
 * answer null / false instead of throwing; a value that breaks the schema (LIMITS) throws
 * StoryboardValidationError with per-field messages, and a full scene throws RangeError.
 */

/** The live Y.Map of the (first, visible) scene with this id, or null. */
export function sceneMapById(doc: Y.Doc, sceneId: string): Y.Map<unknown> | null {
  if (!hasStoryboard(doc)) return null;
  const index = sceneIndexOf(doc, sceneId);
  return index < 0 ? null : sceneMap(doc, index);
}

function commentsOf(scene: Y.Map<unknown>, create: boolean): Y.Array<unknown> | null {
  const comments = scene.get('comments');
  if (comments instanceof Y.Array) return comments as Y.Array<unknown>;
  return create ? scene.set('comments', new Y.Array<unknown>()) : null;
}

const commentIdOf = (m: unknown): unknown => (m instanceof Y.Map ? m.get('id') : undefined);

/** Distinct comment ids in a scene (a stray duplicate counts once, as readers see it). */
function visibleCount(list: Y.Array<unknown>): number {
  return new Set(list.toArray().map(commentIdOf)).size;
}

export interface NewComment {
  /** The author's username. */
  author: string;
  text: string;
  /** ISO date-time; defaults to now. */
  created_at?: string;
  /** Defaults to a new random id. */
  id?: string;
}

/**
 * Adds a comment (text trimmed, not empty) at the end of the scene's list and returns it as stored;
 * null when the scene is gone. Throws past LIMITS.storyboard.commentsPerScene.
 */
export function addComment(doc: Y.Doc, sceneId: string, input: NewComment, origin: unknown = null): SceneComment | null {
  const text = typeof input.text === 'string' ? input.text.trim() : input.text;
  if (text === '') throw new StoryboardValidationError([{ path: 'text', message: 'comment must not be empty' }]);
  const parsed = SceneCommentSchema.safeParse({
    id: input.id ?? newId(),
    author: input.author,
    text,
    created_at: input.created_at ?? new Date().toISOString(),
    resolved: false,
  });
  if (!parsed.success) throw new StoryboardValidationError(issuesOf(parsed.error));
  const comment = parsed.data;
  let added = false;
  doc.transact(() => {
    const scene = sceneMapById(doc, sceneId);
    if (!scene) return;
    const list = commentsOf(scene, true)!;
    const max = LIMITS.storyboard.commentsPerScene.max;
    if (visibleCount(list) >= max) throw new RangeError(`a scene can hold at most ${max} comments`);
    if (list.toArray().some((c) => commentIdOf(c) === comment.id)) throw new Error(`comment id "${comment.id}" is already on this scene`);
    const m = new Y.Map<unknown>();
    m.set('id', comment.id);
    m.set('author', comment.author);
    m.set('text', new Y.Text(comment.text));
    m.set('created_at', comment.created_at);
    m.set('resolved', false);
    list.push([m]);
    added = true;
  }, origin);
  return added ? comment : null;
}

function findComment(doc: Y.Doc, sceneId: string, commentId: string): Y.Map<unknown> | null {
  const scene = sceneMapById(doc, sceneId);
  const list = scene && commentsOf(scene, false);
  if (!list) return null;
  const found = list.toArray().find((c) => commentIdOf(c) === commentId);
  return found instanceof Y.Map ? (found as Y.Map<unknown>) : null;
}

/** Marks a comment resolved (or open again); false when the scene or comment is gone. */
export function setCommentResolved(doc: Y.Doc, sceneId: string, commentId: string, resolved: boolean, origin: unknown = null): boolean {
  if (typeof resolved !== 'boolean') throw new StoryboardValidationError([{ path: 'resolved', message: 'comment resolved must be true or false' }]);
  let found = false;
  doc.transact(() => {
    const c = findComment(doc, sceneId, commentId);
    if (!c) return;
    found = true;
    if (c.get('resolved') !== resolved) c.set('resolved', resolved);
  }, origin);
  return found;
}

/** Deletes a comment (every copy of its id); false when the scene or comment is already gone. */
export function deleteComment(doc: Y.Doc, sceneId: string, commentId: string, origin: unknown = null): boolean {
  let found = false;
  doc.transact(() => {
    const scene = sceneMapById(doc, sceneId);
    const list = scene && commentsOf(scene, false);
    if (!list) return;
    for (let i = list.length - 1; i >= 0; i--) {
      if (commentIdOf(list.get(i)) !== commentId) continue;
      list.delete(i, 1);
      found = true;
    }
  }, origin);
  return found;
}

/** The comments of a scene as plain values (first copy of each id, fields as stored); [] when the scene is gone. */
export function sceneComments(doc: Y.Doc, sceneId: string): SceneComment[] {
  const scene = sceneMapById(doc, sceneId);
  const list = scene && commentsOf(scene, false);
  if (!list) return [];
  const seen = new Set<unknown>();
  const out: SceneComment[] = [];
  for (const c of list.toArray()) {
    if (!(c instanceof Y.Map)) continue;
    const id = c.get('id');
    if (typeof id !== 'string' || seen.has(id)) continue;
    seen.add(id);
    const text = c.get('text');
    out.push({
      id,
      author: String(c.get('author') ?? ''),
      text: text instanceof Y.Text ? text.toString() : String(text ?? ''),
      created_at: String(c.get('created_at') ?? ''),
      resolved: c.get('resolved') === true,
    });
  }
  return out;
}
