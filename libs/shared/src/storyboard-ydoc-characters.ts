import * as Y from 'yjs';
import { LIMITS } from './limits';
import { CharacterSchema, StoryboardValidationError, issuesOf, newId, type Character } from './storyboard-doc';
import { hasStoryboard, spliceText, storyboardRoot } from './storyboard-ydoc';

/**
 * The storyboard's characters, inside its Y.Doc (layout in storyboard-ydoc.ts):
 *
 *   characters: Y.Array<Y.Map>  id, name, description: Y.Text
 *   scenes[i].character_ids: Y.Array<string>  (which characters appear in the scene)
 *
 * The name is last-writer-wins; the description is Y.Text, so two people refining one character's
 * look merge character by character. Removing a character also takes it out of every scene that
 * names it. Values are checked against CharacterSchema (limits in LIMITS.storyboard); a character
 * someone else removed meanwhile answers false / null instead of throwing.
 */

function charactersOf(doc: Y.Doc): Y.Array<unknown> {
  if (!hasStoryboard(doc)) throw new Error('the document holds no storyboard yet: call writeStoryboard first');
  const root = storyboardRoot(doc);
  const list = root.get('characters');
  if (list instanceof Y.Array) return list as Y.Array<unknown>;
  return root.set('characters', new Y.Array<unknown>());
}

const characterIdOf = (m: unknown): unknown => (m instanceof Y.Map ? m.get('id') : undefined);

function findCharacter(doc: Y.Doc, characterId: string): Y.Map<unknown> | null {
  if (!hasStoryboard(doc)) return null;
  const list = storyboardRoot(doc).get('characters');
  if (!(list instanceof Y.Array)) return null;
  const found = list.toArray().find((c) => characterIdOf(c) === characterId);
  return found instanceof Y.Map ? (found as Y.Map<unknown>) : null;
}

function checkField<K extends 'name' | 'description'>(field: K, value: unknown): Character[K] {
  const parsed = CharacterSchema.shape[field].safeParse(value);
  if (!parsed.success) throw new StoryboardValidationError(issuesOf(parsed.error).map((i) => ({ ...i, path: i.path ? `${field}.${i.path}` : field })));
  return parsed.data;
}

export interface NewCharacter {
  name: string;
  description?: string;
  /** Defaults to a new random id. */
  id?: string;
}

/** Adds a character (name trimmed, not empty); throws past LIMITS.storyboard.characters or with an id already present. */
export function addCharacter(doc: Y.Doc, input: NewCharacter, origin: unknown = null): Character {
  const name = typeof input.name === 'string' ? input.name.trim() : input.name;
  if (name === '') throw new StoryboardValidationError([{ path: 'name', message: 'character name must not be empty' }]);
  const parsed = CharacterSchema.safeParse({ id: input.id ?? newId(), name, description: input.description ?? '' });
  if (!parsed.success) throw new StoryboardValidationError(issuesOf(parsed.error));
  const character = parsed.data;
  doc.transact(() => {
    const list = charactersOf(doc);
    const ids = new Set(list.toArray().map(characterIdOf));
    const max = LIMITS.storyboard.characters.max;
    if (ids.size >= max) throw new RangeError(`a storyboard can hold at most ${max} characters`);
    if (ids.has(character.id)) throw new Error(`character id "${character.id}" is already in the storyboard`);
    const m = new Y.Map<unknown>();
    m.set('id', character.id);
    m.set('name', character.name);
    m.set('description', new Y.Text(character.description));
    list.push([m]);
  }, origin);
  return character;
}

/** Changes a character's name and/or description (the description by the smallest splice); false when it is gone. */
export function updateCharacter(doc: Y.Doc, characterId: string, patch: Partial<Pick<Character, 'name' | 'description'>>, origin: unknown = null): boolean {
  const name = patch.name === undefined ? undefined : checkField('name', patch.name);
  const description = patch.description === undefined ? undefined : checkField('description', patch.description);
  let found = false;
  doc.transact(() => {
    const c = findCharacter(doc, characterId);
    if (!c) return;
    found = true;
    if (name !== undefined && c.get('name') !== name) c.set('name', name);
    if (description !== undefined) {
      const current = c.get('description');
      if (current instanceof Y.Text) spliceText(current, description);
      else c.set('description', new Y.Text(description));
    }
  }, origin);
  return found;
}

/** Removes a character (every copy of its id) and its mentions in every scene; false when it was already gone. */
export function removeCharacter(doc: Y.Doc, characterId: string, origin: unknown = null): boolean {
  if (!hasStoryboard(doc)) return false;
  let found = false;
  doc.transact(() => {
    const root = storyboardRoot(doc);
    const list = root.get('characters');
    if (list instanceof Y.Array) {
      for (let i = list.length - 1; i >= 0; i--) {
        if (characterIdOf(list.get(i)) !== characterId) continue;
        list.delete(i, 1);
        found = true;
      }
    }
    const scenes = root.get('scenes') as Y.Array<unknown>;
    scenes.forEach((scene) => {
      if (!(scene instanceof Y.Map)) return;
      const ids = scene.get('character_ids');
      if (!(ids instanceof Y.Array)) return;
      for (let i = ids.length - 1; i >= 0; i--) if (ids.get(i) === characterId) ids.delete(i, 1);
    });
  }, origin);
  return found;
}

/** The live Y.Text of a character's description, for an editor to bind to; null when it is gone. */
export function characterText(doc: Y.Doc, characterId: string): Y.Text | null {
  const t = findCharacter(doc, characterId)?.get('description');
  return t instanceof Y.Text ? t : null;
}

/** The characters as plain values, first copy of each id; [] before the storyboard is loaded. */
export function listCharacters(doc: Y.Doc): Character[] {
  if (!hasStoryboard(doc)) return [];
  const list = storyboardRoot(doc).get('characters');
  if (!(list instanceof Y.Array)) return [];
  const seen = new Set<unknown>();
  const out: Character[] = [];
  for (const c of list.toArray()) {
    if (!(c instanceof Y.Map)) continue;
    const id = c.get('id');
    if (typeof id !== 'string' || seen.has(id)) continue;
    seen.add(id);
    const d = c.get('description');
    out.push({ id, name: String(c.get('name') ?? ''), description: d instanceof Y.Text ? d.toString() : String(d ?? '') });
  }
  return out;
}
