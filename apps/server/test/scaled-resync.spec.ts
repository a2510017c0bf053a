import { emptyStoryboard, newScene, sceneCount, sceneText, storyboardRoot, type Storyboard } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CollabDocuments, type CatchUpCause } from '../src/collab/collab-documents';
import { RedisConnections } from '../src/redis/redis-connections';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, login, type TestApp } from '../src/testing/test-app';
import { connectEditor, synced, until, type Editor } from './support/collab-clients';
import { sharedInstances, type SharedInstances } from './support/shared-instances';
import { TcpProxy } from './support/tcp-proxy';

const storyboardJson = (doc: Y.Doc) => JSON.stringify(storyboardRoot(doc).toJSON());
const description = (e: Editor) => sceneText(e.doc, 0, 'description');
/** Where `clientId`'s cursor is, as `e` sees the presence states. */
const cursorOf = (e: Editor, clientId: number) => (e.provider.awareness.getStates().get(clientId) as { cursor?: { at: number } } | undefined)?.cursor?.at;
const typeInto = (e: Editor, text: string) => {
  for (const ch of text) description(e).insert(description(e).length, ch);
};

/**
 * Waits until `app`'s hosted copy of the document holds `text` and has stored it: `idle()` alone
 * covers only the frames the instance has received, and the client's may still be in flight.
 */
const storedOn = (app: TestApp, projectId: string, text: string) =>
  until(`"${text}" stored by the instance`, () =>
    app.app.get(CollabDocuments).with(projectId, async (d) => {
      await d.idle();
      return sceneText(d.doc, 0, 'description').toString() === text;
    }),
  );

const oneScene = (): Storyboard => ({ ...emptyStoryboard('Night ferry', 'en'), scenes: [newScene({ description: '|' })] });

/**
 * Instance B reaches Redis through a proxy that the test cuts: while it is cut, what A's editors
 * type reaches B's only through the database, and B's editors' work reaches A's the same way.
 * Once B's connections are back, every loaded document re-reads its rows and both sides converge,
 * presence included, with nobody's WebSocket reconnecting.
 */
