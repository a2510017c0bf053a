import * as encoding from 'lib0/encoding';
import { COLLAB_CLOSE, deleteScene, moveScene, newScene, readStoryboard, sceneCount, sceneIndexOf, sceneMap, sceneText, storyboardRoot, type Storyboard } from '@reelcraft/shared';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CollabDocuments } from '../src/collab/collab-documents';
import { CollabLimits } from '../src/collab/collab-limits';
import { CollabServer } from '../src/collab/collab-server';
import { DOC_UPDATE } from '../src/collab/doc-update.entity';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, restartableTestDatabase, startTestApp, type TestApp } from '../src/testing/test-app';
import { connectEditor, rawSocket, synced, until, type Editor } from './support/collab-clients';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const storyboardJson = (e: Editor) => JSON.stringify(storyboardRoot(e.doc).toJSON());

function threeScenes(): Storyboard {
  return {
    title: 'Harbour at dawn',
    language: 'en',
    style: { style_prompt: '', negative_prompt: '', seed: 0, aspect: '16:9', width: 640, height: 360, fps: 24 },
    characters: [],
    music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
    scenes: ['boats leave', 'gulls circle', 'sun rises'].map((description) => newScene({ description })),
  };
}

/** A sync-update frame carrying `update`, as a client would send it. */
function updateFrame(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

interface World {
  t: TestApp;
  tokens: Record<'alice' | 'bob' | 'carol' | 'vic' | 'mallory', string>;
  ids: Record<string, string>;
  newProject(sb?: Storyboard): Promise<string>;
  rows(projectId: string): Promise<number>;
}

async function world(t: TestApp): Promise<World> {
  const admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
  const ids: Record<string, string> = {};
  const tokens = {} as World['tokens'];
  for (const name of ['alice', 'bob', 'carol', 'vic', 'mallory'] as const) {
    const created = await admin('POST', '/api/users', { username: name, password: `${name}-password` });
    ids[name] = created.json.id;
    tokens[name] = await login(t.baseUrl, name, `${name}-password`);
  }
  const alice = apiClient(t.baseUrl, tokens.alice);
  const db = t.app.get(DataSource);
  return {
    t,
    tokens,
    ids,
    async newProject(sb = threeScenes()) {
      const created = await alice('POST', '/api/projects', { name: 'Harbour' });
      expect(created.status).toBe(201);
      const id = created.json.id as string;
      for (const [username, role] of [['bob', 'editor'], ['carol', 'editor'], ['vic', 'viewer']]) {
        expect((await alice('POST', `/api/projects/${id}/members`, { username, role })).status).toBe(201);
      }
      await t.app.get(StoryboardStore).initialise(id, sb);
      return id;
    },
    rows: (projectId) => db.getRepository(DOC_UPDATE).count({ where: { project_id: projectId } }),
  };
}

describe('Yjs documents at /collab/<projectId>', () => {
  let w: World;
  const editors: Editor[] = [];
  const connect = (projectId: string, token: string | null) => {
    const e = connectEditor(w.t.baseUrl, projectId, token);
    editors.push(e);
    return e;
  };

  beforeAll(async () => {
    w = await world(await startTestApp(defaultTestDatabase()));
  });
  afterAll(async () => {
    for (const e of editors) e.destroy();
    await w?.t.close();
  });

  it('lets three stock y-websocket clients type, reorder and delete at once, and converge on a valid storyboard', async () => {
    const pid = await w.newProject();
    const [a, b, c] = [connect(pid, w.tokens.alice), connect(pid, w.tokens.bob), connect(pid, w.tokens.carol)];
    await Promise.all([a, b, c].map(synced));
    await until('the initial scenes', () => [a, b, c].every((e) => sceneCount(e.doc) === 3));

    // All three type into the same description while one of them reorders and deletes the others
    // (a scene moved while someone types in it loses that typing: see storyboard-ydoc.ts).
    const boats = sceneMap(a.doc, 0).get('id') as string;
    const typing = async (e: Editor, text: string, at: 'start' | 'end') => {
      for (const ch of text) {
        const t = sceneText(e.doc, sceneIndexOf(e.doc, boats), 'description');
        t.insert(at === 'start' ? 0 : t.length, ch);
        await sleep(5);
      }
    };
    await Promise.all([
      typing(a, 'AAAA', 'start'),
      typing(b, 'BBBB', 'end'),
      (async () => {
        await typing(c, 'CC', 'end');
        moveScene(c.doc, 2, 0);
        await sleep(10);
        deleteScene(c.doc, 2);
      })(),
    ]);

    const json = await until('convergence', () => {
      const all = [a, b, c].map(storyboardJson);
      return all.every((j) => j === all[0]) ? all[0] : null;
    });
    const read = readStoryboard(a.doc);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.value.scenes.map((s) => s.description.replace(/[ABC]/g, ''))).toEqual(['sun rises', 'boats leave']);
    const edited = read.value.scenes[1].description;
    for (const ch of 'ABC') expect(edited.split(ch).length - 1).toBe(ch === 'C' ? 2 : 4);

    // The server's copy is the same, and it is what a fresh client loads.
    expect(await w.t.app.get(StoryboardStore).snapshot(pid)).toEqual(read.value);
    const late = connect(pid, w.tokens.bob);
    await synced(late);
    await until('the late joiner to match', () => storyboardJson(late) === json);
    expect(await w.rows(pid)).toBeGreaterThan(1);
  });

  it("keeps a viewer's edit from everyone else and from the database, and closes the viewer with 4405", async () => {
    const pid = await w.newProject();
    const [a, v] = [connect(pid, w.tokens.alice), connect(pid, w.tokens.vic)];
    await Promise.all([a, v].map(synced));
    sceneText(a.doc, 0, 'description').insert(0, 'seen by all ');
    await until('the viewer to receive the edit', () => sceneText(v.doc, 0, 'description').toString().startsWith('seen by all '));
    const rowsBefore = await w.rows(pid);

    sceneText(v.doc, 0, 'description').insert(0, 'VIEWER ');
    expect((await v.closed).code).toBe(COLLAB_CLOSE.READ_ONLY);
    await sleep(200);
    expect(sceneText(a.doc, 0, 'description').toString()).not.toContain('VIEWER');
    expect(await w.rows(pid)).toBe(rowsBefore);
    const fresh = connect(pid, w.tokens.bob);
    await synced(fresh);
    await until('the fresh client to load', () => sceneCount(fresh.doc) === 3);
    expect(sceneText(fresh.doc, 0, 'description').toString()).not.toContain('VIEWER');
  });

  it('lets a viewer reconnect and watch: re-sending what it already has is not an edit', async () => {
    const pid = await w.newProject();
    const a = connect(pid, w.tokens.alice);
    await synced(a);
    sceneText(a.doc, 1, 'description').delete(0, 6);
    const v = connect(pid, w.tokens.vic);
    await synced(v);
    await until('the viewer to load', () => sceneCount(v.doc) === 3 && sceneText(v.doc, 1, 'description').toString() === 'circle');
    v.provider.disconnect();
    v.provider.connect();
    await synced(v);
    sceneText(a.doc, 1, 'description').insert(0, 'two ');
    await until('the viewer to keep receiving', () => sceneText(v.doc, 1, 'description').toString() === 'two circle');
  });

  it("tells a repeated deletion from a new one: a viewer may re-send one, an editor's new one is stored and relayed", async () => {
    const pid = await w.newProject();
    const [a, b] = [connect(pid, w.tokens.alice), connect(pid, w.tokens.bob)];
    await Promise.all([a, b].map(synced));
    const deletions: Uint8Array[] = [];
    a.doc.on('update', (u: Uint8Array) => deletions.push(u));
    sceneText(a.doc, 0, 'description').delete(0, 6); // "boats leave" → "leave"
    await until('b to see the deletion', () => sceneText(b.doc, 0, 'description').toString() === 'leave');
    const rows = await w.rows(pid);

    // The viewer re-sends exactly that deletion (as a reconnecting client would): nothing happens.
    const viewer = rawSocket(w.t.baseUrl, pid, w.tokens.vic);
    await viewer.opened;
    await viewer.firstMessage;
    viewer.ws.send(updateFrame(deletions[0]!));
    await sleep(300);
    expect(viewer.ws.readyState).toBe(viewer.ws.OPEN);
    expect(await w.rows(pid)).toBe(rows);

    // A deletion of text b has but a has not deleted yet is an edit: stored, relayed, and a viewer sending it is refused.
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(b.doc));
    const sv = Y.encodeStateVector(copy);
    sceneText(copy, 0, 'description').delete(0, 2);
    const fresh = Y.encodeStateAsUpdate(copy, sv);
    viewer.ws.send(updateFrame(fresh));
    expect((await viewer.closed).code).toBe(COLLAB_CLOSE.READ_ONLY);
    const editor = rawSocket(w.t.baseUrl, pid, w.tokens.carol);
    await editor.opened;
    await editor.firstMessage;
    editor.ws.send(updateFrame(fresh));
    await until('a to receive the new deletion', () => sceneText(a.doc, 0, 'description').toString() === 'ave');
    expect(await w.rows(pid)).toBe(rows + 1);
    editor.ws.close();
  });

  it('refuses a non-member (4403), a bad token and no token (4401)', async () => {
    const pid = await w.newProject();
    expect((await connect(pid, w.tokens.mallory).closed).code).toBe(COLLAB_CLOSE.FORBIDDEN);
    expect((await connect(pid, 'not-a-session').closed).code).toBe(COLLAB_CLOSE.UNAUTHENTICATED);
    expect((await connect(pid, null).closed).code).toBe(COLLAB_CLOSE.UNAUTHENTICATED);
    expect((await connect('no-such-project', w.tokens.alice).closed).code).toBe(COLLAB_CLOSE.FORBIDDEN);
  });

  it('disconnects a member the moment they are removed, and makes a demoted editor read-only', async () => {
    const pid = await w.newProject();
    const [b, c] = [connect(pid, w.tokens.bob), connect(pid, w.tokens.carol)];
    await Promise.all([b, c].map(synced));
    const alice = apiClient(w.t.baseUrl, w.tokens.alice);
    expect((await alice('DELETE', `/api/projects/${pid}/members/${w.ids.bob}`)).status).toBe(204);
    expect((await b.closed).code).toBe(COLLAB_CLOSE.FORBIDDEN);

    expect((await alice('PATCH', `/api/projects/${pid}/members/${w.ids.carol}`, { role: 'viewer' })).status).toBe(200);
    // The collab edge applies the new role to open sockets after reading it back, which may be after
    // the PATCH has answered: wait until carol's socket is read-only there, not for a fixed time.
    const edge = w.t.app.get(CollabServer) as unknown as { connections: Set<{ projectId: string; userId: string; readOnly: boolean }> };
    await until("carol's socket read-only at the collab edge", () => [...edge.connections].some((x) => x.projectId === pid && x.userId === w.ids.carol && x.readOnly));
    sceneText(c.doc, 0, 'description').insert(0, 'no longer allowed ');
    expect((await c.closed).code).toBe(COLLAB_CLOSE.READ_ONLY);
  });

  it('closes only the offending connection for malformed, oversized, flooding and document-bloating frames', async () => {
    const pid = await w.newProject();
    const limits = w.t.app.get(CollabLimits);
    const [a, b] = [connect(pid, w.tokens.alice), connect(pid, w.tokens.bob)];
    await Promise.all([a, b].map(synced));

    const offend = async (frame: Uint8Array | Uint8Array[]) => {
      const raw = rawSocket(w.t.baseUrl, pid, w.tokens.carol);
      await raw.opened;
      await raw.firstMessage;
      for (const f of Array.isArray(frame) ? frame : [frame]) raw.ws.send(f);
      const closed = await raw.closed;
      // Meanwhile the others keep editing and hearing each other.
      const mark = `ok${Math.random().toString(36).slice(2, 6)} `;
      sceneText(a.doc, 2, 'subtitle').insert(0, mark);
      await until('b to hear a after the offender left', () => sceneText(b.doc, 2, 'subtitle').toString().startsWith(mark));
      return closed.code;
    };

    expect(await offend(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(COLLAB_CLOSE.MALFORMED);
    expect(await offend(Uint8Array.from([9]))).toBe(COLLAB_CLOSE.MALFORMED);
    expect(await offend(updateFrame(Uint8Array.from([5, 200, 1, 2, 3, 0xff, 0xff])))).toBe(COLLAB_CLOSE.MALFORMED);
    expect(await offend(Uint8Array.from([0, 0, 10, 1]))).toBe(COLLAB_CLOSE.MALFORMED); // truncated state vector

    limits.frameBytes = 16 * 1024;
    try {
      expect(await offend(new Uint8Array(20 * 1024))).toBe(COLLAB_CLOSE.TOO_LARGE);
    } finally {
      limits.frameBytes = new CollabLimits().frameBytes;
    }

    limits.messageBurst = 20;
    limits.messagesPerSecond = 5;
    try {
      expect(await offend(Array.from({ length: 200 }, () => Uint8Array.from([3])))).toBe(COLLAB_CLOSE.RATE_LIMITED);
    } finally {
      Object.assign(limits, { messageBurst: new CollabLimits().messageBurst, messagesPerSecond: new CollabLimits().messagesPerSecond });
    }

    const before = sceneText(a.doc, 0, 'description').toString();
    limits.documentBytes = Y.encodeStateAsUpdate(a.doc).byteLength + 4 * 1024;
    try {
      const big = new Y.Doc();
      Y.applyUpdate(big, Y.encodeStateAsUpdate(a.doc));
      const sv = Y.encodeStateVector(big);
      sceneText(big, 0, 'description').insert(0, 'x'.repeat(8 * 1024));
      expect(await offend(updateFrame(Y.encodeStateAsUpdate(big, sv)))).toBe(COLLAB_CLOSE.TOO_LARGE);
    } finally {
      limits.documentBytes = new CollabLimits().documentBytes;
    }
    expect(sceneText(b.doc, 0, 'description').toString()).toBe(before);
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);
  });

  it('compacts every N updates, unloads an idle document after the grace period and serves it whole again', async () => {
    const pid = await w.newProject();
    const limits = w.t.app.get(CollabLimits);
    const documents = w.t.app.get(CollabDocuments);
    Object.assign(limits, { compactEvery: 10, unloadAfterMs: 150 });
    try {
      const a = connect(pid, w.tokens.alice);
      await synced(a);
      for (const ch of 'thirty-one characters, one by 1') {
        const t = sceneText(a.doc, 0, 'description');
        t.insert(t.length, ch);
        await sleep(3);
      }
      const json = storyboardJson(a);
      await until('every update stored', async () => (await w.t.app.get(StoryboardStore).snapshot(pid))?.scenes[0].description.endsWith('by 1'));
      expect(await w.rows(pid)).toBeLessThan(12);

      a.provider.disconnect();
      await until('the document to unload', () => !documents.isLoaded(pid), 5_000);
      expect(await w.rows(pid)).toBe(1);
      const again = connect(pid, w.tokens.bob);
      await synced(again);
      await until('the reloaded document', () => storyboardJson(again) === json);
    } finally {
      Object.assign(limits, { compactEvery: new CollabLimits().compactEvery, unloadAfterMs: new CollabLimits().unloadAfterMs });
    }
  });

  it('deletes the stored document with the project and tells connected editors (4404)', async () => {
    const pid = await w.newProject();
    const b = connect(pid, w.tokens.bob);
    await synced(b);
    expect(await w.rows(pid)).toBeGreaterThan(0);
    expect((await apiClient(w.t.baseUrl, w.tokens.alice)('DELETE', `/api/projects/${pid}`)).status).toBe(204);
    expect((await b.closed).code).toBe(COLLAB_CLOSE.NOT_FOUND);
    await until('the rows to go', async () => (await w.rows(pid)) === 0);
  });
});

