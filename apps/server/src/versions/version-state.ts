import { StoryboardValidationError, hasStoryboard, readStoryboard, sceneCount, type Storyboard } from '@reelcraft/shared';
import * as Y from 'yjs';

/** The scenes a reader of the document sees (stray copies from concurrent moves not counted); 0 before any storyboard. */
export const visibleSceneCount = (doc: Y.Doc): number => (hasStoryboard(doc) ? sceneCount(doc) : 0);

/** A version's stored state as a validated storyboard; throws StoryboardValidationError when it breaks the schema. */
export function storyboardOfState(state: Uint8Array): Storyboard {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return storyboardOfDoc(doc);
  } finally {
    doc.destroy();
  }
}

export function storyboardOfDoc(doc: Y.Doc): Storyboard {
  const read = readStoryboard(doc);
  if (!read.ok) throw new StoryboardValidationError(read.issues);
  return read.value;
}

/** "before restore of <name>", cut to the name limit by characters (not UTF-16 units) so a long name still fits. */
export function backupName(restoredName: string, max: number): string {
  const name = `before restore of ${restoredName}`;
  const chars = [...name];
  return chars.length <= max ? name : chars.slice(0, max - 1).join('') + '…';
}
