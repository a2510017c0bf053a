/**
 * The storyboard editor's main components, mounted in a DOM (happy-dom) around real sessions on a
 * real y-websocket endpoint: SceneCard (in a scene list wired as the project page wires it),
 * CollabTextarea, CharactersPanel and DeliveryPanel. Each user action is checked where it lands: in
 * the server's document and at a second editor. Waits are on states, never on a fixed delay.
 */
import { flushSync, mount, unmount } from 'svelte';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { COLLAB_CLOSE, LIMITS, emptyStoryboard, newScene, sceneText, writeStoryboard, type StoryboardScene } from '@reelcraft/shared';
import { StoryboardSession } from '$lib/collab/storyboard-session.svelte';
import { viewOf, type StoryboardView } from '$lib/collab/storyboard-view';
import { NodeWebSocket, startYEndpoint, until, type YEndpoint } from '$lib/collab/testing/y-endpoint';
import EditorHarness from '$lib/collab/testing/EditorHarness.svelte';
import { i18n } from '$lib/i18n/index.svelte';
import { confirmation } from '$lib/stores/confirm.svelte';
import CollabTextarea from './CollabTextarea.svelte';

let endpoint: YEndpoint;
const sessions: StoryboardSession[] = [];
const mounted: Record<string, unknown>[] = [];
let rooms = 0;

beforeAll(() => {
  vi.stubGlobal('WebSocket', NodeWebSocket);
  i18n.lang = 'en';
});
afterAll(() => vi.unstubAllGlobals());
beforeEach(async () => {
  endpoint = await startYEndpoint({ viewerTokens: ['vera-token'] });
});
afterEach(async () => {
  for (const c of mounted.splice(0)) unmount(c);
  document.body.innerHTML = '';
  confirmation.answer(false);
  for (const s of sessions.splice(0)) s.destroy();
  await endpoint.close();
});

function seed(scenes: Partial<StoryboardScene>[]): { room: string; ids: string[] } {
  const room = `c${++rooms}`;
  const sb = { ...emptyStoryboard('Harbour at dawn', 'en' as const), scenes: scenes.map((s) => newScene(s)) };
  writeStoryboard(endpoint.doc(room), sb);
  return { room, ids: sb.scenes.map((s) => s.id) };
}

async function join(room: string, username: string, readOnly = false): Promise<StoryboardSession> {
  const s = new StoryboardSession({ projectId: room, username, token: `${username}-token`, readOnly, origin: endpoint.origin });
  sessions.push(s);
  await until(() => s.loaded && s.connection === 'online', `${username} online`);
  return s;
}

/** The editor column for `session`, mounted; `moves` records what the cards reported as moved. */
function editor(session: StoryboardSession): { root: HTMLElement; moves: [string, number][] } {
  const root = document.createElement('div');
  document.body.append(root);
  const moves: [string, number][] = [];
  mounted.push(mount(EditorHarness, { target: root, props: { session, onmoved: (id: string, at: number) => moves.push([id, at]) } }));
  flushSync();
  return { root, moves };
}

const server = (room: string): StoryboardView => viewOf(endpoint.doc(room))!;
const byId = <T extends Element = HTMLElement>(root: ParentNode, testid: string): T[] => [...root.querySelectorAll<T & Element>(`[data-testid="${testid}"]`)] as T[];
const one = <T extends Element = HTMLElement>(root: ParentNode, testid: string): T => {
  const found = byId<T>(root, testid);
  if (found.length !== 1) throw new Error(`${found.length} elements with data-testid="${testid}"`);
  return found[0]!;
};
const card = (root: ParentNode, sceneId: string): HTMLElement => root.querySelector<HTMLElement>(`[data-testid="scene-card"][data-scene-id="${sceneId}"]`)!;

/** What a person typing does: the field's new value, the caret, then an input event. */
function type(el: HTMLInputElement | HTMLTextAreaElement, value: string, caret = value.length): void {
  el.value = value;
  el.setSelectionRange(caret, caret);
  el.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}
function choose(el: HTMLInputElement | HTMLSelectElement, value: string): void {
  el.value = value;
  el.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
}
function tick(el: HTMLInputElement, checked: boolean): void {
  el.checked = checked;
  el.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
}
function click(el: HTMLElement): void {
  el.click();
  flushSync();
}
/** Waits until the DOM, re-rendered after each socket message, satisfies `check`. */
const rendered = (check: () => boolean, what: string) =>
  until(() => {
    flushSync();
    return check();
  }, what);

