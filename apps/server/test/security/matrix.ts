import { COLLAB_CLOSE, type ClientToServerEvents, type ServerToClientEvents } from '@reelcraft/shared';
import { randomUUID } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Take } from '../../src/renders/take.entity';
import { apiClient, until, type TestApp } from '../../src/testing/test-app';
import { ROLES, memberProject, postFile, type People, type Role, type Suite } from './fixtures';

/**
 * Issue 15 item 3, the cross-user matrix: every route of the API (read from the app's own OpenAPI
 * document, so that a new route without a row fails the coverage test) called by the owner, an
 * editor, a viewer, a signed-in non-member and an admin, and without a session.
 *
 * What the app does, encoded here: a non-member gets 404 for anything inside a project or a task
 * (nobody learns which ids exist); a member whose role does not allow the action gets 403; a
 * non-admin gets 403 on /api/admin/*; the worker routes take worker tokens only (401 for any
 * session). Destructive rows get a fresh resource for every caller.
 *
 * Expectation tokens: `ok` 2xx; `pass` allowed past authorisation (not 401/403/404, below 500:
 * a valid request that the app refuses for its state, e.g. 409); or an exact status.
 */

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Fx {
  project: string;
  scenes: string[];
  /** A finished render of the project, started by its owner. */
  task: string;
  /** A task of the owner's outside any project. */
  solo: string;
  version: string;
  take: string;
  media: string;
  music: string;
  rule: string;
  zed: string;
  workerToken: string;
  session: string;
}

interface Row {
  route: string;
  expect: string;
  path: (f: Fx) => string;
  body?: (f: Fx, who: Role) => unknown;
  /** A multipart upload instead of JSON. */
  upload?: 'png' | 'wav';
  /** Fresh resources for this call (overrides of the shared fixture). */
  prepare?: (who: Role) => Promise<Partial<Fx>>;
  /** Routes without a session (health, login). */
  public?: boolean;
}

const ADMIN_ONLY = '403 403 403 403 ok';
const MEMBERS_READ = 'ok ok ok 404 ok';
const MEMBERS_EDIT = 'ok ok 403 404 ok';
const OWNERS_ONLY = 'ok 403 403 404 ok';
const EVERYONE = 'ok ok ok ok ok';
const WORKERS_ONLY = '401 401 401 401 401';