describe('a Yjs document across a Redis outage of one instance', () => {
  let instances: SharedInstances;
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;
  let projectId: string;
  const editors: Editor[] = [];
  const caughtUp: { on: 'A' | 'B'; projectId: string; cause: CatchUpCause }[] = [];

  const newProject = async (name: string) => {
    const admin = apiClient(a.baseUrl, await login(a.baseUrl, 'admin', ADMIN_PASSWORD));
    const created = await admin('POST', '/api/projects', { name });
    expect(created.status).toBe(201);
    await a.app.get(StoryboardStore).initialise(created.json.id as string, oneScene());
    return created.json.id as string;
  };

  beforeAll(async () => {
    instances = await sharedInstances({ redis: true });
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
    a = await instances.start();
    b = await instances.start({ REDIS_URL: proxy.url });
    a.app.get(CollabDocuments).onCaughtUp((id, cause) => caughtUp.push({ on: 'A', projectId: id, cause }));
    b.app.get(CollabDocuments).onCaughtUp((id, cause) => caughtUp.push({ on: 'B', projectId: id, cause }));
    projectId = await newProject('Across an outage');
  });

  afterAll(async () => {
    for (const e of editors) e.destroy();
    await instances?.close();
    await proxy?.close();
  });

  it("B's editors get what A's typed while B was cut off from Redis, and A's get B's, without reconnecting", async () => {
    const token = await login(a.baseUrl, 'admin', ADMIN_PASSWORD);
    const onA = connectEditor(a.baseUrl, projectId, token);
    const onB = [connectEditor(b.baseUrl, projectId, token), connectEditor(b.baseUrl, projectId, token)];
    editors.push(onA, ...onB);
    await Promise.all(editors.map(synced));
    await until('the scene on every client', () => editors.every((e) => sceneCount(e.doc) === 1));
    // Presence crosses the instances before the outage.
    onA.provider.awareness.setLocalStateField('cursor', { at: 0 });
    await until("A's cursor on B", () => onB.every((e) => cursorOf(e, onA.doc.clientID) === 0));
    // The sockets B's editors hold now must be the ones they hold at the end.
    const socketsOnB = onB.map((e) => e.provider.ws);
    let reconnects = 0;
    for (const e of onB) e.provider.on('connection-close', () => reconnects++);

    proxy.cut();
    const redisB = b.app.get(RedisConnections);
    await until('B to notice the outage', () => !redisB.ready);

    typeInto(onA, 'AAAAAAAAAA');
    typeInto(onB[0], 'bbbbbbbbbb');
    onA.provider.awareness.setLocalStateField('cursor', { at: 10 });
    // Stored by each instance and seen by the clients on the same instance, and by nobody else.
    await storedOn(a, projectId, '|AAAAAAAAAA');
    await storedOn(b, projectId, '|bbbbbbbbbb');
    await until("B's second client to get the first one's edits", () => description(onB[1]).toString() === '|bbbbbbbbbb');
    expect(description(onB[1]).toString()).toBe('|bbbbbbbbbb');
    expect(description(onA).toString()).toBe('|AAAAAAAAAA');

    const before = caughtUp.length;
    const restoredAt = performance.now();
    proxy.restore();
    // The hooks, not a guess: B re-read its rows once its subscriptions were back, then asked A to.
    await until('B to catch up after the outage', () => caughtUp.slice(before).some((c) => c.on === 'B' && c.projectId === projectId && c.cause === 'recovered'), 20_000);
    await until('A to catch up on B’s request', () => caughtUp.slice(before).some((c) => c.on === 'A' && c.projectId === projectId && c.cause === 'asked'), 10_000);

    // What was missing has been sent by now; a few milliseconds for the frames to arrive.
    const json = await until('every client to converge', () => {
      const all = editors.map((e) => storyboardJson(e.doc));
      return all.every((j) => j === all[0]) ? all[0] : null;
    }, 3000);
    console.log(`Redis reachable again: B's and A's editors converged ${Math.round(performance.now() - restoredAt)} ms later`);
    const text = description(onA).toString();
    expect(text.match(/A/g)).toHaveLength(10);
    expect(text.match(/b/g)).toHaveLength(10);
    expect(json).toBe(storyboardJson(onB[1].doc));
    // A's cursor moved during the outage: B's editors see the move now, not at the next 15-second renewal.
    await until("A's new cursor on B", () => onB.every((e) => cursorOf(e, onA.doc.clientID) === 10), 3000);
    // B's presence reaches A again as well.
    onB[0].provider.awareness.setLocalStateField('cursor', { at: 3 });
    await until("B's cursor on A", () => cursorOf(onA, onB[0].doc.clientID) === 3, 5000);

    expect(reconnects).toBe(0);
    expect(onB.every((e, i) => e.provider.ws === socketsOnB[i])).toBe(true);

    // Typing after the outage crosses Redis as usual again.
    typeInto(onB[1], '!');
    await until('a fresh edit from B on A', () => description(onA).toString().includes('!'), 5000);
  });

  it('a document B first opens during the outage loads what A stored, and hears A live once Redis is back', async () => {
    const id = await newProject('Opened during an outage');
    const token = await login(a.baseUrl, 'admin', ADMIN_PASSWORD);
    const onA = connectEditor(a.baseUrl, id, token);
    editors.push(onA);
    await synced(onA);
    await until('the scene on A', () => sceneCount(onA.doc) === 1);

    proxy.cut();
    await until('B to notice the outage', () => !b.app.get(RedisConnections).ready);
    typeInto(onA, 'before');
    await storedOn(a, id, '|before');
    // B loads the document from the rows; its subscription to the document's channel waits for Redis.
    const onB = connectEditor(b.baseUrl, id, token);
    editors.push(onB);
    await synced(onB);
    await until('the rows A stored, on B', () => sceneCount(onB.doc) === 1 && description(onB).toString() === '|before');
    typeInto(onB, '+');
    await storedOn(b, id, '|before+');

    const before = caughtUp.length;
    proxy.restore();
    await until('B to catch up', () => caughtUp.slice(before).some((c) => c.on === 'B' && c.projectId === id && c.cause === 'recovered'), 20_000);
    await until("B's edit of the outage on A", () => description(onA).toString() === '|before+', 3000);
    // The subscription made during the outage carries A's edits now.
    typeInto(onA, ' after');
    await until("A's later edit on B, live", () => description(onB).toString() === '|before+ after', 5000);
  });
});
