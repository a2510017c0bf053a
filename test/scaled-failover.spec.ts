import { appendScene, hasStoryboard, newScene, sceneCount, sceneText, storyboardRoot, type ClientToServerEvents, type ServerToClientEvents } from '@reelcraft/shared';
import { io, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
// The only way yjs is imported here: y-websocket and @reelcraft/shared load the same ESM copy, and
// a second copy would break Yjs's instanceof checks.
import * as Y from 'yjs';
import { scaledEnv, storedDocUpdates } from './support/scaled-env';
import { ServerProcess, api, loginAdmin, until } from './support/server-process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wsBase = (s: ServerProcess) => s.baseUrl.replace(/^http/, 'ws') + '/collab';
const storyboardJson = (doc: Y.Doc) => JSON.stringify(storyboardRoot(doc).toJSON());
const sameBytes = (x: Uint8Array, y: Uint8Array) => x.byteLength === y.byteLength && x.every((v, i) => v === y[i]);

/**
 * Whether `updates` add nothing to the document built from `rows`. The state vector alone could
 * miss an update whose dependencies are missing too (Yjs parks it as pending), so pending counts.
 */
function holds(rows: Uint8Array[], updates: Uint8Array[]): boolean {
  const doc = new Y.Doc();
  try {
    doc.transact(() => rows.forEach((u) => Y.applyUpdate(doc, u)));
    const before = Y.encodeStateVector(doc);
    doc.transact(() => updates.forEach((u) => Y.applyUpdate(doc, u)));
    return sameBytes(Y.encodeStateVector(doc), before) && doc.store.pendingStructs === null && doc.store.pendingDs === null;
  } finally {
    doc.destroy();
  }
}

interface Client {
  name: string;
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Every update this client got from a server, from its first connection on. */
  received: Uint8Array[];
  /** Closed sockets so far (the kill closes those on A). */
  closes: number;
  destroy(): void;
}

/**
 * A stock y-websocket client. When its socket closes it next dials `fallback`, as a browser
 * behind the reverse proxy would land on the surviving instance.
 */
function connect(name: string, server: ServerProcess, fallback: ServerProcess, projectId: string, token: string): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(wsBase(server), projectId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    // No BroadcastChannel: every client must get its state from a server, not from a sibling.
    disableBc: true,
    maxBackoffTime: 300,
  });
  const client: Client = {
    name,
    doc,
    provider,
    received: [],
    closes: 0,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
  doc.on('update', (u: Uint8Array, origin: unknown) => origin === provider && client.received.push(u));
  provider.on('connection-close', () => {
    client.closes += 1;
    provider.serverUrl = wsBase(fallback);
  });
  return client;
}

/**
 * Issue 14's failover promise, with real server processes: two instances on one PostgreSQL schema
 * and one Redis, editors on both typing into one storyboard, instance A SIGKILLed mid-typing. A's
 * editors reconnect to B and go on; nothing any editor typed or received is lost, everyone
 * converges, and the stored document is that same document.
 */
