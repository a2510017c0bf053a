import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LIMITS } from './limits';
import { newId, newScene, StoryboardValidationError, type Storyboard } from './storyboard-doc';
import {
  appendScene,
  deleteScene,
  duplicateScene,
  moveScene,
  readStoryboard,
  sceneCount,
  sceneIndexOf,
  sceneText,
  storyboardRoot,
  updateSceneField,
  writeStoryboard,
} from './storyboard-ydoc';

function sample(): Storyboard {
  const hero = { id: newId(), name: '小鹿', description: '棕色的小鹿，白色斑点' };
  const fox = { id: newId(), name: 'Fox', description: 'a red fox' };
  return {
    title: '森林探险',
    language: 'zh',
    style: { style_prompt: 'watercolour', negative_prompt: 'blurry', seed: 42, aspect: '16:9', width: 1280, height: 720, fps: 24 },
    characters: [hero, fox],
    music: { enabled: true, track_name: 'Morning', file_id: 'file-123456', volume: 0.5, fade_in_sec: 1.5, fade_out_sec: 3 },
    scenes: ['A', 'B', 'C', 'D'].map((name, i) =>
      newScene({
        description: `scene ${name}: 清晨的森林`,
        subtitle: `narration ${name}`,
        camera: { shot: 'wide', move: 'pan-left', speed: 1 + i * 0.5 },
        duration_sec: 3 + i,
        transition: i % 2 ? 'crossfade' : 'cut',
        ...(i === 1 ? { seed: 7 } : {}),
        locked: i === 2,
        character_ids: i === 0 ? [hero.id, fox.id] : [],
        comments: i === 0 ? [{ id: newId(), author: 'alice', text: '更亮一点', created_at: '2026-11-25T10:00:00.000Z', resolved: false }] : [],
      }),
    ),
  };
}

