import * as Y from 'yjs';
import { addCharacter, addComment, emptyStoryboard, moveScene, newScene, sceneMapById, storyboardRoot, writeStoryboard, type DocumentFilterHit } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { EditLog, anchorHit, fieldSource, resolveAll, resolveAnchor, type HitAnchor } from './hit-anchors';
import { fieldKey } from './filter-hits';

/** A storyboard with two scenes, a comment and a character; returns the ids. */
function storyboard(description = '他们昨晚在地下赌场赌博', subtitle = 'no gambling here') {
  const doc = new Y.Doc();
  const first = newScene({ description, subtitle });
  const second = newScene({ description: '清晨的森林' });
  writeStoryboard(doc, { ...emptyStoryboard('赌博之夜', 'zh'), style: { ...emptyStoryboard('', 'zh').style, style_prompt: 'casino gambling noir' }, scenes: [first, second] });
  const comment = addComment(doc, first.id, { author: 'olga', text: '这里不要写赌博' })!;
  const character = addCharacter(doc, { name: '赌徒老王', description: '一个爱赌博的中年人' });
  return { doc, sceneId: first.id, otherId: second.id, commentId: comment.id, characterId: character.id };
}

const hit = (scene_id: string | null, field: string, start: number, end: number, action: DocumentFilterHit['action'] = 'block'): DocumentFilterHit => ({
  scene_id,
  field,
  start,
  end,
  category: 'gambling',
  action,
});

const textOf = (doc: Y.Doc, sceneId: string, field = 'description') => sceneMapById(doc, sceneId)!.get(field) as Y.Text;

/** Anchors a hit now (no unread edits) and returns a function that says what it marks. */
function anchored(doc: Y.Doc, h: DocumentFilterHit) {
  const anchor = anchorHit(h, fieldSource(doc, h.scene_id, h.field)!) as HitAnchor;
  expect(anchor).not.toBeNull();
  return () => {
    const source = fieldSource(doc, h.scene_id, h.field);
    const span = source && resolveAnchor(anchor, source, doc);
    return span ? source.text.slice(span.start, span.end) + `@${span.start}` : null;
  };
}

describe('fieldSource', () => {
  it('finds every field the server screens, as Y.Text or plain string', () => {
    const { doc, sceneId, commentId, characterId } = storyboard();
    const text = (s: string | null, f: string) => fieldSource(doc, s, f)?.text;
    expect(text(sceneId, 'description')).toBe('他们昨晚在地下赌场赌博');
    expect(text(sceneId, 'subtitle')).toBe('no gambling here');
    expect(text(sceneId, `comment:${commentId}`)).toBe('这里不要写赌博');
    expect(text(null, 'title')).toBe('赌博之夜');
    expect(text(null, 'style_prompt')).toBe('casino gambling noir');
    expect(text(null, `character:${characterId}:name`)).toBe('赌徒老王');
    expect(text(null, `character:${characterId}:description`)).toBe('一个爱赌博的中年人');
    expect(fieldSource(doc, sceneId, 'description')!.ytext).toBeInstanceOf(Y.Text);
    expect(fieldSource(doc, null, 'title')!.ytext).toBeNull();
  });

  it('finds nothing for a scene, comment or character that is not there', () => {
    const { doc, sceneId } = storyboard();
    expect(fieldSource(doc, 'gone-scene-01', 'description')).toBeNull();
    expect(fieldSource(doc, sceneId, 'comment:gone-comment-01')).toBeNull();
    expect(fieldSource(doc, null, 'character:gone-character-01:name')).toBeNull();
    expect(fieldSource(doc, sceneId, 'music')).toBeNull();
    expect(fieldSource(new Y.Doc(), sceneId, 'description')).toBeNull();
  });
});

describe('anchored hits in a Y.Text', () => {
  it('follow their characters while text is typed before and after them (Chinese)', () => {
    const { doc, sceneId } = storyboard();
    const marked = anchored(doc, hit(sceneId, 'description', 9, 11));
    expect(marked()).toBe('赌博@9');
    textOf(doc, sceneId).insert(0, '听说');
    expect(marked()).toBe('赌博@11');
    textOf(doc, sceneId).insert(13, '了一整夜');
    expect(marked()).toBe('赌博@11');
    textOf(doc, sceneId).delete(0, 4);
    expect(marked()).toBe('赌博@7');
  });

  it('follow a remote edit merged from another replica (English)', () => {
    const { doc, sceneId } = storyboard();
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    const marked = anchored(doc, hit(sceneId, 'subtitle', 3, 11));
    expect(marked()).toBe('gambling@3');
    textOf(other, sceneId, 'subtitle').insert(0, 'Really, ');
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)));
    expect(fieldSource(doc, sceneId, 'subtitle')!.text).toBe('Really, no gambling here');
    expect(marked()).toBe('gambling@11');
  });

  it('carry a surrogate pair typed before them', () => {
    const { doc, sceneId } = storyboard('🎲赌博🎲');
    const marked = anchored(doc, hit(sceneId, 'description', 2, 4));
    textOf(doc, sceneId).insert(0, '🃏');
    expect(marked()).toBe('赌博@4');
  });

  it('are dropped when their characters are deleted or changed, never moved onto others', () => {
    const { doc, sceneId } = storyboard();
    const marked = anchored(doc, hit(sceneId, 'description', 9, 11));
    textOf(doc, sceneId).insert(10, '了个');
    expect(marked()).toBeNull();
    textOf(doc, sceneId).delete(10, 2);
    // The same characters back in the same text: marked again.
    expect(marked()).toBe('赌博@9');
    textOf(doc, sceneId).delete(5, 6);
    expect(fieldSource(doc, sceneId, 'description')!.text).toBe('他们昨晚在');
    expect(marked()).toBeNull();
  });

  it('come back when the word is deleted and typed again in the same place', () => {
    const { doc, sceneId } = storyboard();
    const marked = anchored(doc, hit(sceneId, 'description', 9, 11));
    textOf(doc, sceneId).delete(9, 2);
    expect(marked()).toBeNull();
    textOf(doc, sceneId).insert(9, '赌博');
    expect(marked()).toBe('赌博@9');
  });

  it('stay on a scene that moved (its text is a copy then), also through a later edit', () => {
    const { doc, sceneId } = storyboard();
    const marked = anchored(doc, hit(sceneId, 'description', 9, 11));
    moveScene(doc, 0, 1);
    expect(marked()).toBe('赌博@9');
    textOf(doc, sceneId).insert(0, '据说');
    expect(marked()).toBe('赌博@11');
  });

  it('mark a comment and a character description', () => {
    const { doc, sceneId, commentId, characterId } = storyboard();
    expect(anchored(doc, hit(sceneId, `comment:${commentId}`, 5, 7))()).toBe('赌博@5');
    expect(anchored(doc, hit(null, `character:${characterId}:description`, 3, 5))()).toBe('赌博@3');
  });
});