describe('a restarted server on the same data folder', () => {
  it('serves exactly the document its clients had', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'reelcraft-collab-restart-'));
    const editors: Editor[] = [];
    const kind = defaultTestDatabase();
    const database = await restartableTestDatabase(kind);
    const env = { DATA_DIR: dataDir, ...database.env };
    let t = await startTestApp(kind, env);
    try {
      const w = await world(t);
      const pid = await w.newProject();
      const [a, b] = [connectEditor(t.baseUrl, pid, w.tokens.alice), connectEditor(t.baseUrl, pid, w.tokens.bob)];
      editors.push(a, b);
      await Promise.all([a, b].map(synced));
      sceneText(a.doc, 0, 'description').insert(0, 'before the restart: ');
      deleteScene(b.doc, 2);
      const json = await until('a and b to agree', () => (storyboardJson(a) === storyboardJson(b) && sceneCount(a.doc) === 2 ? storyboardJson(a) : null));
      for (const e of editors) e.destroy();
      await t.app.close();

      t = await startTestApp(kind, env);
      const token = await login(t.baseUrl, 'alice', 'alice-password');
      const fresh = connectEditor(t.baseUrl, pid, token);
      editors.push(fresh);
      await synced(fresh);
      await until('the same document after the restart', () => storyboardJson(fresh) === json);
    } finally {
      for (const e of editors) e.destroy();
      await t.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
