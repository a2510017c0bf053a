import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LIMITS } from './limits';
import { emptyStoryboard, newScene, StoryboardValidationError } from './storyboard-doc';
import { addCharacter, characterText, listCharacters, removeCharacter, updateCharacter } from './storyboard-ydoc-characters';
import { appendScene, readStoryboard, updateSceneField, writeStoryboard } from './storyboard-ydoc';

function fresh(): Y.Doc {
  const doc = new Y.Doc();
  writeStoryboard(doc, emptyStoryboard('Characters', 'zh'));
  return doc;
}
const sync = (a: Y.Doc, b: Y.Doc) => {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
};

describe('characters in the Y.Doc', () => {
  it('adds, renames and re-describes characters; the snapshot validates', () => {
    const doc = fresh();
    const deer = addCharacter(doc, { name: ' 小鹿 ', description: '棕色的小鹿' });
    const fox = addCharacter(doc, { name: 'Fox' });
    expect(deer.name).toBe('小鹿');
    expect(listCharacters(doc)).toEqual([deer, { id: fox.id, name: 'Fox', description: '' }]);
    expect(updateCharacter(doc, fox.id, { name: 'Red fox', description: 'a red fox with a white tail' })).toBe(true);
    expect(updateCharacter(doc, deer.id, { description: '棕色的小鹿，白色斑点' })).toBe(true);
    expect(characterText(doc, deer.id)?.toString()).toBe('棕色的小鹿，白色斑点');
    const r = readStoryboard(doc);
    expect(r.ok && r.value.characters.map((c) => [c.name, c.description])).toEqual([
      ['小鹿', '棕色的小鹿，白色斑点'],
      ['Red fox', 'a red fox with a white tail'],
    ]);
  });

  it('refuses an empty or too long name, a too long description and more than the limit', () => {
    const doc = fresh();
    expect(() => addCharacter(doc, { name: '  ' })).toThrow(/character name must not be empty/);
    expect(() => addCharacter(doc, { name: 'x'.repeat(LIMITS.storyboard.characterName.max + 1) })).toThrow(StoryboardValidationError);
    const c = addCharacter(doc, { name: 'ok' });
    try {
      updateCharacter(doc, c.id, { description: 'x'.repeat(LIMITS.storyboard.characterDescription.max + 1) });
      expect.unreachable();
    } catch (e) {
      expect((e as StoryboardValidationError).issues).toEqual([
        { path: 'description', message: `character description must be at most ${LIMITS.storyboard.characterDescription.max} characters` },
      ]);
    }
    for (let i = 1; i < LIMITS.storyboard.characters.max; i++) addCharacter(doc, { name: `c${i}` });
    expect(() => addCharacter(doc, { name: 'one too many' })).toThrow(RangeError);
    expect(listCharacters(doc)).toHaveLength(LIMITS.storyboard.characters.max);
  });

  it('removes a character and its mentions in every scene; a gone character answers false', () => {
    const doc = fresh();
    const a = addCharacter(doc, { name: 'A' });
    const b = addCharacter(doc, { name: 'B' });
    const s1 = newScene({ character_ids: [] });
    appendScene(doc, s1);
    appendScene(doc, newScene());
    updateSceneField(doc, 0, 'character_ids', [a.id, b.id]);
    updateSceneField(doc, 1, 'character_ids', [a.id]);
    expect(removeCharacter(doc, a.id)).toBe(true);
    expect(removeCharacter(doc, a.id)).toBe(false);
    expect(updateCharacter(doc, a.id, { name: 'ghost' })).toBe(false);
    expect(characterText(doc, a.id)).toBeNull();
    const r = readStoryboard(doc);
    expect(r.ok && r.value.scenes.map((s) => s.character_ids)).toEqual([[b.id], []]);
  });

  it('merges two people describing one character character by character', () => {
    const a = fresh();
    const c = addCharacter(a, { name: 'Deer', description: 'a deer' });
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    updateCharacter(a, c.id, { description: 'a small deer' });
    updateCharacter(b, c.id, { description: 'a deer with white spots' });
    sync(a, b);
    expect(listCharacters(a)).toEqual(listCharacters(b));
    expect(listCharacters(a)[0].description).toBe('a small deer with white spots');
  });
});