describe('anchored hits in a plain string', () => {
  it('follow an edit of the title before them, and are dropped when the word goes', () => {
    const { doc } = storyboard();
    const marked = anchored(doc, hit(null, 'title', 0, 2));
    storyboardRoot(doc).set('title', '今晚的赌博之夜');
    expect(marked()).toBe('赌博@3');
    storyboardRoot(doc).set('title', '今晚的之夜');
    expect(marked()).toBeNull();
  });
});

describe('anchorHit', () => {
  it('refuses offsets past the end of the text: they were not read from this text', () => {
    const { doc, sceneId } = storyboard();
    const source = fieldSource(doc, sceneId, 'subtitle')!;
    expect(anchorHit(hit(sceneId, 'subtitle', 14, 30), source)).toBeNull();
    expect(anchorHit(hit(sceneId, 'subtitle', 16, 16), source)).toBeNull();
  });

  it('carries the offsets over edits the server had not read yet (EditLog), and only those', () => {
    const { doc, sceneId } = storyboard();
    let now = 0;
    const log = new EditLog(700, () => now);
    storyboardRoot(doc).observeDeep((events) => log.record(events));
    textOf(doc, sceneId).insert(0, '据说，'); // read by the server: long before its answer
    now = 2000;
    textOf(doc, sceneId).insert(0, '听说'); // typed while the answer was on its way
    now = 2100;
    // The server read '据说，他们昨晚在地下赌场赌博': 赌博 at 12.
    const source = fieldSource(doc, sceneId, 'description')!;
    const anchor = anchorHit(hit(sceneId, 'description', 12, 14), source, log.recent(source))!;
    expect(source.text.slice(anchor.start, anchor.end)).toBe('赌博');
    expect(anchor.start).toBe(14);
    // An unread edit inside the flagged characters: nothing is marked.
    textOf(doc, sceneId).insert(15, 'x');
    const after = fieldSource(doc, sceneId, 'description')!;
    expect(anchorHit(hit(sceneId, 'description', 12, 14), after, log.recent(after))).toBeNull();
  });

  it('carries plain-string edits the server had not read', () => {
    const { doc } = storyboard();
    let now = 0;
    const log = new EditLog(700, () => now);
    storyboardRoot(doc).observeDeep((events) => log.record(events));
    now = 1000;
    storyboardRoot(doc).set('title', '今晚的赌博之夜');
    const source = fieldSource(doc, null, 'title')!;
    const anchor = anchorHit(hit(null, 'title', 0, 2), source, log.recent(source))!;
    expect([anchor.start, anchor.end]).toEqual([3, 5]);
    now = 2000;
    expect(log.recent(source)).toEqual([]);
  });
});

describe('resolveAll', () => {
  it('groups the marks that still hold by field and by scene, overlapping ones included', () => {
    const { doc, sceneId, otherId } = storyboard();
    const anchors = [
      hit(sceneId, 'description', 7, 11, 'review'),
      hit(sceneId, 'description', 9, 11),
      hit(sceneId, 'subtitle', 3, 11, 'mask'),
      hit(otherId, 'description', 0, 2),
      hit(null, 'title', 0, 2),
      hit('gone-scene-01', 'description', 0, 2),
    ].map((h) => anchorHit(h, fieldSource(doc, h.scene_id, h.field) ?? { text: '', ytext: null, holder: null, key: '' }))
      .filter((a): a is HitAnchor => a !== null);
    const { byField, byScene } = resolveAll(anchors, doc);
    expect(byField.get(fieldKey(sceneId, 'description'))!.marks.map((m) => [m.start, m.end, m.action])).toEqual([
      [7, 11, 'review'],
      [9, 11, 'block'],
    ]);
    expect(byScene.get(sceneId)!.map((m) => m.field)).toEqual(['description', 'description', 'subtitle']);
    expect(byScene.get('')!.map((m) => m.field)).toEqual(['title']);
    expect(byScene.has('gone-scene-01')).toBe(false);
    // Deleting the scene's description text drops its marks, the others stay.
    textOf(doc, sceneId).delete(0, textOf(doc, sceneId).length);
    const after = resolveAll(anchors, doc);
    expect(after.byField.has(fieldKey(sceneId, 'description'))).toBe(false);
    expect(after.byScene.get(sceneId)!.map((m) => m.field)).toEqual(['subtitle']);
  });
});
