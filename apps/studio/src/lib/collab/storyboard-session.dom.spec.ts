/**
 * StoryboardSession against a real y-websocket endpoint (testing/y-endpoint.ts) with real Y.Docs:
 * what it loads, what its edits send, whose edits undo takes back, presence, viewers, offline
 * edits and refusals. Waits are on states (`until`), never on a fixed delay.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { COLLAB_CLOSE, emptyStoryboard, newScene, sceneIndexOf, sceneText, writeStoryboard, type Storyboard, type StoryboardScene } from '@reelcraft/shared';
import { StoryboardSession, type SessionOptions } from './storyboard-session.svelte';
import { viewOf, type StoryboardView } from './storyboard-view';
import { NodeWebSocket, startYEndpoint, until, type YEndpoint } from './testing/y-endpoint';

let endpoint: YEndpoint;
const open: StoryboardSession[] = [];
let rooms = 0;

beforeAll(() => vi.stubGlobal('WebSocket', NodeWebSocket));
afterAll(() => vi.unstubAllGlobals());

beforeEach(async () => {
  endpoint = await startYEndpoint({
    refuse: (token) => (token === 'stranger' ? COLLAB_CLOSE.FORBIDDEN : null),
    viewerTokens: ['viewer-token'],
  });
});

afterEach(async () => {
  for (const s of open.splice(0)) s.destroy();
  await endpoint.close();
  setNetwork(true);
});

/** A room whose server copy holds a storyboard with these scenes. */
function seed(scenes: Partial<StoryboardScene>[], title = 'Harbour at dawn'): { room: string; ids: string[] } {
  const room = `p${++rooms}`;
  const sb: Storyboard = { ...emptyStoryboard(title, 'en'), scenes: scenes.map((s) => newScene(s)) };
  writeStoryboard(endpoint.doc(room), sb);
  return { room, ids: sb.scenes.map((s) => s.id) };
}

function session(room: string, username: string, opts: Partial<SessionOptions> = {}): StoryboardSession {
  const s = new StoryboardSession({ projectId: room, username, token: `${username}-token`, readOnly: false, origin: endpoint.origin, ...opts });
  open.push(s);
  return s;
}

const online = (s: StoryboardSession) => until(() => s.loaded && s.connection === 'online', `${s.username} online`);
/** The server's copy, read as the editor reads a document. */
const server = (room: string): StoryboardView => viewOf(endpoint.doc(room))!;

/** happy-dom's navigator says online; this makes it say what the test needs and tells the window. */
function setNetwork(up: boolean): void {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => up });
  window.dispatchEvent(new Event(up ? 'online' : 'offline'));
}