describe('SceneCard in the scene list', () => {
  it("renders every scene of the session's document with its text and settings", async () => {
    const { room, ids } = seed([
      { description: 'Boats leave the harbour', subtitle: 'Dawn', camera: { shot: 'wide', move: 'pan-left', speed: 2 }, duration_sec: 6, transition: 'crossfade' },
      { description: 'Gulls over the pier', locked: true },
    ]);
    const { root } = editor(await join(room, 'alice'));
    const cards = byId(root, 'scene-card');
    expect(cards.map((c) => c.dataset.sceneId)).toEqual(ids);
    expect(cards.map((c) => c.querySelector('h3')!.textContent)).toEqual(['Scene 1', 'Scene 2']);
    const first = cards[0]!;
    expect(one<HTMLTextAreaElement>(first, 'scene-description').value).toBe('Boats leave the harbour');
    expect(one<HTMLTextAreaElement>(first, 'scene-subtitle').value).toBe('Dawn');
    expect(one<HTMLSelectElement>(first, 'scene-shot').value).toBe('wide');
    expect(one<HTMLSelectElement>(first, 'scene-move').value).toBe('pan-left');
    expect(one<HTMLSelectElement>(first, 'scene-speed').value).toBe('2');
    expect(one<HTMLInputElement>(first, 'scene-duration').value).toBe('6');
    expect(one<HTMLSelectElement>(first, 'scene-transition').value).toBe('crossfade');
    expect(one<HTMLButtonElement>(first, 'scene-move-up').disabled).toBe(true);
    expect(one<HTMLButtonElement>(first, 'scene-move-down').disabled).toBe(false);
    // The second scene is locked: the planner's tools are off for it, and the first cannot merge into it.
    expect(one<HTMLInputElement>(cards[1]!, 'scene-lock').checked).toBe(true);
    expect(one<HTMLButtonElement>(cards[1]!, 'scene-rewrite').disabled).toBe(true);
    expect(one<HTMLButtonElement>(first, 'scene-merge').disabled).toBe(true);
    expect(one<HTMLButtonElement>(cards[1]!, 'scene-move-down').disabled).toBe(true);
  });

  it('typing in a scene edits the shared text, which another editor sees; their typing shows here with the caret kept', async () => {
    const { room, ids } = seed([{ description: 'Boats leave the harbour' }]);
    const alice = await join(room, 'alice');
    const bob = await join(room, 'bob');
    const { root } = editor(alice);
    const desc = one<HTMLTextAreaElement>(card(root, ids[0]!), 'scene-description');

    type(desc, 'Boats leave the harbour at dawn');
    await until(() => bob.view?.scenes[0]?.description === 'Boats leave the harbour at dawn', "alice's typing at bob");
    type(one<HTMLTextAreaElement>(card(root, ids[0]!), 'scene-subtitle'), 'Dawn');
    await until(() => server(room).scenes[0]?.subtitle === 'Dawn', 'the subtitle at the server');

    // Alice's caret sits after "Boats"; bob types in front of it.
    desc.focus();
    desc.setSelectionRange(5, 5);
    const text = bob.sceneText(ids[0]!, 'description')!;
    bob.doc.transact(() => text.insert(0, 'Two '), bob.localOrigin);
    await rendered(() => desc.value === 'Two Boats leave the harbour at dawn', "bob's typing in alice's textarea");
    expect([desc.selectionStart, desc.selectionEnd]).toEqual([9, 9]);
  });

  it('the camera, duration, transition and lock controls set the scene; the duration is kept within its limits', async () => {
    const { room, ids } = seed([{ description: 'one' }, { description: 'two' }]);
    const { root } = editor(await join(room, 'alice'));
    const c = card(root, ids[1]!);
    choose(one<HTMLSelectElement>(c, 'scene-shot'), 'close-up');
    choose(one<HTMLSelectElement>(c, 'scene-move'), 'zoom-in');
    choose(one<HTMLSelectElement>(c, 'scene-transition'), 'fade-black');
    choose(one<HTMLInputElement>(c, 'scene-duration'), '999');
    tick(one<HTMLInputElement>(c, 'scene-chained'), true);
    tick(one<HTMLInputElement>(c, 'scene-lock'), true);
    await until(() => server(room).scenes[1]?.locked === true, 'the lock at the server');
    expect(server(room).scenes[1]).toMatchObject({
      camera: { shot: 'close-up', move: 'zoom-in', speed: 1 },
      transition: 'fade-black',
      duration_sec: LIMITS.sceneDurationSec.max,
      chained: true,
    });
    expect(server(room).scenes[0]).toMatchObject({ camera: { shot: 'medium', move: 'static' }, locked: false });
    // The card shows the clamped duration and the lock's effect on the first card's merge.
    expect(one<HTMLInputElement>(card(root, ids[1]!), 'scene-duration').value).toBe(String(LIMITS.sceneDurationSec.max));
    expect(one<HTMLButtonElement>(card(root, ids[0]!), 'scene-merge').disabled).toBe(true);
  });

  it('moves scenes with the arrows (reporting the new position), duplicates them, and deletes only after the confirmation', async () => {
    const { room, ids } = seed([{ description: 'one' }, { description: 'two' }]);
    const alice = await join(room, 'alice');
    const bob = await join(room, 'bob');
    const { root, moves } = editor(alice);

    click(one(card(root, ids[0]!), 'scene-move-down'));
    expect(moves).toEqual([[ids[0], 2]]);
    expect(byId(root, 'scene-card').map((c) => c.dataset.sceneId)).toEqual([ids[1], ids[0]]);
    await until(() => bob.view?.scenes.map((s) => s.id).join() === [ids[1], ids[0]].join(), 'the move at bob');

    click(one(card(root, ids[0]!), 'scene-duplicate'));
    const order = byId(root, 'scene-card').map((c) => c.dataset.sceneId!);
    expect(order).toHaveLength(3);
    expect(order.slice(0, 2)).toEqual([ids[1], ids[0]]);
    await until(() => server(room).scenes.length === 3, 'the copy at the server');
    expect(server(room).scenes[2]).toMatchObject({ id: order[2], description: 'one' });

    click(one(card(root, ids[1]!), 'scene-delete'));
    expect(confirmation.current).toMatchObject({ danger: true });
    confirmation.answer(false);
    await Promise.resolve();
    flushSync();
    expect(byId(root, 'scene-card')).toHaveLength(3);

    click(one(card(root, ids[1]!), 'scene-delete'));
    confirmation.answer(true);
    await rendered(() => byId(root, 'scene-card').length === 2, 'the deleted card gone');
    await until(() => bob.view?.scenes.length === 2 && !bob.view.scenes.some((s) => s.id === ids[1]), 'the delete at bob');
  });

  it('posts, resolves and deletes comments; shows who else is editing the scene; tells others where this user is', async () => {
    const { room, ids } = seed([{ description: 'one' }]);
    const alice = await join(room, 'alice');
    const bob = await join(room, 'bob');
    const { root } = editor(alice);
    const c = () => card(root, ids[0]!);

    click(one(c(), 'scene-comments-toggle'));
    const input = one<HTMLInputElement>(c(), 'comment-input');
    expect(one<HTMLButtonElement>(c(), 'comment-add').disabled).toBe(true);
    type(input, 'Make it foggier');
    click(one(c(), 'comment-add'));
    expect(input.value).toBe('');
    expect(byId(c(), 'scene-comment').map((e) => e.querySelector('p')!.textContent)).toEqual(['Make it foggier']);
    await until(() => bob.view?.scenes[0]?.comments[0]?.author === 'alice', 'the comment at bob');

    const actions = () => [...one(c(), 'scene-comment').querySelectorAll<HTMLButtonElement>('.comment-actions button')];
    expect(actions().map((b) => b.textContent?.trim())).toEqual(['Resolve', 'Delete']);
    click(actions()[0]!);
    await until(() => bob.view?.scenes[0]?.comments[0]?.resolved === true, 'the resolve at bob');
    // Resolved comments are folded away until asked for.
    expect(byId(c(), 'scene-comment')).toHaveLength(0);

    // Bob is in the subtitle: the card says so.
    bob.setEditing(ids[0]!, 'subtitle');
    await rendered(() => byId(c(), 'remote-editing').length === 1, "bob's tag on the card");
    expect(one(c(), 'remote-editing').dataset.user).toBe('bob');
    // Alice goes into the description: bob learns it.
    one<HTMLTextAreaElement>(c(), 'scene-description').focus();
    await until(() => bob.presence.editingByScene.get(ids[0]!)?.[0]?.field === 'description', "alice's field at bob");
  });

  it("for a viewer: no move, duplicate or delete, no comment box, disabled fields; typing sends nothing", async () => {
    const { room, ids } = seed([{ description: 'one', subtitle: 'sub' }]);
    const vera = await join(room, 'vera', true);
    const { root } = editor(vera);
    const c = card(root, ids[0]!);
    for (const id of ['scene-move-up', 'scene-move-down', 'scene-duplicate', 'scene-delete', 'character-new-name']) expect(byId(root, id)).toHaveLength(0);
    expect(c.querySelector('.grip')).toBeNull();
    const desc = one<HTMLTextAreaElement>(c, 'scene-description');
    expect([desc.disabled, desc.readOnly]).toEqual([true, true]);
    for (const id of ['scene-shot', 'scene-duration', 'scene-lock', 'scene-rewrite']) expect(one<HTMLInputElement>(c, id).disabled).toBe(true);
    click(one(c, 'scene-comments-toggle'));
    expect(byId(c, 'comment-input')).toHaveLength(0);

    const before = Y.encodeStateVector(endpoint.doc(room));
    type(desc, 'one, rewritten by a viewer');
    choose(one<HTMLSelectElement>(c, 'scene-shot'), 'aerial');
    expect(vera.view!.scenes[0]).toMatchObject({ description: 'one', camera: { shot: 'medium' } });
    // Barrier: presence after the (absent) edits on the same socket; the endpoint closes a viewer that sends one.
    vera.setEditing(ids[0]!, 'description');
    await until(() => [...endpoint.awareness(room).getStates().values()].some((s) => (s as { editing?: unknown }).editing), "the viewer's presence at the server");
    expect(vera.closedCode).not.toBe(COLLAB_CLOSE.READ_ONLY);
    expect(Y.encodeStateVector(endpoint.doc(room))).toEqual(before);
  });
});

