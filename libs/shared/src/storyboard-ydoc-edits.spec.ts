import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { emptyStoryboard, newId, newScene, type Storyboard } from './storyboard-doc';
import { moveScene, readStoryboard, updateSceneField, writeStoryboard } from './storyboard-ydoc';
import { SceneEditConflict, mergeSceneWithNext, rewriteSceneContent, splitSceneInTwo } from './storyboard-ydoc-edits';

const content = (description: string, duration_sec = 3) => ({ description, subtitle: `${description}!`, camera: { shot: 'wide' as const, move: 'static' as const }, duration_sec });

function doc(): { doc: Y.Doc; sb: Storyboard } {
  const sb = emptyStoryboard('t', 'en');
  sb.characters = [{ id: 'character-1', name: 'Li', description: '' }];
  const comment = (text: string) => ({ id: newId(), author: 'bob', text, created_at: new Date().toISOString(), resolved: false });
  sb.scenes = [
    newScene({ description: 'a', seed: 7, camera: { shot: 'medium', move: 'pan-left', speed: 2 }, comments: [comment('one')] }),
    newScene({ description: 'b', character_ids: ['character-1'], comments: [comment('two')] }),
    newScene({ description: 'c', locked: true }),
  ];
  const d = new Y.Doc();
  writeStoryboard(d, sb);
  return { doc: d, sb };
}
const scenes = (d: Y.Doc) => {
  const r = readStoryboard(d);
  if (!r.ok) throw new Error('invalid');
  return r.value.scenes;
};

describe('scene edits in the Y.Doc', () => {
  it('rewrites a scene in place, keeping its id, comments, seed and camera speed', () => {
    const { doc: d, sb } = doc();
    rewriteSceneContent(d, sb.scenes[0]!.id, content('rewritten', 9));
    expect(scenes(d)[0]).toEqual({ ...sb.scenes[0], ...content('rewritten', 9), camera: { shot: 'wide', move: 'static', speed: 2 } });
  });

  it('splits a scene into it and a new one after it, and merges a scene with the next, moving comments and characters', () => {
    const { doc: d, sb } = doc();
    const added = splitSceneInTwo(d, sb.scenes[0]!.id, content('a1'), content('a2'));
    expect(scenes(d).map((s) => s.id)).toEqual([sb.scenes[0]!.id, added, sb.scenes[1]!.id, sb.scenes[2]!.id]);
    expect(scenes(d)[1]).toMatchObject({ description: 'a2', comments: [], locked: false, camera: { speed: 2 } });
    mergeSceneWithNext(d, added, sb.scenes[1]!.id, content('a2+b', 6));
    const after = scenes(d);
    expect(after.map((s) => s.id)).toEqual([sb.scenes[0]!.id, added, sb.scenes[2]!.id]);
    expect(after[1]).toMatchObject({ description: 'a2+b', duration_sec: 6, character_ids: ['character-1'], comments: sb.scenes[1]!.comments });
  });

  it('refuses, changing nothing, when a scene is gone, locked, or no longer followed by the next', () => {
    const { doc: d, sb } = doc();
    const before = JSON.stringify(scenes(d));
    const code = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        return err instanceof SceneEditConflict ? err.code : String(err);
      }
      return 'ok';
    };
    expect(code(() => rewriteSceneContent(d, newId(), content('x')))).toBe('gone');
    expect(code(() => splitSceneInTwo(d, sb.scenes[2]!.id, content('x'), content('y')))).toBe('locked');
    expect(code(() => mergeSceneWithNext(d, sb.scenes[1]!.id, sb.scenes[2]!.id, content('x')))).toBe('locked');
    moveScene(d, 1, 2);
    const moved = JSON.stringify(scenes(d));
    expect(code(() => mergeSceneWithNext(d, sb.scenes[0]!.id, sb.scenes[1]!.id, content('x')))).toBe('moved');
    expect(JSON.stringify(scenes(d))).toBe(moved);
    updateSceneField(d, 2, 'locked', false);
    expect(before).not.toBe(JSON.stringify(scenes(d)));
  });
});