export function crossUserMatrix(suite: () => Suite): void {
  describe('security: the cross-user matrix', () => {
    let t: TestApp;
    let p: People;
    let f: Fx;
    let files: Suite['files'];
    let counter = 0;
    const sockets: ClientSocket[] = [];
    const routes = new Set<string>();

    const fresh = async () => memberProject(t, p, `Fresh ${++counter}`);
    /** A pending render of a fresh project (the queue is paused), started by its owner. */
    const pendingTask = async (cancelled = false) => {
      const task = (await p.call.owner('POST', `/api/projects/${f.project}/render`)).json.task_id as string;
      if (cancelled) expect((await p.admin('POST', `/api/tasks/${task}/cancel`)).status).toBe(200);
      return { task };
    };
    /** Another take of the shared scene, with copies of its files, for a row that deletes one. */
    const cloneTake = async (): Promise<Partial<Fx>> => {
      const repo = t.app.get(DataSource).getRepository(Take);
      const take = await repo.findOneByOrFail({ id: f.take });
      const id = randomUUID();
      const copy = (path: string | null) => {
        if (!path) return null;
        const next = `${path}.${id}.copy`;
        copyFileSync(join(t.config.dataDir, path), join(t.config.dataDir, next));
        return next;
      };
      await repo.insert({ ...take, id, clip_path: copy(take.clip_path)!, poster_path: copy(take.poster_path), last_frame_path: copy(take.last_frame_path) });
      return { take: id };
    };

    const rows: Row[] = [
      // -- public
      { route: 'GET /api/health', expect: EVERYONE, path: () => '/api/health', public: true },
      { route: 'POST /api/users/login', expect: '401 401 401 401 401', path: () => '/api/users/login', body: () => ({ username: 'nobody-by-that-name', password: 'not-a-password' }), public: true },
      // -- users
      { route: 'POST /api/users/logout', expect: EVERYONE, path: () => '/api/users/logout', prepare: async () => ({}) },
      { route: 'GET /api/users/me', expect: EVERYONE, path: () => '/api/users/me' },
      // An invalid body: the route is for every signed-in user; tokens.spec.ts changes a password for real.
      { route: 'POST /api/users/me/password', expect: '400 400 400 400 400', path: () => '/api/users/me/password', body: () => ({}) },
      { route: 'GET /api/users/me/sessions', expect: EVERYONE, path: () => '/api/users/me/sessions' },
      // The owner's own session: only she may end it; for anyone else it does not exist.
      { route: 'DELETE /api/users/me/sessions/{sid}', expect: 'ok 404 404 404 404', path: (x) => `/api/users/me/sessions/${x.session}`, prepare: async () => ({ session: await ownerSession() }) },
      { route: 'GET /api/users', expect: ADMIN_ONLY, path: () => '/api/users' },
      { route: 'POST /api/users', expect: ADMIN_ONLY, path: () => '/api/users', body: () => ({ username: `made${++counter}`, password: 'made-password-1' }) },
      { route: 'PATCH /api/users/{id}', expect: ADMIN_ONLY, path: (x) => `/api/users/${x.zed}`, body: () => ({ disabled: false }) },
      { route: 'POST /api/users/{id}/password', expect: ADMIN_ONLY, path: (x) => `/api/users/${x.zed}/password`, body: () => ({ password: 'zed-password-again' }) },
      // -- tasks
      { route: 'POST /api/tasks', expect: EVERYONE, path: () => '/api/tasks', body: () => ({ prompt: 'a lighthouse at night' }) },
      { route: 'GET /api/tasks', expect: EVERYONE, path: () => '/api/tasks' },
      { route: 'POST /api/tasks/batch', expect: EVERYONE, path: () => '/api/tasks/batch', body: () => ({ prompts: ['a quiet pier'] }) },
      { route: 'GET /api/tasks/{id}', expect: MEMBERS_READ, path: (x) => `/api/tasks/${x.task}` },
      { route: 'DELETE /api/tasks/{id}', expect: OWNERS_ONLY, path: (x) => `/api/tasks/${x.task}`, prepare: () => pendingTask(true) },
      { route: 'POST /api/tasks/{id}/cancel', expect: OWNERS_ONLY, path: (x) => `/api/tasks/${x.task}/cancel`, prepare: () => pendingTask() },
      { route: 'POST /api/tasks/{id}/retry', expect: OWNERS_ONLY, path: (x) => `/api/tasks/${x.task}/retry`, prepare: () => pendingTask(true) },
      { route: 'GET /api/tasks/{id}/video', expect: MEMBERS_READ, path: (x) => `/api/tasks/${x.task}/video` },
      { route: 'GET /api/tasks/{id}/subtitles.{format}', expect: MEMBERS_READ, path: (x) => `/api/tasks/${x.task}/subtitles.vtt` },
      { route: 'GET /api/tasks/{id}/poster.jpg', expect: MEMBERS_READ, path: (x) => `/api/tasks/${x.task}/poster.jpg` },
      { route: 'GET /api/tasks/{id}/scenes/{scene}/poster.jpg', expect: MEMBERS_READ, path: (x) => `/api/tasks/${x.task}/scenes/1/poster.jpg` },
      { route: 'GET /api/tasks/{id}/clips/{scene}', expect: MEMBERS_READ, path: (x) => `/api/tasks/${x.task}/clips/1` },
      // -- worker routes: sessions are no worker tokens (tokens.spec.ts uses a real one)
      { route: 'GET /api/workers/jobs/{jobId}/chain-frame', expect: WORKERS_ONLY, path: () => '/api/workers/jobs/1/chain-frame' },
      { route: 'PUT /api/workers/jobs/{jobId}/files/{name}', expect: WORKERS_ONLY, path: () => '/api/workers/jobs/1/files/clip.mp4', body: () => 'bytes' },
      { route: 'POST /api/workers/heartbeat', expect: WORKERS_ONLY, path: () => '/api/workers/heartbeat', body: () => ({ worker_id: 'w', host: 'h', pid: 1 }) },
      // -- projects
      { route: 'POST /api/projects', expect: EVERYONE, path: () => '/api/projects', body: () => ({ name: 'Mine' }) },
      { route: 'GET /api/projects', expect: EVERYONE, path: () => '/api/projects' },
      { route: 'GET /api/projects/{id}', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}` },
      { route: 'PATCH /api/projects/{id}', expect: MEMBERS_EDIT, path: (x) => `/api/projects/${x.project}`, body: () => ({ name: 'Harbour' }) },
      { route: 'DELETE /api/projects/{id}', expect: OWNERS_ONLY, path: (x) => `/api/projects/${x.project}`, prepare: async () => ({ project: (await fresh()).id }) },
      { route: 'GET /api/projects/{id}/storyboard', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}/storyboard` },
      // The planner is not configured here: an allowed caller gets past authorisation to a refusal of state.
      { route: 'POST /api/projects/{id}/scenes/{sceneId}/rewrite', expect: 'pass pass 403 404 pass', path: (x) => `/api/projects/${x.project}/scenes/${x.scenes[0]}/rewrite`, body: () => ({ instruction: 'make it rain' }) },
      { route: 'POST /api/projects/{id}/scenes/{sceneId}/split', expect: MEMBERS_EDIT, path: (x) => `/api/projects/${x.project}/scenes/${x.scenes[0]}/split`, prepare: async () => fresh().then((q) => ({ project: q.id, scenes: q.scenes })) },
      { route: 'POST /api/projects/{id}/scenes/{sceneId}/merge-next', expect: MEMBERS_EDIT, path: (x) => `/api/projects/${x.project}/scenes/${x.scenes[0]}/merge-next`, prepare: async () => fresh().then((q) => ({ project: q.id, scenes: q.scenes })) },
      { route: 'GET /api/projects/{id}/members', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}/members` },
      { route: 'POST /api/projects/{id}/members', expect: OWNERS_ONLY, path: (x) => `/api/projects/${x.project}/members`, body: () => ({ username: 'zed', role: 'viewer' }), prepare: async () => ({ project: (await fresh()).id }) },
      { route: 'PATCH /api/projects/{id}/members/{userId}', expect: OWNERS_ONLY, path: (x) => `/api/projects/${x.project}/members/${p.ids.viewer}`, body: () => ({ role: 'viewer' }) },
      { route: 'DELETE /api/projects/{id}/members/{userId}', expect: OWNERS_ONLY, path: (x) => `/api/projects/${x.project}/members/${p.ids.viewer}`, prepare: async () => ({ project: (await fresh()).id }) },
      // The last owner may not leave (409); an admin who is no member has nothing to leave (404).
      { route: 'POST /api/projects/{id}/leave', expect: '409 ok ok 404 404', path: (x) => `/api/projects/${x.project}/leave`, prepare: async () => ({ project: (await fresh()).id }) },
      { route: 'GET /api/projects/{id}/member-suggestions', expect: OWNERS_ONLY, path: (x) => `/api/projects/${x.project}/member-suggestions?q=ze` },
      { route: 'GET /api/projects/{id}/scenes/{sceneId}/takes', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}/scenes/${x.scenes[0]}/takes` },
      { route: 'POST /api/projects/{id}/scenes/{sceneId}/takes/{takeId}/select', expect: MEMBERS_EDIT, path: (x) => `/api/projects/${x.project}/scenes/${x.scenes[0]}/takes/${x.take}/select` },
      { route: 'DELETE /api/projects/{id}/scenes/{sceneId}/takes/{takeId}', expect: MEMBERS_EDIT, path: (x) => `/api/projects/${x.project}/scenes/${x.scenes[0]}/takes/${x.take}`, prepare: () => cloneTake() },
      { route: 'GET /api/projects/{id}/takes/{takeId}/clip', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}/takes/${x.take}/clip` },
      { route: 'GET /api/projects/{id}/takes/{takeId}/poster', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}/takes/${x.take}/poster` },
      { route: 'GET /api/projects/{id}/disk', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}/disk` },
      { route: 'POST /api/projects/{id}/scenes/{sceneId}/media', expect: MEMBERS_EDIT, path: (x) => `/api/projects/${x.project}/scenes/${x.scenes[2]}/media`, upload: 'png' },
      {
        route: 'DELETE /api/projects/{id}/scenes/{sceneId}/media',
        expect: MEMBERS_EDIT,
        path: (x) => `/api/projects/${x.project}/scenes/${x.scenes[1]}/media`,
        prepare: async () => {
          const q = await fresh();
          expect((await postFile(t, p.tokens.owner, `/api/projects/${q.id}/scenes/${q.scenes[1]}/media`, files.png, 'still.png')).status).toBe(201);
          return { project: q.id, scenes: q.scenes };
        },
      },
      { route: 'GET /api/projects/{id}/media/{mediaId}', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}/media/${x.media}` },
      { route: 'POST /api/projects/{id}/versions', expect: MEMBERS_EDIT, path: (x) => `/api/projects/${x.project}/versions`, body: () => ({ name: `checkpoint ${++counter}` }) },
      { route: 'GET /api/projects/{id}/versions', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}/versions` },
      { route: 'GET /api/projects/{id}/versions/{vid}', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}/versions/${x.version}` },
      // Owners, and the version's author (tested below with the editor's own version).
      {
        route: 'DELETE /api/projects/{id}/versions/{vid}',
        expect: OWNERS_ONLY,
        path: (x) => `/api/projects/${x.project}/versions/${x.version}`,
        prepare: async () => ({ version: (await p.call.owner('POST', `/api/projects/${f.project}/versions`, { name: `to delete ${++counter}` })).json.id }),
      },
      { route: 'GET /api/projects/{id}/versions/{vid}/diff', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}/versions/${x.version}/diff` },
      { route: 'POST /api/projects/{id}/versions/{vid}/restore', expect: MEMBERS_EDIT, path: (x) => `/api/projects/${x.project}/versions/${x.version}/restore` },
      { route: 'POST /api/projects/{id}/render', expect: MEMBERS_EDIT, path: (x) => `/api/projects/${x.project}/render` },
      { route: 'GET /api/projects/{id}/renders', expect: MEMBERS_READ, path: (x) => `/api/projects/${x.project}/renders` },
      // -- models and music
      { route: 'GET /api/models', expect: EVERYONE, path: () => '/api/models' },
      { route: 'GET /api/admin/models', expect: ADMIN_ONLY, path: () => '/api/admin/models' },
      { route: 'POST /api/admin/models/rescan', expect: ADMIN_ONLY, path: () => '/api/admin/models/rescan' },
      { route: 'GET /api/music', expect: EVERYONE, path: () => '/api/music' },
      { route: 'GET /api/music/{id}/file', expect: EVERYONE, path: (x) => `/api/music/${x.music}/file` },
      { route: 'POST /api/admin/music', expect: ADMIN_ONLY, path: () => '/api/admin/music', upload: 'wav' },
      { route: 'DELETE /api/admin/music/{id}', expect: ADMIN_ONLY, path: (x) => `/api/admin/music/${x.music}`, prepare: async (who) => (who === 'admin' ? { music: await musicTrack() } : {}) },
      // -- administration
      { route: 'GET /api/admin/filter-rules', expect: ADMIN_ONLY, path: () => '/api/admin/filter-rules' },
      { route: 'POST /api/admin/filter-rules', expect: ADMIN_ONLY, path: () => '/api/admin/filter-rules', body: () => ({ pattern: `zzword${++counter}`, category: 'test', action: 'mask' }) },
      { route: 'POST /api/admin/filter-rules/test', expect: ADMIN_ONLY, path: () => '/api/admin/filter-rules/test', body: () => ({ text: 'hello' }) },
      { route: 'POST /api/admin/filter-rules/import', expect: ADMIN_ONLY, path: () => '/api/admin/filter-rules/import', body: () => ({ format: 'lines', text: `zzimport${++counter}`, category: 'test', action: 'mask' }) },
      { route: 'GET /api/admin/filter-rules/export', expect: ADMIN_ONLY, path: () => '/api/admin/filter-rules/export?format=lines' },
      { route: 'PATCH /api/admin/filter-rules/{id}', expect: ADMIN_ONLY, path: (x) => `/api/admin/filter-rules/${x.rule}`, body: () => ({ action: 'mask' }) },
      { route: 'DELETE /api/admin/filter-rules/{id}', expect: ADMIN_ONLY, path: (x) => `/api/admin/filter-rules/${x.rule}`, prepare: async (who) => (who === 'admin' ? { rule: await filterRule() } : {}) },
      { route: 'GET /api/admin/reviews', expect: ADMIN_ONLY, path: () => '/api/admin/reviews' },
      // No held task here: the admin gets past the guard to "no such review item".
      { route: 'POST /api/admin/reviews/{id}/approve', expect: '403 403 403 403 404', path: () => `/api/admin/reviews/${randomUUID()}/approve`, body: () => ({}) },
      { route: 'POST /api/admin/reviews/{id}/reject', expect: '403 403 403 403 404', path: () => `/api/admin/reviews/${randomUUID()}/reject`, body: () => ({}) },
      { route: 'GET /api/admin/audit', expect: ADMIN_ONLY, path: () => '/api/admin/audit' },
      { route: 'GET /api/admin/tasks', expect: ADMIN_ONLY, path: () => '/api/admin/tasks' },
      { route: 'PATCH /api/admin/tasks/{id}', expect: ADMIN_ONLY, path: (x) => `/api/admin/tasks/${x.solo}`, body: () => ({ priority: 1 }) },
      { route: 'GET /api/admin/queue', expect: ADMIN_ONLY, path: () => '/api/admin/queue' },
      { route: 'POST /api/admin/queue/pause', expect: ADMIN_ONLY, path: () => '/api/admin/queue/pause' },
      // The admin resumes an empty queue (what the rows above queued is cancelled first), and pauses it again.
      { route: 'POST /api/admin/queue/resume', expect: ADMIN_ONLY, path: () => '/api/admin/queue/resume', prepare: async () => (await emptyQueue(), {}) },
      { route: 'GET /api/admin/status', expect: ADMIN_ONLY, path: () => '/api/admin/status' },
      { route: 'GET /api/admin/worker-tokens', expect: ADMIN_ONLY, path: () => '/api/admin/worker-tokens' },
      { route: 'POST /api/admin/worker-tokens', expect: ADMIN_ONLY, path: () => '/api/admin/worker-tokens', body: () => ({ name: `w${++counter}` }) },
      { route: 'DELETE /api/admin/worker-tokens/{id}', expect: ADMIN_ONLY, path: (x) => `/api/admin/worker-tokens/${x.workerToken}`, prepare: async (who) => (who === 'admin' ? { workerToken: await workerToken() } : {}) },
      { route: 'GET /api/admin/workers', expect: ADMIN_ONLY, path: () => '/api/admin/workers' },
    ];

    async function ownerSession(): Promise<string> {
      const token = (await apiClient(t.baseUrl)('POST', '/api/users/login', { username: 'alice', password: 'alice-password' })).json.token as string;
      const list = (await apiClient(t.baseUrl, token)('GET', '/api/users/me/sessions')).json;
      const items = (Array.isArray(list) ? list : list.items) as { id: string; current: boolean }[];
      return items.find((s) => s.current)!.id;
    }
    async function emptyQueue(): Promise<void> {
      const queue = (await p.admin('GET', '/api/admin/queue')).json as { pending: { task_id: string }[] };
      for (const task of queue.pending) expect((await p.admin('POST', `/api/tasks/${task.task_id}/cancel`)).status).toBe(200);
    }
    async function musicTrack(): Promise<string> {
      const res = await postFile(t, p.tokens.admin, '/api/admin/music', files.wav, 'tone.wav', { name: `Tone ${++counter}` });
      expect(res.status).toBe(201);
      return res.json.id;
    }
    async function filterRule(): Promise<string> {
      const res = await p.admin('POST', '/api/admin/filter-rules', { pattern: `zzrule${++counter}`, category: 'test', action: 'mask' });
      expect(res.status).toBe(201);
      return res.json.id;
    }
    async function workerToken(): Promise<string> {
      const res = await p.admin('POST', '/api/admin/worker-tokens', { name: `token ${++counter}` });
      expect(res.status).toBe(201);
      return res.json.id;
    }

    beforeAll(async () => {
      const s = suite();
      ({ t, p, files } = s);
      f = {
        project: s.project.id,
        scenes: s.project.scenes,
        task: s.task,
        solo: (await p.call.owner('POST', '/api/tasks', { prompt: 'a solitary lighthouse' })).json.task_id,
        version: (await p.call.owner('POST', `/api/projects/${s.project.id}/versions`, { name: 'first cut' })).json.id,
        take: s.take,
        media: s.media,
        music: await musicTrack(),
        rule: await filterRule(),
        zed: (await p.admin('GET', '/api/users?q=zed')).json.items.find((u: { username: string }) => u.username === 'zed').id,
        workerToken: await workerToken(),
        session: await ownerSession(),
      };
    });
    afterAll(() => {
      for (const s of sockets) s.disconnect();
    });

    function matches(expected: string, status: number): boolean {
      if (expected === 'ok') return status >= 200 && status < 300;
      if (expected === 'pass') return ![401, 403, 404].includes(status) && status < 500;
      return status === Number(expected);
    }

    async function send(row: Row, token: string | undefined, x: Fx, who: Role): Promise<number> {
      if (row.upload) {
        const [file, name, fields] = row.upload === 'png' ? [files.png, 'still.png', {}] : [files.wav, 'tone.wav', { name: `Tone ${++counter}` }];
        return (await postFile(t, token, row.path(x), file, name, fields)).status;
      }
      const [method] = row.route.split(' ');
      const body = row.body?.(x, who);
      const headers: Record<string, string> = typeof body === 'string' ? { 'content-type': 'application/octet-stream' } : {};
      return (await apiClient(t.baseUrl, token)(method!, row.path(x), body, headers)).status;
    }

    it('has one row for every route of the OpenAPI document, and no row for a route that is gone', async () => {
      const doc = (await apiClient(t.baseUrl)('GET', '/api/docs-json')).json as { paths: Record<string, Record<string, unknown>> };
      for (const [path, ops] of Object.entries(doc.paths)) for (const method of Object.keys(ops)) routes.add(`${method.toUpperCase()} ${path}`);
      const covered = new Set(rows.map((r) => r.route));
      expect([...routes].filter((r) => !covered.has(r)), 'routes without a row in the matrix').toEqual([]);
      expect([...covered].filter((r) => !routes.has(r)), 'rows for routes the app does not have').toEqual([]);
      expect(rows.length).toBe(covered.size);
    });

    // Roles in this order: the refused ones first, so that a shared resource is still there for them.
    const order: Role[] = ['stranger', 'viewer', 'editor', 'owner', 'admin'];
    for (const row of rows) {
      it(`${row.route}: ${row.expect}${row.public ? '' : ', 401 without a session'}`, async () => {
        const expected = Object.fromEntries(ROLES.map((r, i) => [r, row.expect.split(' ')[i]!])) as Record<Role, string>;
        const got: Partial<Record<Role | 'anonymous', number>> = {};
        const wrong: string[] = [];
        for (const who of order) {
          // A caller who is to be refused gets the shared resources (a refusal changes nothing); one who may act, fresh ones.
          const refusedHere = expected[who] === '403' || expected[who] === '404';
          const x = row.prepare && !refusedHere ? { ...f, ...(await row.prepare(who)) } : f;
          // Signing out ends the session it is sent with: that row signs in anew.
          const token = row.route === 'POST /api/users/logout' ? (await apiClient(t.baseUrl)('POST', '/api/users/login', { username: who === 'admin' ? 'admin' : whoName(who), password: passwordOf(who) })).json.token : p.tokens[who];
          got[who] = await send(row, token, x, who);
          if (!matches(expected[who], got[who]!)) wrong.push(`${who}: expected ${expected[who]}, got ${got[who]}`);
          if (row.route === 'POST /api/admin/queue/resume' && who === 'admin') await p.admin('POST', '/api/admin/queue/pause');
        }
        if (!row.public) {
          got.anonymous = await send(row, undefined, f, 'admin');
          if (got.anonymous !== 401) wrong.push(`anonymous: expected 401, got ${got.anonymous}`);
        }
        expect(wrong, JSON.stringify(got)).toEqual([]);
      });
    }

    function whoName(who: Role) {
      return { owner: 'alice', editor: 'bob', viewer: 'vic', stranger: 'dora', admin: 'admin' }[who];
    }
    function passwordOf(who: Role) {
      return who === 'admin' ? process.env.REELCRAFT_TEST_ADMIN_PASSWORD ?? 'admin-password-for-tests' : `${whoName(who)}-password`;
    }

    it('lets an editor delete a version of their own, not the owner’s', async () => {
      const own = (await p.call.editor('POST', `/api/projects/${f.project}/versions`, { name: `bob’s ${++counter}` })).json.id as string;
      expect((await p.call.viewer('DELETE', `/api/projects/${f.project}/versions/${own}`)).status).toBe(403);
      expect((await p.call.editor('DELETE', `/api/projects/${f.project}/versions/${f.version}`)).status).toBe(403);
      expect((await p.call.editor('DELETE', `/api/projects/${f.project}/versions/${own}`)).status).toBe(204);
    });

    describe('lists show nobody else’s items', () => {
      it('tasks, projects and search: a non-member sees none of the owner’s; members see the project; an admin sees all only when asking', async () => {
        const ids = (page: any) => ((Array.isArray(page) ? page : page.items) as { id?: string; task_id?: string }[]).map((i) => i.id ?? i.task_id);
        const strangerTasks = ids((await p.call.stranger('GET', '/api/tasks?limit=100')).json);
        expect(strangerTasks).not.toContain(f.task);
        expect(strangerTasks).not.toContain(f.solo);
        expect(ids((await p.call.owner('GET', '/api/tasks?limit=100')).json)).toContain(f.solo);
        expect(ids((await p.call.editor('GET', '/api/tasks?limit=100')).json)).not.toContain(f.solo);
        for (const q of ['', '?q=Harbour', '?q=Fresh']) {
          const strangerProjects = ids((await p.call.stranger('GET', `/api/projects${q}`)).json);
          expect(strangerProjects, q).not.toContain(f.project);
        }
        expect(ids((await p.call.viewer('GET', '/api/projects?q=Harbour')).json)).toContain(f.project);
        expect((await p.call.stranger('GET', '/api/projects?scope=all')).status).toBe(403);
        expect(ids((await p.admin('GET', '/api/projects?scope=all&limit=100')).json)).toContain(f.project);
        // Member suggestions search users, for owners: a stranger cannot use another project's to list names.
        expect((await p.call.stranger('GET', `/api/projects/${f.project}/member-suggestions?q=a`)).status).toBe(404);
      });
    });

    describe('Socket.IO rooms', () => {
      const socket = (token: string) => {
        const s: ClientSocket = io(t.baseUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token } });
        sockets.push(s);
        return new Promise<ClientSocket>((res, rej) => {
          s.once('connect', () => res(s));
          s.once('connect_error', rej);
        });
      };
      const join = (s: ClientSocket, projectId: unknown) => new Promise<any>((res) => s.emit('project:join', { project_id: projectId } as never, res as never));

      it('refuses a non-member’s join of another project’s room (404) and lets members and admins in', async () => {
        const stranger = await socket(p.tokens.stranger);
        expect(await join(stranger, f.project)).toMatchObject({ ok: false, code: 404 });
        expect(await join(stranger, randomUUID())).toMatchObject({ ok: false, code: 404 });
        expect(await join(stranger, '../' + f.project)).toMatchObject({ ok: false });
        for (const who of ['owner', 'editor', 'viewer', 'admin'] as const) expect(await join(await socket(p.tokens[who]), f.project), who).toMatchObject({ ok: true });
      });

      it('sends a task’s and a project’s events to its owner and members only, never to a non-member', async () => {
        const stranger = await socket(p.tokens.stranger);
        await join(stranger, f.project);
        const owner = await socket(p.tokens.owner);
        const viewer = await socket(p.tokens.viewer);
        expect(await join(viewer, f.project)).toMatchObject({ ok: true });
        const heard: Record<string, string[]> = { stranger: [], owner: [], viewer: [] };
        for (const [name, s] of Object.entries({ stranger, owner, viewer })) s.onAny((event: string, payload: unknown) => heard[name]!.push(`${event} ${JSON.stringify(payload)}`));
        // A task of the owner's outside any project, then one of the project, then a version of it.
        const solo = (await p.call.owner('POST', '/api/tasks', { prompt: 'a private lighthouse' })).json.task_id as string;
        const render = (await p.call.owner('POST', `/api/projects/${f.project}/render`)).json.task_id as string;
        await p.call.owner('POST', `/api/projects/${f.project}/versions`, { name: `heard ${++counter}` });
        const about = (name: string, id: string) => heard[name]!.some((e) => e.includes(id));
        await until('the owner and the viewer to hear of them', async () => about('owner', solo) && about('owner', render) && about('viewer', render) && heard.viewer!.some((e) => e.startsWith('versions:changed')));
        // The viewer heard the project's task, not the owner's own one.
        expect(about('viewer', solo)).toBe(false);
        // The stranger's socket has had time to hear the same: nothing about the owner's tasks or project.
        // (It may hear of its own tasks: the matrix above queued some.)
        await new Promise((r) => setTimeout(r, 300));
        const leaked = heard.stranger!.filter((e) => [solo, render, f.task, f.solo, f.project, 'private lighthouse'].some((x) => e.includes(x)));
        expect(leaked).toEqual([]);
      });
    });

    describe('Yjs documents', () => {
      const open = (projectId: string, token: string | null) =>
        new Promise<{ code?: number; synced?: boolean }>((res) => {
          const ws = new WebSocket(`${t.baseUrl.replace('http', 'ws')}/collab/${projectId}${token ? `?token=${encodeURIComponent(token)}` : ''}`);
          ws.once('message', () => {
            res({ synced: true });
            ws.close();
          });
          ws.once('close', (code) => res({ code }));
          ws.once('error', () => res({ code: -1 }));
        });

      it('closes /collab/<id> for a non-member with 4403, the same code as for a project that does not exist; members and admins sync', async () => {
        expect(await open(f.project, p.tokens.stranger)).toEqual({ code: COLLAB_CLOSE.FORBIDDEN });
        // No oracle: a non-member cannot tell an existing project from an unknown id.
        expect(await open(randomUUID(), p.tokens.stranger)).toEqual({ code: COLLAB_CLOSE.FORBIDDEN });
        expect(await open(f.project, null)).toEqual({ code: COLLAB_CLOSE.UNAUTHENTICATED });
        for (const who of ['owner', 'editor', 'viewer', 'admin'] as const) expect(await open(f.project, p.tokens[who]), who).toEqual({ synced: true });
      });
    });
  });
}
