import { addComment, appendScene, emptyStoryboard, newScene, readStoryboard, sceneText, storyboardRoot, writeStoryboard } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { UpdateGuard } from './update-guard';

/** The server's copy and one client's, in sync, with a two-scene storyboard. */
function setUp() {
  const server = new Y.Doc();
  writeStoryboard(server, { ...emptyStoryboard('Guarded', 'en'), scenes: [newScene({ description: 'harbour' }), newScene({ description: 'ferry' })] });
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  return { server, client, guard: new UpdateGuard(server) };
}

/** The update one change on the client produces, as the client would send it. */
function updateOf(client: Y.Doc, change: () => void): Uint8Array {
  let update: Uint8Array | null = null;
  const capture = (u: Uint8Array) => (update = u);
  client.on('update', capture);
  change();
  client.off('update', capture);
  if (!update) throw new Error('the change produced no update');
  return update;
}

const check = (guard: UpdateGuard, update: Uint8Array, author = 'alice') => guard.check(update, Y.decodeUpdate(update), author);

describe('UpdateGuard', () => {
  it('passes a run of keystrokes in one batch without copying the document, though each names the one before', () => {
    const { server, client, guard } = setUp();
    const keystrokes = [...'，夜里'].map((ch) => updateOf(client, () => sceneText(client, 0, 'description').insert(sceneText(client, 0, 'description').length, ch)));
    // A backspace over a character typed in the same batch, and typing resumed after it.
    keystrokes.push(updateOf(client, () => sceneText(client, 0, 'description').delete(sceneText(client, 0, 'description').length - 1, 1)));
    keystrokes.push(updateOf(client, () => sceneText(client, 0, 'description').insert(sceneText(client, 0, 'description').length, '晚')));
    for (const u of keystrokes) expect(check(guard, u)).toBeNull();
    expect(guard.scratchCopies).toBe(0);
    guard.reset();
    for (const u of keystrokes) Y.applyUpdate(server, u);
    expect(sceneText(server, 0, 'description').toString()).toBe('harbour，夜晚');
  });

  it('reads structural changes on one scratch copy per batch, keystrokes into a scene added in the batch included', () => {
    const { client, guard } = setUp();
    const added = updateOf(client, () => appendScene(client, newScene({ description: '' })));
    const typed = updateOf(client, () => sceneText(client, 2, 'description').insert(0, 'dawn'));
    const empty = updateOf(client, () => (storyboardRoot(client).get('scenes') as Y.Array<unknown>).push([new Y.Map()]));
    expect(check(guard, added)).toBeNull();
    // Its text is not in the server's document yet, so it is read on the copy too.
    expect(check(guard, typed)).toBeNull();
    // An empty scene map would leave a storyboard that no longer validates.
    expect(check(guard, empty)).toMatch(/would break the storyboard/);
    expect(guard.scratchCopies).toBe(1);
  });

  it('refuses replacing the scenes with a string, even after keystrokes were accepted in the batch', () => {
    const { client, guard } = setUp();
    const typed = updateOf(client, () => sceneText(client, 1, 'description').insert(0, 'night '));
    const broken = updateOf(client, () => storyboardRoot(client).set('scenes', 'gone'));
    expect(check(guard, typed)).toBeNull();
    expect(check(guard, broken)).toMatch(/would break the storyboard/);
    expect(readStoryboard(client).ok).toBe(false);
  });

  it("refuses a comment under another user's name and accepts one under the sender's own", () => {
    const { client, guard } = setUp();
    const sceneId = (readStoryboard(client) as { ok: true; value: { scenes: { id: string }[] } }).value.scenes[0].id;
    const forged = updateOf(client, () => addComment(client, sceneId, { author: 'bob', text: 'ship it' }));
    expect(check(guard, forged, 'alice')).toMatch(/under your own name, not "bob"/);
    guard.reset();
    const { client: other, guard: fresh } = setUp();
    const otherSceneId = (readStoryboard(other) as { ok: true; value: { scenes: { id: string }[] } }).value.scenes[0].id;
    const own = updateOf(other, () => addComment(other, otherSceneId, { author: 'alice', text: 'ship it' }));
    expect(check(fresh, own, 'alice')).toBeNull();
  });

  it('does not take text typed into a refused batch for text: after reset the same keystroke is read again', () => {
    const { client, guard } = setUp();
    const first = updateOf(client, () => sceneText(client, 0, 'subtitle').insert(0, 'a'));
    const second = updateOf(client, () => sceneText(client, 0, 'subtitle').insert(1, 'b'));
    expect(check(guard, first)).toBeNull();
    guard.reset();
    // The first keystroke was never applied to the server's copy: the second names an unknown item.
    expect(check(guard, second)).toBeNull();
    expect(guard.scratchCopies).toBe(1);
  });
});