describe('CharactersPanel and DeliveryPanel', () => {
  it('adds a character, renames it, writes its look, casts it into a scene, and removes it after the confirmation', async () => {
    const { room, ids } = seed([{ description: 'one' }]);
    const alice = await join(room, 'alice');
    const bob = await join(room, 'bob');
    const { root } = editor(alice);
    const panel = one(root, 'characters-panel');
    click(one(panel, 'characters-toggle'));
    const name = one<HTMLInputElement>(panel, 'character-new-name');
    expect(one<HTMLButtonElement>(panel, 'character-add').disabled).toBe(true);
    type(name, 'Keeper');
    click(one(panel, 'character-add'));
    expect(name.value).toBe('');
    await until(() => bob.view?.characters[0]?.name === 'Keeper', 'the character at bob');
    const id = bob.view!.characters[0]!.id;

    type(one<HTMLInputElement>(panel, 'character-name'), 'Lighthouse keeper');
    type(one<HTMLTextAreaElement>(panel, 'character-description'), 'grey beard, yellow coat');
    await until(() => server(room).characters[0]?.description === 'grey beard, yellow coat', 'the look at the server');
    expect(server(room).characters[0]!.name).toBe('Lighthouse keeper');

    // Every scene card now offers the character.
    const chip = one<HTMLInputElement>(card(root, ids[0]!), 'scene-character');
    expect(chip.parentElement!.textContent!.trim()).toBe('Lighthouse keeper');
    tick(chip, true);
    await until(() => bob.view?.scenes[0]?.character_ids.join() === id, 'the cast at bob');

    click(one(panel, 'character-remove'));
    confirmation.answer(true);
    await rendered(() => byId(panel, 'character-row').length === 0, 'the character gone from the panel');
    await until(() => bob.view?.characters.length === 0, 'the removal at bob');
  });

  it('delivery: subtitles, narration and music switches and values land in the document; a bad fade is put back', async () => {
    const { room } = seed([{ description: 'one' }]);
    const alice = await join(room, 'alice');
    const { root } = editor(alice);
    const panel = one(root, 'delivery-panel');
    click(one(panel, 'delivery-toggle'));
    const before = server(room);

    tick(one<HTMLInputElement>(panel, 'delivery-burn'), !before.output.burn_subtitles);
    tick(one<HTMLInputElement>(panel, 'delivery-narration'), !before.output.narration);
    await until(() => server(room).output.narration === !before.output.narration, 'narration at the server');
    expect(server(room).output.burn_subtitles).toBe(!before.output.burn_subtitles);
    // The size and place of subtitles follow the burn switch.
    expect(one<HTMLInputElement>(panel, 'delivery-scale').disabled).toBe(before.output.burn_subtitles);

    if (!before.music.enabled) tick(one<HTMLInputElement>(panel, 'delivery-music'), true);
    const fadeIn = one<HTMLInputElement>(panel, 'delivery-fade-in');
    expect(fadeIn.disabled).toBe(false);
    choose(fadeIn, '3');
    await until(() => server(room).music.fade_in_sec === 3 && server(room).music.enabled, 'the fade at the server');
    choose(fadeIn, '');
    expect(fadeIn.value).toBe('3');
    expect(alice.view!.music.fade_in_sec).toBe(3);
  });
});