const read = (doc: Y.Doc): Storyboard => {
  const r = readStoryboard(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
};
const names = (doc: Y.Doc) => read(doc).scenes.map((s) => s.subtitle.replace('narration ', ''));

/** Two replicas that start from the same state, as two browsers on one project do. */
function pair(sb: Storyboard): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  writeStoryboard(a, sb);
  const b = new Y.Doc();
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  return [a, b];
}
function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('storyboard ⇄ Y.Doc', () => {
  it('reads back exactly what was written, through an encoded update too', () => {
    const sb = sample();
    const doc = new Y.Doc();
    writeStoryboard(doc, sb);
    expect(read(doc)).toEqual(sb);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    expect(read(copy)).toEqual(sb);
    expect('seed' in read(copy).scenes[0]).toBe(false);
  });

  it('stores free text as Y.Text and fills the document in one transaction with the given origin', () => {
    const doc = new Y.Doc();
    const origins: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin));
    writeStoryboard(doc, sample(), 'planner');
    expect(origins).toEqual(['planner']);
    const scene = (storyboardRoot(doc).get('scenes') as Y.Array<Y.Map<unknown>>).get(0);
    expect(scene.get('description')).toBeInstanceOf(Y.Text);
    expect(scene.get('subtitle')).toBeInstanceOf(Y.Text);
    expect(((scene.get('comments') as Y.Array<Y.Map<unknown>>).get(0)).get('text')).toBeInstanceOf(Y.Text);
    expect((storyboardRoot(doc).get('characters') as Y.Array<Y.Map<unknown>>).get(0).get('description')).toBeInstanceOf(Y.Text);
  });

  it('says why an empty or broken document is not a storyboard', () => {
    expect(readStoryboard(new Y.Doc())).toEqual({ ok: false, issues: [{ path: '', message: 'the document holds no storyboard yet' }] });
    const doc = new Y.Doc();
    writeStoryboard(doc, sample());
    (storyboardRoot(doc).get('style') as Y.Map<unknown>).set('fps', 500);
    expect(readStoryboard(doc)).toEqual({ ok: false, issues: [{ path: 'style.fps', message: `fps must be at most ${LIMITS.storyboard.fps.max}` }] });
    const bad = { ...sample(), title: 'x'.repeat(LIMITS.storyboard.title.max + 1) };
    expect(() => writeStoryboard(new Y.Doc(), bad)).toThrow(StoryboardValidationError);
  });

  it('merges two people typing into one description character by character', () => {
    const [a, b] = pair(sample());
    const ta = sceneText(a, 0, 'description');
    const tb = sceneText(b, 0, 'description');
    const start = ta.toString();
    // Each types a word one keystroke at a time, at opposite ends, and updates cross mid-word.
    const pending: Uint8Array[] = [];
    b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && pending.push(u));
    a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(b, u, 'remote'));
    for (const [i, ch] of [...'river'].entries()) {
      ta.insert(0 + i, ch);
      tb.insert(tb.length, '!?'[i % 2]);
      if (i === 2) pending.splice(0).forEach((u) => Y.applyUpdate(a, u, 'remote'));
    }
    pending.splice(0).forEach((u) => Y.applyUpdate(a, u, 'remote'));
    expect(ta.toString()).toBe(tb.toString());
    expect(ta.toString()).toBe(`river${start}!?!?!`);

    // The same position at the same time: both words survive intact, one after the other.
    const [c, d] = pair(sample());
    sceneText(c, 1, 'subtitle').insert(0, 'alpha ');
    sceneText(d, 1, 'subtitle').insert(0, 'omega ');
    sync(c, d);
    const merged = read(c).scenes[1].subtitle;
    expect(read(d).scenes[1].subtitle).toBe(merged);
    expect(['alpha omega narration B', 'omega alpha narration B']).toContain(merged);
  });

  it('moves scenes by position', () => {
    const doc = new Y.Doc();
    writeStoryboard(doc, sample());
    const before = read(doc).scenes[0];
    moveScene(doc, 0, 2);
    expect(names(doc)).toEqual(['B', 'C', 'A', 'D']);
    expect(read(doc).scenes[2]).toEqual(before);
    moveScene(doc, 3, 0);
    expect(names(doc)).toEqual(['D', 'B', 'C', 'A']);
    moveScene(doc, 1, 3);
    expect(names(doc)).toEqual(['D', 'C', 'A', 'B']);
    expect(() => moveScene(doc, 0, 4)).toThrow(RangeError);
    expect(() => moveScene(doc, -1, 0)).toThrow(RangeError);
  });

  it('keeps the first copy when two people move the same scene at once, and cleans up the copies later', () => {
    const sb = sample();
    const [a, b] = pair(sb);
    moveScene(a, 0, 3);
    moveScene(b, 0, 1);
    sync(a, b);
    const raw = storyboardRoot(a).get('scenes') as Y.Array<Y.Map<unknown>>;
    expect(raw.length).toBe(5);
    expect(read(a)).toEqual(read(b));
    expect(read(a).scenes.map((s) => s.id).sort()).toEqual(sb.scenes.map((s) => s.id).sort());
    expect(names(a)).toEqual(['B', 'A', 'C', 'D']);
    expect(sceneCount(a)).toBe(4);

    // Positions count visible scenes only, and moving or deleting a scene removes its stray copy.
    moveScene(a, 1, 3);
    expect(names(a)).toEqual(['B', 'C', 'D', 'A']);
    expect(raw.length).toBe(4);
    sync(a, b);
    deleteScene(b, 3);
    sync(a, b);
    expect(names(a)).toEqual(['B', 'C', 'D']);
    expect(sceneIndexOf(a, sb.scenes[0].id)).toBe(-1);
  });

  it('deletes and duplicates scenes, and appends up to the limit', () => {
    const doc = new Y.Doc();
    writeStoryboard(doc, sample());
    const original = read(doc).scenes[0];
    const copyId = duplicateScene(doc, 0);
    const scenes = read(doc).scenes;
    expect(scenes.map((s) => s.id)).toEqual([original.id, copyId, ...scenes.slice(2).map((s) => s.id)]);
    expect(scenes[1]).toEqual({ ...original, id: copyId, comments: [] });
    // The copy is its own scene: editing it leaves the original alone.
    sceneText(doc, 1, 'description').insert(0, 'copy: ');
    expect(read(doc).scenes[0].description).toBe(original.description);

    deleteScene(doc, 0);
    expect(read(doc).scenes[0].id).toBe(copyId);
    expect(() => deleteScene(doc, 10)).toThrow(RangeError);

    const fresh = newScene({ description: 'the end' });
    appendScene(doc, fresh, 'me');
    expect(read(doc).scenes.at(-1)).toEqual(fresh);
    expect(() => appendScene(doc, fresh)).toThrow(/already/);
    while (sceneCount(doc) < LIMITS.storyboard.scenes.max) appendScene(doc, newScene());
    expect(() => appendScene(doc, newScene())).toThrow(RangeError);
    expect(() => duplicateScene(doc, 0)).toThrow(RangeError);
  });

  it('updates one field, checking it, without disturbing concurrent typing elsewhere', () => {
    const [a, b] = pair(sample());
    updateSceneField(a, 0, 'description', 'scene A: 黄昏的森林');
    sceneText(b, 0, 'description').insert(0, '>> ');
    updateSceneField(b, 0, 'camera', { shot: 'close-up', move: 'pan-left', speed: 2 });
    updateSceneField(a, 0, 'camera', { shot: 'wide', move: 'pan-left', speed: 0.5 });
    sync(a, b);
    const scene = read(a).scenes[0];
    expect(scene.description).toBe('>> scene A: 黄昏的森林');
    // Different keys of the camera merge; the same key is decided once, the same way for everyone.
    expect(read(b).scenes[0].camera).toEqual(scene.camera);
    expect(scene.camera.speed === 0.5 || scene.camera.speed === 2).toBe(true);

    updateSceneField(a, 1, 'seed', undefined);
    updateSceneField(a, 1, 'locked', true);
    updateSceneField(a, 1, 'transition', 'fade-black');
    expect(read(a).scenes[1]).toMatchObject({ locked: true, transition: 'fade-black' });
    expect('seed' in read(a).scenes[1]).toBe(false);

    try {
      updateSceneField(a, 0, 'duration_sec', 99);
      expect.unreachable();
    } catch (err) {
      expect((err as StoryboardValidationError).issues).toEqual([{ path: 'duration_sec', message: `duration must be at most ${LIMITS.sceneDurationSec.max}` }]);
    }
  });

  it('drops links to a character that someone deleted while another linked it', () => {
    const sb = sample();
    const [a, b] = pair(sb);
    const characters = storyboardRoot(a).get('characters') as Y.Array<Y.Map<unknown>>;
    characters.delete(1, 1);
    updateSceneField(b, 2, 'character_ids', [sb.characters[1].id, sb.characters[0].id]);
    sync(a, b);
    expect(read(a).scenes[2].character_ids).toEqual([sb.characters[0].id]);
    expect(read(a).scenes[0].character_ids).toEqual([sb.characters[0].id]);
  });
});
