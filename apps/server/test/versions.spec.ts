import { LIMITS, readStoryboard, sceneCount, sceneText, updateSceneField, type Storyboard, type StoryboardDiff, type VersionView } from '@reelcraft/shared';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DOC_UPDATE, type DocUpdate } from '../src/collab/doc-update.entity';
import { ADMIN_PASSWORD, apiClient, login, startTestApp, testDatabases, type TestApp } from '../src/testing/test-app';
import { STORYBOARD_VERSION } from '../src/versions/storyboard-version.entity';
import { VersionsService } from '../src/versions/versions.service';
import { connectEditor, synced, until, type Editor } from './support/collab-clients';

type Client = ReturnType<typeof apiClient>;
const PROMPT = 'A short film about a lighthouse keeper who rescues a fishing boat during a storm at sea';

/** What a stock client's document holds, as the studio would read it; null while it is not a valid storyboard. */
function storyboardOf(e: Editor): Storyboard | null {
  const read = readStoryboard(e.doc);
  return read.ok ? read.value : null;
}

/** /api/projects/{id}/versions against the real application, once on SQLite and once on PostgreSQL. */
describe.each(testDatabases())('storyboard versions on %s', (kind) => {
  let t: TestApp;
  const tokens: Record<'alice' | 'bob' | 'vic' | 'dave', string> = {} as never;
  const call: Record<keyof typeof tokens, Client> = {} as never;
  const editors: Editor[] = [];
  const connect = (projectId: string, token: string) => {
    const e = connectEditor(t.baseUrl, projectId, token);
    editors.push(e);
    return e;
  };

  /** A project alice owns, planned from PROMPT, with bob as editor and vic as viewer; dave is no member. */
  async function newProject(): Promise<{ id: string; storyboard: Storyboard }> {
    const created = await call.alice('POST', '/api/projects', { name: 'Lighthouse', prompt: PROMPT });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    for (const [username, role] of [['bob', 'editor'], ['vic', 'viewer']]) {
      expect((await call.alice('POST', `/api/projects/${id}/members`, { username, role })).status).toBe(201);
    }
    const storyboard = (await call.alice('GET', `/api/projects/${id}/storyboard`)).json as Storyboard;
    expect(storyboard.scenes.length).toBeGreaterThanOrEqual(LIMITS.scenes.min);
    return { id, storyboard };
  }

  /** The project's storyboard as the database holds it: every stored update applied in order to a fresh document. */
  async function storedStoryboard(projectId: string): Promise<{ storyboard: Storyboard | null; lastSeq: number }> {
    const rows = await t.app.get(DataSource).getRepository<DocUpdate>(DOC_UPDATE).find({ where: { project_id: projectId }, order: { seq: 'ASC' } });
    const doc = new Y.Doc();
    for (const r of rows) Y.applyUpdate(doc, new Uint8Array(r.update));
    const read = readStoryboard(doc);
    doc.destroy();
    return { storyboard: read.ok ? read.value : null, lastSeq: rows.at(-1)?.seq ?? 0 };
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    const admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    for (const name of ['alice', 'bob', 'vic', 'dave'] as const) {
      expect((await admin('POST', '/api/users', { username: name, password: `${name}-password` })).status).toBe(201);
      tokens[name] = await login(t.baseUrl, name, `${name}-password`);
      call[name] = apiClient(t.baseUrl, tokens[name]);
    }
  });
  afterAll(async () => {
    for (const e of editors) e.destroy();
    await t?.close();
  });

  it('saves versions of the live document, compares them scene by scene, and restores one as a new edit every editor receives', async () => {
    const { id: pid, storyboard: original } = await newProject();
    const versions = `/api/projects/${pid}/versions`;

    const v1 = await call.alice('POST', versions, { name: '  v1 ' });
    expect(v1.status).toBe(201);
    expect(v1.json).toEqual({ id: expect.any(String), project_id: pid, name: 'v1', kind: 'saved', created_by: 'alice', created_by_id: expect.any(String), created_at: expect.any(String), scene_count: original.scenes.length });
    expect((await call.vic('GET', `${versions}/${v1.json.id}`)).json).toEqual(original);

    // An edit through a stock client; the version saved after it holds it, however recent.
    const alice = connect(pid, tokens.alice);
    await synced(alice);
    await until('alice to load the storyboard', () => sceneCount(alice.doc) === original.scenes.length);
    updateSceneField(alice.doc, 1, 'description', 'the lamp fails in the fog');
    await until('the edit to reach the server', async () => (await call.alice('GET', `/api/projects/${pid}/storyboard`)).json.scenes[1].description === 'the lamp fails in the fog');
    const v2 = await call.bob('POST', versions, { name: 'v2' });
    expect(v2.status).toBe(201);
    expect(v2.json.created_by).toBe('bob');
    const edited = (await call.bob('GET', `${versions}/${v2.json.id}`)).json as Storyboard;
    expect(edited.scenes[1].description).toBe('the lamp fails in the fog');

    const listed = (await call.vic('GET', versions)).json as VersionView[];
    expect(listed.map((v) => [v.name, v.created_by])).toEqual([
      ['v2', 'bob'],
      ['v1', 'alice'],
    ]);

    // v1 against the live storyboard (the default) and against v2: one scene changed, in its description.
    const expected: StoryboardDiff = {
      scenes: original.scenes.map((s, i) =>
        i === 1
          ? { id: s.id, change: 'changed', from_index: 1, to_index: 1, fields: ['description'], values: { description: { from: s.description, to: 'the lamp fails in the fog' } } }
          : { id: s.id, change: 'unchanged', from_index: i, to_index: i },
      ),
    };
    expect((await call.vic('GET', `${versions}/${v1.json.id}/diff`)).json).toEqual(expected);
    expect((await call.vic('GET', `${versions}/${v1.json.id}/diff?against=${v2.json.id}`)).json).toEqual(expected);
    const v2Now = (await call.vic('GET', `${versions}/${v2.json.id}/diff?against=current`)).json as StoryboardDiff;
    expect(v2Now.scenes.map((s) => s.change)).toEqual(original.scenes.map(() => 'unchanged'));

    // Restore v1 while bob (editor) and vic (viewer) are connected with stock clients.
    const bob = connect(pid, tokens.bob);
    const vic = connect(pid, tokens.vic);
    await Promise.all([bob, vic].map(synced));
    await until('bob and vic to hold the edit', () => [bob, vic].every((e) => storyboardOf(e)?.scenes[1].description === 'the lamp fails in the fog'));
    const before = await storedStoryboard(pid);

    const restored = await call.alice('POST', `${versions}/${v1.json.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.json.restored).toEqual(v1.json);
    expect(restored.json.backup).toMatchObject({ name: 'before restore of v1', created_by: 'alice', scene_count: original.scenes.length });
    expect(restored.json.storyboard).toEqual(original);

    for (const e of [alice, bob, vic]) await until('every connected client to receive the restore', () => JSON.stringify(storyboardOf(e)) === JSON.stringify(original));
    expect([alice, bob, vic].every((e) => e.provider.wsconnected)).toBe(true);

    // A new edit on top of the log, never a rewind: the stored rows replay to v1, after the old ones.
    const after = await storedStoryboard(pid);
    expect(after.lastSeq).toBeGreaterThan(before.lastSeq);
    expect(after.storyboard).toEqual(original);
    const fresh = connect(pid, tokens.vic);
    await synced(fresh);
    await until('a fresh client to load the restored storyboard', () => JSON.stringify(storyboardOf(fresh)) === JSON.stringify(original));

    // Nothing is lost: the backup holds what the restore replaced, and appears newest in the list.
    expect((await call.vic('GET', `${versions}/${restored.json.backup.id}`)).json).toEqual(edited);
    expect(((await call.vic('GET', versions)).json as VersionView[]).map((v) => v.name)).toEqual(['before restore of v1', 'v2', 'v1']);

    // The restored document is the live one: editing it after the restore still reaches everyone.
    sceneText(bob.doc, 0, 'description').insert(0, 'After: ');
    await until('alice to see bob editing the restored scene', () => storyboardOf(alice)?.scenes[0].description === `After: ${original.scenes[0].description}`);
  });

  it('lets viewers read but not save, restore or delete; non-members and unknown ids get 404', async () => {
    const { id: pid } = await newProject();
    const versions = `/api/projects/${pid}/versions`;
    const v1 = (await call.bob('POST', versions, { name: 'draft' })).json as VersionView;

    expect((await call.vic('GET', versions)).status).toBe(200);
    expect((await call.vic('GET', `${versions}/${v1.id}`)).status).toBe(200);
    expect((await call.vic('GET', `${versions}/${v1.id}/diff`)).status).toBe(200);
    expect((await call.vic('POST', versions, { name: 'mine' })).status).toBe(403);
    expect((await call.vic('POST', `${versions}/${v1.id}/restore`)).status).toBe(403);
    expect((await call.vic('DELETE', `${versions}/${v1.id}`)).status).toBe(403);

    const other = await newProject();
    const elsewhere = (await call.alice('POST', `/api/projects/${other.id}/versions`, { name: 'other' })).json as VersionView;
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [who, method, path] of [
      ['dave', 'GET', versions],
      ['dave', 'POST', versions],
      ['dave', 'GET', `${versions}/${v1.id}`],
      ['dave', 'GET', `${versions}/${v1.id}/diff`],
      ['dave', 'POST', `${versions}/${v1.id}/restore`],
      ['dave', 'DELETE', `${versions}/${v1.id}`],
      ['alice', 'GET', `/api/projects/not-a-uuid/versions`],
      ['alice', 'GET', `/api/projects/${unknown}/versions`],
      ['alice', 'GET', `${versions}/not-a-uuid`],
      ['alice', 'GET', `${versions}/${unknown}`],
      // A version is found only under its own project.
      ['alice', 'GET', `${versions}/${elsewhere.id}`],
      ['alice', 'POST', `${versions}/${elsewhere.id}/restore`],
      ['alice', 'GET', `${versions}/${v1.id}/diff?against=${elsewhere.id}`],
    ] as const) {
      const res = await call[who](method, path, method === 'POST' && path === versions ? { name: 'x' } : undefined);
      expect(res.status, `${who} ${method} ${path}`).toBe(404);
    }
    // Nothing a refused call touched changed.
    expect(((await call.alice('GET', versions)).json as VersionView[]).map((v) => v.name)).toEqual(['draft']);
  });

  it("lets an editor delete their own versions but not another's; owners delete any", async () => {
    const { id: pid } = await newProject();
    const versions = `/api/projects/${pid}/versions`;
    const byAlice = (await call.alice('POST', versions, { name: 'owner draft' })).json as VersionView;
    const byBob = (await call.bob('POST', versions, { name: 'editor draft' })).json as VersionView;
    const alsoBob = (await call.bob('POST', versions, { name: 'editor second' })).json as VersionView;
    const aliceId = (await call.alice('GET', '/api/users/me')).json.id as string;
    expect(byAlice.created_by_id).toBe(aliceId);
    expect(byBob.created_by_id).not.toBe(aliceId);

    const refused = await call.bob('DELETE', `${versions}/${byAlice.id}`);
    expect(refused.status).toBe(403);
    expect(refused.json.message).toMatch(/author|owner/);
    expect((await call.bob('DELETE', `${versions}/${byBob.id}`)).status).toBe(204);
    expect((await call.alice('DELETE', `${versions}/${alsoBob.id}`)).status).toBe(204);
    expect(((await call.alice('GET', versions)).json as VersionView[]).map((v) => v.name)).toEqual(['owner draft']);
  });

  it('answers bad input with 400 and per-field messages', async () => {
    const { id: pid } = await newProject();
    const versions = `/api/projects/${pid}/versions`;
    const blank = await call.alice('POST', versions, { name: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.json.issues).toEqual([{ path: 'name', message: 'name must not be empty' }]);
    const long = await call.alice('POST', versions, { name: 'x'.repeat(LIMITS.versions.name.max + 1) });
    expect(long.json.issues).toEqual([{ path: 'name', message: `name must be at most ${LIMITS.versions.name.max} characters` }]);
    expect((await call.alice('POST', versions, { name: 'ok', colour: 'red' })).status).toBe(400);
    expect((await call.alice('POST', versions)).status).toBe(400);
    const v = (await call.alice('POST', versions, { name: 'ok' })).json as VersionView;
    const against = await call.alice('GET', `${versions}/${v.id}/diff?against=yesterday`);
    expect(against.status).toBe(400);
    expect(against.json.issues).toEqual([{ path: 'against', message: 'against must be "current" or a version id' }]);
  });

  it('keeps at most the configured number of versions per project, the restore backup included', async () => {
    const service = t.app.get(VersionsService);
    const { id: pid } = await newProject();
    const versions = `/api/projects/${pid}/versions`;
    service.maxPerProject = 2;
    try {
      const first = (await call.alice('POST', versions, { name: 'one' })).json as VersionView;
      expect((await call.alice('POST', versions, { name: 'two' })).status).toBe(201);
      expect((await call.alice('POST', versions, { name: 'three' })).status).toBe(409);
      // A restore needs room for its backup, and refuses before touching the document.
      expect((await call.alice('POST', `${versions}/${first.id}/restore`)).status).toBe(409);
      expect((await call.alice('DELETE', `${versions}/${first.id}`)).status).toBe(204);
      expect((await call.alice('DELETE', `${versions}/${first.id}`)).status).toBe(404);
      expect((await call.alice('POST', versions, { name: 'three' })).status).toBe(201);
    } finally {
      service.maxPerProject = LIMITS.versions.perProject.max;
    }
    expect(((await call.alice('GET', versions)).json as VersionView[]).map((v) => v.name)).toEqual(['three', 'two']);
  });

  it('names the backup of a restore within the name limit, and deletes the versions with their project', async () => {
    const { id: pid } = await newProject();
    const versions = `/api/projects/${pid}/versions`;
    const long = (await call.alice('POST', versions, { name: 'é'.repeat(LIMITS.versions.name.max) })).json as VersionView;
    const restored = await call.bob('POST', `${versions}/${long.id}/restore`);
    expect(restored.status).toBe(200);
    expect([...restored.json.backup.name].length).toBe(LIMITS.versions.name.max);
    expect(restored.json.backup.name).toMatch(/^before restore of é+…$/);

    const rows = () => t.app.get(DataSource).getRepository(STORYBOARD_VERSION).count({ where: { project_id: pid } });
    expect(await rows()).toBe(2);
    expect((await call.alice('DELETE', `/api/projects/${pid}`)).status).toBe(204);
    await until('the versions to go with the project', async () => (await rows()) === 0);
  });
});