describe('two server processes on PostgreSQL + Redis: SIGKILL of one while editors type', () => {
  const clients: Client[] = [];
  const sockets: Socket[] = [];
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  let cleanUp: (() => Promise<void>) | undefined;

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const c of clients) c.destroy();
    await a?.dispose();
    await b?.dispose();
    await cleanUp?.();
  });

  it("A's editors reconnect to B and no edit anyone typed or received is lost; a Socket.IO client of A hears B's events", async () => {
    const scaled = await scaledEnv('failover');
    cleanUp = scaled.cleanUp;
    const env = { ...scaled.env, LOG_LEVEL: 'warn' };
    a = new ServerProcess(env);
    b = new ServerProcess(env);
    onTestFailed(() => console.log(`--- A's log ---\n${a!.log.slice(-4000)}\n--- B's log ---\n${b!.log.slice(-4000)}`));
    // One after the other: the first start runs the migrations.
    await a.start();
    await b.start();

    const admin = await loginAdmin(a.baseUrl);
    const tokens: Record<string, string> = {};
    for (const name of ['ann', 'ben', 'cat', 'dan', 'eve', 'fay']) {
      expect((await api(a.baseUrl, 'POST', '/api/users', admin, { username: name, password: `${name}-password` })).status).toBe(201);
      tokens[name] = (await api(a.baseUrl, 'POST', '/api/users/login', undefined, { username: name, password: `${name}-password` })).json.token;
    }
    const created = await api(a.baseUrl, 'POST', '/api/projects', tokens.ann, { name: 'Failover harbour' });
    expect(created.status).toBe(201);
    const projectId = created.json.id as string;
    const members: Record<string, string> = {};
    for (const name of ['ben', 'cat', 'dan', 'eve', 'fay']) {
      const added = await api(a.baseUrl, 'POST', `/api/projects/${projectId}/members`, tokens.ann, { username: name, role: name === 'fay' ? 'viewer' : 'editor' });
      expect(added.status).toBe(201);
      members[name] = added.json.user_id;
    }

    // Three editors on A, two on B.
    const onA = ['ann', 'ben', 'cat'].map((n) => connect(n, a!, b!, projectId, tokens[n]));
    const onB = ['dan', 'eve'].map((n) => connect(n, b!, b!, projectId, tokens[n]));
    clients.push(...onA, ...onB);
    await until('every editor synced with the initial storyboard', async () => clients.every((c) => c.provider.synced && hasStoryboard(c.doc)), 15_000);
    appendScene(onA[0].doc, newScene({ description: '|' }));
    await until('the scene on every editor', async () => clients.every((c) => sceneCount(c.doc) === 1 && sceneText(c.doc, 0, 'description').toString() === '|'), 15_000);

    // fay watches the project over Socket.IO through A; a browser re-joins its rooms on every connect.
    const fay: Socket<ServerToClientEvents, ClientToServerEvents> = io(a.baseUrl, { path: '/socket.io', transports: ['websocket'], auth: { token: tokens.fay }, reconnectionDelay: 100, reconnectionDelayMax: 300 });
    sockets.push(fay);
    let joins = 0;
    fay.on('connect', () => fay.emit('project:join', { project_id: projectId }, (ack) => ack.ok && joins++));
    // The Manager dials its `uri` on every reconnection attempt; the typings call it private.
    fay.on('disconnect', () => ((fay.io as unknown as { uri: string }).uri = b!.baseUrl));
    const roles: string[] = [];
    fay.on('project:role', (e) => e.project_id === projectId && roles.push(e.role));
    await until('fay in the project room on A', async () => joins === 1, 15_000);

    // Each editor types its own letter at random places, CHARS times, concurrently; A dies a third of the way in.
    const CHARS = 45;
    const letters = new Map(clients.map((c, i) => [c, 'abcde'[i]]));
    const typing = clients.map(async (c) => {
      for (let i = 0; i < CHARS; i++) {
        const text = sceneText(c.doc, 0, 'description');
        text.insert(Math.floor(Math.random() * (text.length + 1)), letters.get(c)!);
        await sleep(8 + Math.random() * 8);
      }
    });
    await until('a third of the typing', async () => clients.every((c) => (sceneText(c.doc, 0, 'description').toString().match(new RegExp(letters.get(c)!, 'g'))?.length ?? 0) >= CHARS / 3), 15_000);
    // What each editor holds right now, its own typing and everything it received included.
    const atKill = new Map(clients.map((c) => [c, Y.encodeStateVector(c.doc)]));
    const killedAt = performance.now();
    await a.kill('SIGKILL');
    // The invariant itself: whatever any editor has received by now was stored before it was sent,
    // so the rows as they are right now (before A's editors re-send their copies to B) hold it all.
    const receivedBeforeRead = new Map(clients.map((c) => [c, c.received.length]));
    const rowsAtKill = await storedDocUpdates(scaled.schema, projectId);
    await Promise.all(typing);

    await until("A's editors back, on B", async () => onA.every((c) => c.closes >= 1 && c.provider.wsconnected && c.provider.synced && c.provider.url.startsWith(wsBase(b!))), 20_000);
    const backOnB = performance.now() - killedAt;
    await until('every editor to converge', async () => clients.every((c) => sameBytes(Y.encodeStateVector(c.doc), Y.encodeStateVector(clients[0].doc))), 30_000);
    console.log(`after the SIGKILL: A's editors synced on B in ${Math.round(backOnB)} ms (typing went on meanwhile), all converged ${Math.round(performance.now() - killedAt)} ms after it; ${rowsAtKill.length} rows at the kill`);
    // B's editors never lost their connection.
    for (const c of onB) expect(c.closes).toBe(0);

    const json = storyboardJson(clients[0].doc);
    const text = sceneText(clients[0].doc, 0, 'description').toString();
    for (const c of clients) {
      expect(storyboardJson(c.doc)).toBe(json);
      // Every keystroke of every editor, before, during and after the kill.
      expect(text.match(new RegExp(letters.get(c)!, 'g'))).toHaveLength(CHARS);
    }
    expect(text.length).toBe(1 + CHARS * clients.length);

    for (const c of clients) expect(holds(rowsAtKill, c.received.slice(0, receivedBeforeRead.get(c))), `what ${c.name} had received when A died, in the rows`).toBe(true);

    // The stored document is the one everybody holds; what any editor received (and held at the kill) is in it.
    const rows = await storedDocUpdates(scaled.schema, projectId);
    const stored = new Y.Doc();
    stored.transact(() => rows.forEach((u) => Y.applyUpdate(stored, u)));
    expect(storyboardJson(stored)).toBe(json);
    expect(Y.encodeStateVector(stored)).toEqual(Y.encodeStateVector(clients[0].doc));
    stored.destroy();
    for (const c of clients) {
      expect(holds(rows, c.received), `everything ${c.name} received, in the rows`).toBe(true);
      // Its own typing too: what it held at the kill, acknowledged or not, reached the rows through B.
      const held = Y.decodeStateVector(atKill.get(c)!);
      const final = Y.decodeStateVector(Y.encodeStateVector(clients[0].doc));
      for (const [client, clock] of held) expect(final.get(client) ?? 0, `${c.name}'s state at the kill`).toBeGreaterThanOrEqual(clock);
    }

    // fay's Socket.IO client reconnected to B, joined again, and hears a change made there.
    await until('fay in the project room on B', async () => joins === 2 && fay.connected, 20_000);
    expect((await api(b.baseUrl, 'PATCH', `/api/projects/${projectId}/members/${members.fay}`, tokens.ann, { role: 'editor' })).status).toBe(200);
    await until('the role change to reach fay', async () => roles.includes('editor'), 10_000);
  });
});
