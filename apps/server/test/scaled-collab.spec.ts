import { COLLAB_CLOSE, emptyStoryboard, newScene, sceneCount, sceneIndexOf, sceneMap, sceneText, storyboardRoot, type Storyboard } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CollabLimits } from '../src/collab/collab-limits';
import { DocUpdatesRepository } from '../src/collab/doc-updates.repository';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, login, type TestApp } from '../src/testing/test-app';
import { connectEditor, synced, until, type Editor } from './support/collab-clients';
import { sharedInstances, type SharedInstances } from './support/shared-instances';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const storyboardJson = (doc: Y.Doc) => JSON.stringify(storyboardRoot(doc).toJSON());

const twoScenes = (): Storyboard => ({ ...emptyStoryboard('Two harbours', 'en'), scenes: ['boats leave', 'gulls circle'].map((description) => newScene({ description })) });

/**
 * One storyboard edited through two instances on one PostgreSQL schema and one Redis: updates
 * stored by one instance reach the other's clients through the document's channel, presence too,
 * and a membership change made on one closes the member's connection on the other.
 */
describe('a Yjs document edited through two instances (PostgreSQL + Redis)', () => {
  let instances: SharedInstances;
  let a: TestApp;
  let b: TestApp;
  const editors: Editor[] = [];
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  let projectId: string;

  const connect = (t: TestApp, token: string) => {
    const e = connectEditor(t.baseUrl, projectId, token);
    editors.push(e);
    return e;
  };

  beforeAll(async () => {
    instances = await sharedInstances({ redis: true });
    a = await instances.start();
    b = await instances.start();
    // Small, so both instances compact while both type into the document.
    for (const t of [a, b]) t.app.get(CollabLimits).compactEvery = 12;
    const admin = apiClient(a.baseUrl, await login(a.baseUrl, 'admin', ADMIN_PASSWORD));
    for (const name of ['alice', 'bob', 'carol']) {
      const created = await admin('POST', '/api/users', { username: name, password: `${name}-password` });
      expect(created.status).toBe(201);
      ids[name] = created.json.id as string;
      tokens[name] = await login(a.baseUrl, name, `${name}-password`);
    }
    const alice = apiClient(a.baseUrl, tokens.alice);
    const created = await alice('POST', '/api/projects', { name: 'Across instances' });
    expect(created.status).toBe(201);
    projectId = created.json.id as string;
    for (const username of ['bob', 'carol']) expect((await alice('POST', `/api/projects/${projectId}/members`, { username, role: 'editor' })).status).toBe(201);
    await a.app.get(StoryboardStore).initialise(projectId, twoScenes());
  });

  afterAll(async () => {
    for (const e of editors) e.destroy();
    await instances?.close();
  });

  it('two stock clients on A and B type into one scene at once and converge; later clients on either see the same; all they received is stored', async () => {
    const onA = connect(a, tokens.alice);
    const onB = connect(b, tokens.bob);
    // Every update a client got from the server: each must be in the database afterwards.
    const received: Uint8Array[] = [];
    for (const e of [onA, onB]) e.doc.on('update', (u: Uint8Array, origin: unknown) => origin === e.provider && received.push(u));
    await Promise.all([onA, onB].map(synced));
    await until('the initial scenes on both', () => [onA, onB].every((e) => sceneCount(e.doc) === 2));

    const boats = sceneMap(onA.doc, 0).get('id') as string;
    const typing = async (e: Editor, text: string, at: 'start' | 'end') => {
      for (const ch of text) {
        const t = sceneText(e.doc, sceneIndexOf(e.doc, boats), 'description');
        t.insert(at === 'start' ? 0 : t.length, ch);
        await sleep(3);
      }
    };
    await Promise.all([typing(onA, 'A'.repeat(30), 'start'), typing(onB, 'B'.repeat(30), 'end')]);

    const json = await until(
      'convergence across the instances',
      () => {
        const [x, y] = [onA, onB].map((e) => storyboardJson(e.doc));
        return x === y && (x.match(/A/g) ?? []).length >= 30 && (x.match(/B/g) ?? []).length >= 30 ? x : null;
      },
      30_000,
    );
    const text = sceneText(onA.doc, sceneIndexOf(onA.doc, boats), 'description').toString();
    expect(text).toBe(`${'A'.repeat(30)}boats leave${'B'.repeat(30)}`);

    // A third client on A and a fourth on B load the same state.
    const third = connect(a, tokens.carol);
    const fourth = connect(b, tokens.carol);
    await Promise.all([third, fourth].map(synced));
    await until('the late joiners to match', () => [third, fourth].every((e) => storyboardJson(e.doc) === json), 30_000);

    // The database is the source of truth: what anyone received is there, compactions included.
    const stored = await a.app.get(DocUpdatesRepository).load(projectId);
    const fromDb = new Y.Doc();
    for (const u of stored.updates) Y.applyUpdate(fromDb, u);
    expect(storyboardJson(fromDb)).toBe(json);
    const before = Y.encodeStateVector(fromDb);
    for (const u of received) Y.applyUpdate(fromDb, u);
    expect(Y.encodeStateVector(fromDb)).toEqual(before);
    expect(storyboardJson(fromDb)).toBe(json);
    // Both instances compacted along the way (12 rows each), so fewer rows than updates remain.
    expect(stored.updates.length).toBeLessThan(60);
    fromDb.destroy();
  });

  it('compacts from the stored rows: a row written meanwhile with a seq at or below the snapshot (an instance that had not heard of it) is kept', async () => {
    const repo = b.app.get(DocUpdatesRepository);
    const pid = `compaction-${Date.now().toString(36)}`;
    const writer = new Y.Doc();
    const updates: Uint8Array[] = [];
    writer.on('update', (u: Uint8Array) => updates.push(u));
    for (const ch of 'abcdef') writer.getText('t').insert(writer.getText('t').length, ch);
    await repo.append(pid, 1, updates.slice(0, 3).map((update) => ({ update, userId: null })));
    expect(await repo.compactStored(pid, (rows) => Y.mergeUpdates(rows))).toBe(true);
    // Seq 2 is free again after the compaction; a stale instance may take it. Seq 3 is the snapshot.
    await expect(repo.append(pid, 3, [{ update: updates[3], userId: null }])).rejects.toThrow();
    await repo.append(pid, 2, [{ update: updates[3], userId: null }]);
    await repo.append(pid, 4, updates.slice(4).map((update) => ({ update, userId: null })));
    expect(await repo.compactStored(pid, (rows) => Y.mergeUpdates(rows))).toBe(true);
    const stored = await repo.load(pid);
    expect(stored.updates).toHaveLength(1);
    const fromDb = new Y.Doc();
    Y.applyUpdate(fromDb, stored.updates[0]);
    expect(fromDb.getText('t').toString()).toBe('abcdef');
    expect(await repo.compactStored(pid, (rows) => Y.mergeUpdates(rows))).toBe(false);
    await repo.deleteProject(pid);
  });

  it('shows the presence of a client on B, as B stamped it, to a client on A', async () => {
    const onA = connect(a, tokens.alice);
    const onB = connect(b, tokens.carol);
    await Promise.all([onA, onB].map(synced));
    onB.provider.awareness.setLocalStateField('cursor', { scene: 0, at: 4 });
    onB.provider.awareness.setLocalStateField('user', { name: 'not carol', colour: '#ff0000' });
    const seen = await until(
      'carol’s presence on A',
      () => {
        const s = onA.provider.awareness.getStates().get(onB.doc.clientID) as { cursor?: unknown; user?: { id: string; name: string; colour: string } } | undefined;
        return s?.cursor && s.user?.colour === '#ff0000' ? s : null;
      },
      15_000,
    );
    expect(seen.cursor).toEqual({ scene: 0, at: 4 });
    expect(seen.user).toEqual({ id: ids.carol, name: 'carol', colour: '#ff0000' });
    // Leaving removes it on A as well.
    onB.provider.disconnect();
    await until('carol’s presence to leave A', () => !onA.provider.awareness.getStates().has(onB.doc.clientID), 15_000);
  });

  it('removing a member through A closes their /collab connection on B (4403)', async () => {
    const onB = connect(b, tokens.bob);
    await synced(onB);
    const alice = apiClient(a.baseUrl, tokens.alice);
    expect((await alice('DELETE', `/api/projects/${projectId}/members/${ids.bob}`)).status).toBe(204);
    const closed = await Promise.race([onB.closed, sleep(15_000).then(() => null)]);
    expect(closed?.code).toBe(COLLAB_CLOSE.FORBIDDEN);
  });
});
