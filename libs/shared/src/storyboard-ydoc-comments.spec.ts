import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LIMITS } from './limits';
import { emptyStoryboard, newScene, StoryboardValidationError } from './storyboard-doc';
import { addComment, deleteComment, sceneComments, sceneMapById, setCommentResolved } from './storyboard-ydoc-comments';
import { appendScene, deleteScene, moveScene, readStoryboard, writeStoryboard } from './storyboard-ydoc';

function docWithScenes(n: number): { doc: Y.Doc; ids: string[] } {
  const doc = new Y.Doc();
  writeStoryboard(doc, emptyStoryboard('Comments', 'en'));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = newScene({ description: `scene ${i}` });
    appendScene(doc, s);
    ids.push(s.id);
  }
  return { doc, ids };
}
const replica = (doc: Y.Doc) => {
  const r = new Y.Doc();
  Y.applyUpdate(r, Y.encodeStateAsUpdate(doc));
  return r;
};
const sync = (a: Y.Doc, b: Y.Doc) => {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
};

describe('scene comments in the Y.Doc', () => {
  it('adds a comment with author, time and trimmed text, and the snapshot validates', () => {
    const { doc, ids } = docWithScenes(2);
    const c = addComment(doc, ids[1], { author: 'alice', text: '  brighter, please  ', created_at: '2026-11-25T10:00:00.000Z' });
    expect(c).toMatchObject({ author: 'alice', text: 'brighter, please', created_at: '2026-11-25T10:00:00.000Z', resolved: false });
    const r = readStoryboard(doc);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.scenes[1].comments).toEqual([c]);
    // The text is a Y.Text, like every free text of the storyboard.
    const stored = (sceneMapById(doc, ids[1])!.get('comments') as Y.Array<Y.Map<unknown>>).get(0);
    expect(stored.get('text')).toBeInstanceOf(Y.Text);
  });

  it('defaults the time to now and the id to a new one', () => {
    const { doc, ids } = docWithScenes(1);
    const before = Date.now();
    const c = addComment(doc, ids[0], { author: 'bob', text: 'ok' })!;
    expect(Date.parse(c.created_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(c.id).toMatch(/^[A-Za-z0-9_-]{21}$/);
  });

  it('refuses an empty or too long text, a bad author, and a full scene, with per-field messages', () => {
    const { doc, ids } = docWithScenes(1);
    expect(() => addComment(doc, ids[0], { author: 'alice', text: '   ' })).toThrow(/comment must not be empty/);
    try {
      addComment(doc, ids[0], { author: 'alice', text: 'x'.repeat(LIMITS.storyboard.comment.max + 1) });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StoryboardValidationError);
      expect((e as StoryboardValidationError).issues).toEqual([{ path: 'text', message: `comment must be at most ${LIMITS.storyboard.comment.max} characters` }]);
    }
    expect(() => addComment(doc, ids[0], { author: '', text: 'hi' })).toThrow(/comment author is required/);
    expect(() => addComment(doc, ids[0], { author: 'alice', text: 'hi', created_at: 'yesterday' })).toThrow(/created_at/);
    for (let i = 0; i < LIMITS.storyboard.commentsPerScene.max; i++) addComment(doc, ids[0], { author: 'alice', text: `#${i}` });
    expect(() => addComment(doc, ids[0], { author: 'alice', text: 'one too many' })).toThrow(RangeError);
    expect(sceneComments(doc, ids[0])).toHaveLength(LIMITS.storyboard.commentsPerScene.max);
  });

  it('resolves, reopens and deletes by id; a gone scene or comment answers null / false', () => {
    const { doc, ids } = docWithScenes(2);
    const a = addComment(doc, ids[0], { author: 'alice', text: 'first' })!;
    const b = addComment(doc, ids[0], { author: 'bob', text: 'second' })!;
    expect(setCommentResolved(doc, ids[0], a.id, true)).toBe(true);
    expect(sceneComments(doc, ids[0]).map((c) => [c.text, c.resolved])).toEqual([
      ['first', true],
      ['second', false],
    ]);
    expect(setCommentResolved(doc, ids[0], a.id, false)).toBe(true);
    expect(sceneComments(doc, ids[0])[0].resolved).toBe(false);
    expect(deleteComment(doc, ids[0], b.id)).toBe(true);
    expect(deleteComment(doc, ids[0], b.id)).toBe(false);
    expect(setCommentResolved(doc, ids[0], b.id, true)).toBe(false);
    expect(setCommentResolved(doc, ids[1], a.id, true)).toBe(false);
    deleteScene(doc, 1);
    expect(addComment(doc, ids[1], { author: 'alice', text: 'too late' })).toBeNull();
    expect(sceneComments(doc, ids[1])).toEqual([]);
  });

  it('keeps the comments with their scene when it moves, and merges concurrent comments', () => {
    const { doc, ids } = docWithScenes(3);
    addComment(doc, ids[0], { author: 'alice', text: 'travels along' });
    moveScene(doc, 0, 2);
    expect(sceneComments(doc, ids[0]).map((c) => c.text)).toEqual(['travels along']);

    const other = replica(doc);
    addComment(doc, ids[1], { author: 'alice', text: 'from alice' });
    const bobs = addComment(other, ids[1], { author: 'bob', text: 'from bob' })!;
    setCommentResolved(other, ids[0], sceneComments(other, ids[0])[0].id, true);
    sync(doc, other);
    expect(sceneComments(doc, ids[1]).map((c) => c.text).sort()).toEqual(['from alice', 'from bob']);
    expect(sceneComments(doc, ids[1])).toEqual(sceneComments(other, ids[1]));
    expect(sceneComments(doc, ids[0])[0].resolved).toBe(true);
    // One deletes while the other resolves: the delete wins, nothing breaks.
    deleteComment(doc, ids[1], bobs.id);
    setCommentResolved(other, ids[1], bobs.id, true);
    sync(doc, other);
    expect(sceneComments(doc, ids[1]).map((c) => c.text)).toEqual(['from alice']);
    expect(readStoryboard(other).ok).toBe(true);
  });

  it('tags its transactions with the origin (for undo managers and providers)', () => {
    const { doc, ids } = docWithScenes(1);
    const origins: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin));
    const me = { me: true };
    const c = addComment(doc, ids[0], { author: 'alice', text: 'x' }, me)!;
    setCommentResolved(doc, ids[0], c.id, true, me);
    deleteComment(doc, ids[0], c.id, me);
    expect(origins).toEqual([me, me, me]);
  });
});