describe('CollabTextarea', () => {
  /**
   * Two replicas of one Y.Text. Updates travel when `exchange()` is called, as over a network: what
   * each side did in between is concurrent. `live` replicas exchange at once.
   */
  function replicas(initial: string, live = true) {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const toA: Uint8Array[] = [];
    const toB: Uint8Array[] = [];
    const exchange = () => {
      for (const u of toB.splice(0)) Y.applyUpdate(b, u, 'remote');
      for (const u of toA.splice(0)) Y.applyUpdate(a, u, 'remote');
    };
    a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && (toB.push(u), live && exchange()));
    b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && (toA.push(u), live && exchange()));
    a.getText('t').insert(0, initial);
    exchange();
    return { a: a.getText('t'), b: b.getText('t'), exchange };
  }

  function textarea(ytext: Y.Text, origin: object, disabled = false): HTMLTextAreaElement {
    const target = document.createElement('div');
    document.body.append(target);
    mounted.push(mount(CollabTextarea, { target, props: { ytext, origin, disabled, testid: 'ta' } }));
    flushSync();
    return one<HTMLTextAreaElement>(target, 'ta');
  }

  it("sends one splice per input, so typing merges with another replica's concurrent edit", () => {
    const { a, b, exchange } = replicas('the quick fox', false);
    const el = textarea(a, {});
    expect(el.value).toBe('the quick fox');
    // b writes "very " in front while this side types "brown " further on; neither has the other's edit yet.
    b.insert(4, 'very ');
    type(el, 'the quick brown fox', 16);
    expect(a.toString()).toBe('the quick brown fox');
    exchange();
    flushSync();
    expect(a.toString()).toBe('the very quick brown fox');
    expect(b.toString()).toBe('the very quick brown fox');
    expect(el.value).toBe('the very quick brown fox');
  });

  it('holds everything while an input method composes, then sends the composed text where it now belongs', () => {
    const { a, b } = replicas('晚上好');
    const el = textarea(a, {});
    el.focus();
    el.dispatchEvent(new Event('compositionstart', { bubbles: true }));
    el.value = '晚上好wan';
    el.setSelectionRange(6, 6);
    el.dispatchEvent(new InputEvent('input', { bubbles: true, isComposing: true }));
    flushSync();
    expect(a.toString()).toBe('晚上好');
    // Another editor types in front meanwhile: the textarea is left alone until the composition ends.
    b.insert(0, '大家');
    flushSync();
    expect(el.value).toBe('晚上好wan');
    el.value = '晚上好晚安';
    el.setSelectionRange(5, 5);
    el.dispatchEvent(new Event('compositionend', { bubbles: true }));
    flushSync();
    expect(a.toString()).toBe('大家晚上好晚安');
    expect(b.toString()).toBe('大家晚上好晚安');
    expect(el.value).toBe('大家晚上好晚安');
    expect(el.selectionStart).toBe(7);
  });

  it('a disabled textarea changes nothing', () => {
    const { a } = replicas('fixed');
    const el = textarea(a, {}, true);
    type(el, 'changed');
    expect(a.toString()).toBe('fixed');
  });

  it('keeps a scene description the same Y.Text a StoryboardSession edits', () => {
    // The session hands the card the live Y.Text of the scene; a rewrite through the shared helpers
    // shows in the textarea at once.
    const doc = new Y.Doc();
    writeStoryboard(doc, { ...emptyStoryboard('t', 'en'), scenes: [newScene({ description: 'one' })] });
    const el = textarea(sceneText(doc, 0, 'description'), {});
    doc.transact(() => sceneText(doc, 0, 'description').insert(3, ' two'));
    flushSync();
    expect(el.value).toBe('one two');
  });
});