describe('StoryboardSession', () => {
  it("loads the server's storyboard, then shows what others change as it happens", async () => {
    const { room, ids } = seed([{ description: 'Boats leave the harbour' }, { description: 'Gulls over the pier', subtitle: 'Morning' }]);
    const alice = session(room, 'alice');
    expect(alice.loaded).toBe(false);
    await online(alice);
    expect(alice.view?.title).toBe('Harbour at dawn');
    expect(alice.view?.scenes.map((s) => [s.id, s.description, s.subtitle])).toEqual([
      [ids[0], 'Boats leave the harbour', ''],
      [ids[1], 'Gulls over the pier', 'Morning'],
    ]);
    expect(alice.pendingChanges).toBe(0);

    // Someone else's edit arrives through the server.
    const doc = endpoint.doc(room);
    doc.transact(() => sceneText(doc, 1, 'description').insert(0, 'White '));
    await until(() => alice.view?.scenes[1]?.description === 'White Gulls over the pier', "the server's edit");
    // Not a local edit: nothing to undo, nothing unsent.
    expect(alice.canUndo).toBe(false);
    expect(alice.pendingChanges).toBe(0);
  });

  it('sends its edits (scenes added, moved, deleted; text and fields) and another editor sees each', async () => {
    const { room, ids } = seed([{ description: 'one' }, { description: 'two' }]);
    const alice = session(room, 'alice');
    const bob = session(room, 'bob');
    await Promise.all([online(alice), online(bob)]);

    const added = alice.addScene();
    expect(added).toEqual(expect.any(String));
    await until(() => bob.view?.scenes.length === 3, 'the added scene at bob');
    expect(server(room).scenes.map((s) => s.id)).toEqual([ids[0], ids[1], added]);

    alice.moveScene(added!, 0);
    await until(() => bob.view?.scenes[0]?.id === added, 'the move at bob');
    // A position past the end is clamped to the last.
    alice.moveScene(added!, 99);
    await until(() => bob.view?.scenes[2]?.id === added, 'the clamped move at bob');
    expect(server(room).scenes.map((s) => s.id)).toEqual([ids[0], ids[1], added]);

    const text = alice.sceneText(added!, 'description')!;
    alice.doc.transact(() => text.insert(0, 'A lighthouse at dusk'), alice.localOrigin);
    alice.setSceneField(added!, 'duration_sec', 7);
    alice.setSceneField(added!, 'camera', { shot: 'wide', move: 'pan-left', speed: 2 });
    alice.setTitle('Harbour at dusk');
    await until(() => bob.view?.title === 'Harbour at dusk', 'the title at bob');
    const atBob = bob.view!.scenes[2]!;
    expect(atBob).toMatchObject({ description: 'A lighthouse at dusk', duration_sec: 7, camera: { shot: 'wide', move: 'pan-left', speed: 2 } });
    expect(server(room).scenes[2]).toMatchObject({ id: added, description: 'A lighthouse at dusk', duration_sec: 7 });

    alice.deleteScene(ids[0]!);
    await until(() => bob.view?.scenes.length === 2, 'the delete at bob');
    expect(server(room).scenes.map((s) => s.id)).toEqual([ids[1], added]);
    expect(sceneIndexOf(endpoint.doc(room), ids[0]!)).toBe(-1);

    // Edits of a scene that is gone change nothing.
    alice.setSceneField(ids[0]!, 'duration_sec', 9);
    alice.moveScene(ids[0]!, 0);
    expect(alice.view!.scenes.map((s) => s.id)).toEqual([ids[1], added]);
  });

  it('adds comments as this user, resolves and deletes them; casts characters into scenes', async () => {
    const { room, ids } = seed([{ description: 'one' }]);
    const alice = session(room, 'alice');
    const bob = session(room, 'bob');
    await Promise.all([online(alice), online(bob)]);

    expect(alice.addComment(ids[0]!, '   ')).toBe(false);
    expect(alice.addComment(ids[0]!, '  Make it foggier  ')).toBe(true);
    await until(() => bob.view?.scenes[0]?.comments.length === 1, 'the comment at bob');
    const comment = bob.view!.scenes[0]!.comments[0]!;
    expect(comment).toMatchObject({ author: 'alice', text: 'Make it foggier', resolved: false });
    bob.setCommentResolved(ids[0]!, comment.id, true);
    await until(() => alice.view?.scenes[0]?.comments[0]?.resolved === true, 'the resolve at alice');
    alice.deleteComment(ids[0]!, comment.id);
    await until(() => bob.view?.scenes[0]?.comments.length === 0, 'the deletion at bob');

    expect(alice.addCharacter('  ')).toBeNull();
    const keeper = alice.addCharacter('Lighthouse keeper', 'grey beard, yellow coat')!;
    alice.setSceneCharacter(ids[0]!, keeper, true);
    await until(() => bob.view?.scenes[0]?.character_ids.includes(keeper) === true, 'the cast at bob');
    expect(bob.view!.characters).toEqual([expect.objectContaining({ id: keeper, name: 'Lighthouse keeper', description: 'grey beard, yellow coat' })]);
    alice.removeCharacter(keeper);
    await until(() => bob.view?.characters.length === 0, 'the removal at bob');
  });

  it("undo and redo take back this tab's own edits only, never another editor's", async () => {
    const { room, ids } = seed([{ description: 'one' }, { description: 'two' }]);
    const alice = session(room, 'alice');
    const bob = session(room, 'bob');
    await Promise.all([online(alice), online(bob)]);
    expect([alice.canUndo, alice.canRedo]).toEqual([false, false]);

    alice.deleteScene(ids[0]!);
    expect(alice.canUndo).toBe(true);
    const bobText = bob.sceneText(ids[1]!, 'subtitle')!;
    bob.doc.transact(() => bobText.insert(0, 'by bob'), bob.localOrigin);
    await until(() => alice.view?.scenes.length === 1 && alice.view.scenes[0]?.subtitle === 'by bob', "bob's edit at alice");
    await until(() => bob.view?.scenes.length === 1, "alice's delete at bob");

    alice.undo();
    expect(alice.view!.scenes.map((s) => s.id)).toEqual(ids);
    expect(alice.view!.scenes[1]!.subtitle).toBe('by bob');
    expect([alice.canUndo, alice.canRedo]).toEqual([false, true]);
    await until(() => bob.view?.scenes.length === 2, 'the undone delete at bob');
    expect(server(room).scenes.map((s) => [s.id, s.subtitle])).toEqual([[ids[0], ''], [ids[1], 'by bob']]);

    alice.redo();
    expect(alice.view!.scenes.map((s) => s.id)).toEqual([ids[1]]);
    await until(() => bob.view?.scenes.length === 1, 'the redone delete at bob');
    expect([alice.canUndo, alice.canRedo]).toEqual([true, false]);
    // Bob's own stack holds only his subtitle.
    bob.undo();
    expect(bob.view!.scenes[0]!.subtitle).toBe('');
    expect(bob.view!.scenes.map((s) => s.id)).toEqual([ids[1]]);
  });

  it('shows who is here and which field of which scene each one edits; someone who leaves goes', async () => {
    const { room, ids } = seed([{ description: 'one' }]);
    const alice = session(room, 'alice');
    const bob = session(room, 'bob');
    await Promise.all([online(alice), online(bob)]);
    await until(() => alice.presence.people.length === 2 && bob.presence.people.length === 2, 'both present at both');
    expect(alice.presence.people.map((p) => [p.name, p.self])).toEqual([['alice', true], ['bob', false]]);
    expect(alice.presence.people[1]!.colour).toBe(bob.colour);

    bob.setEditing(ids[0]!, 'subtitle');
    await until(() => alice.presence.editingByScene.has(ids[0]!), "bob's caret at alice");
    expect(alice.presence.editingByScene.get(ids[0]!)).toEqual([expect.objectContaining({ name: 'bob', field: 'subtitle' })]);
    // This tab's own field is not shown as someone else's.
    expect(bob.presence.editingByScene.size).toBe(0);

    bob.setEditing(null);
    await until(() => alice.presence.editingByScene.size === 0, "bob's caret gone at alice");

    bob.destroy();
    await until(() => alice.presence.people.length === 1, 'bob gone at alice');
    expect(alice.presence.people[0]!.name).toBe('alice');
  });

  it("a viewer reads and is seen, but none of its edit calls change its document or reach the server's", async () => {
    const { room, ids } = seed([{ description: 'one' }, { description: 'two' }]);
    const viewer = session(room, 'vera', { readOnly: true, token: 'viewer-token' });
    const alice = session(room, 'alice');
    await Promise.all([online(viewer), online(alice)]);
    const before = Y.encodeStateVector(endpoint.doc(room));
    const viewBefore = viewer.view;

    expect(viewer.addScene()).toBeNull();
    expect(viewer.duplicateScene(ids[0]!)).toBeNull();
    viewer.deleteScene(ids[0]!);
    viewer.moveScene(ids[1]!, 0);
    viewer.setTitle('Mine now');
    viewer.setSceneField(ids[0]!, 'duration_sec', 9);
    viewer.setStyle('aspect', '1:1');
    expect(viewer.addComment(ids[0]!, 'a note')).toBe(false);
    expect(viewer.addCharacter('Someone')).toBeNull();
    viewer.undo();
    expect(viewer.view).toBe(viewBefore);
    expect(viewer.canUndo).toBe(false);
    expect(viewer.pendingChanges).toBe(0);

    // Barrier: presence goes out on the same socket after anything the calls above sent, so once
    // the server has it, it has seen (and, from a viewer, refused with 4405) any update before it.
    viewer.setEditing(ids[0]!, 'description');
    await until(() => [...endpoint.awareness(room).getStates().values()].some((st) => (st as { editing?: { sceneId: string } }).editing?.sceneId === ids[0]), "the viewer's presence at the server");
    expect(viewer.closedCode).toBeNull();
    expect(Y.encodeStateVector(endpoint.doc(room))).toEqual(before);

    // The viewer still follows the editors live, and they see it.
    alice.setTitle('Harbour, revised');
    await until(() => viewer.view?.title === 'Harbour, revised', "alice's title at the viewer");
    await until(() => alice.presence.editingByScene.get(ids[0]!)?.[0]?.name === 'vera', "the viewer's presence at alice");
  });

  it('keeps edits made while the browser is offline, counts them unsent, and merges them with the others on reconnect', async () => {
    const { room, ids } = seed([{ description: 'one' }]);
    const alice = session(room, 'alice');
    const bob = session(room, 'bob');
    await Promise.all([online(alice), online(bob)]);

    setNetwork(false);
    expect(alice.connection).toBe('offline');
    await until(() => endpoint.connections(room) === 0, "the sockets' close at the server");

    alice.setTitle('Written offline');
    const added = alice.addScene()!;
    alice.setSceneField(ids[0]!, 'duration_sec', 6);
    expect(alice.pendingChanges).toBe(3);
    expect(alice.pendingOffline).toBe(true);
    expect(server(room).title).toBe('Harbour at dawn');

    // Meanwhile someone on another machine edits the same scene.
    const doc = endpoint.doc(room);
    doc.transact(() => sceneText(doc, 0, 'description').insert(3, ' (edited elsewhere)'));
    expect(alice.view!.scenes[0]!.description).toBe('one');

    setNetwork(true);
    await Promise.all([online(alice), online(bob)]);
    expect(alice.pendingChanges).toBe(0);
    await until(() => alice.view?.scenes[0]?.description === 'one (edited elsewhere)', "the other machine's edit at alice");
    await until(() => bob.view?.title === 'Written offline' && bob.view.scenes.length === 2, 'the offline edits at bob');
    expect(server(room)).toMatchObject({ title: 'Written offline' });
    expect(server(room).scenes.map((s) => [s.id, s.description, s.duration_sec])).toEqual([
      [ids[0], 'one (edited elsewhere)', 6],
      [added, '', 4],
    ]);
  });

  it('reconnects by itself when the server drops the socket, and edits flow again', async () => {
    const { room } = seed([{ description: 'one' }]);
    const alice = session(room, 'alice');
    await online(alice);
    expect(endpoint.attempts(room)).toBe(1);
    endpoint.drop(room, COLLAB_CLOSE.GOING_AWAY);
    await until(() => endpoint.attempts(room) === 2 && alice.connection === 'online', 'the reconnect');
    expect(alice.closedCode).toBeNull();
    alice.setTitle('After the drop');
    await until(() => server(room).title === 'After the drop', 'the edit at the server');
  });

  it('stops on a refusal the server means (4403) and says so; reconnect() tries once more', async () => {
    const { room } = seed([{ description: 'one' }]);
    const stranger = session(room, 'stranger', { token: 'stranger' });
    await until(() => stranger.connection === 'closed', 'the refusal');
    expect(stranger.closedCode).toBe(COLLAB_CLOSE.FORBIDDEN);
    expect(stranger.closedForGood).toBe(true);
    expect(stranger.loaded).toBe(false);
    expect(stranger.view?.scenes ?? []).toEqual([]);
    expect(stranger.provider.shouldConnect).toBe(false);
    expect(endpoint.attempts(room)).toBe(1);

    stranger.reconnect();
    expect(stranger.closedCode).toBeNull();
    await until(() => endpoint.attempts(room) === 2 && stranger.connection === 'closed', 'the second refusal');
    expect(stranger.closedCode).toBe(COLLAB_CLOSE.FORBIDDEN);
  });
});
