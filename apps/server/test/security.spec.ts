import * as encoding from 'lib0/encoding';
import { COLLAB_CLOSE, addComment, newScene, readStoryboard, sceneText, storyboardRoot, type ClientToServerEvents, type ServerToClientEvents, type Storyboard } from '@reelcraft/shared';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DOC_UPDATE } from '../src/collab/doc-update.entity';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, waitForTask, type TestApp } from '../src/testing/test-app';
import { connectEditor, synced, until, type Editor } from './support/collab-clients';

/**
 * Regression tests for the faults an outside probe found (issue 11). Each one failed on the code
 * before the fix: a malformed cookie stopped the server, sessions outlived logout on open sockets,
 * a foreign page could use the cookie, presence and comment authors could be forged, anyone could
 * lock any account, and an edit could break the storyboard's structure.
 */

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const BAD_COOKIE = 'reelcraft_session=%E0%A4%A';
const FOREIGN = 'http://127.0.0.1:9';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function storyboard(): Storyboard {
  return {
    title: 'Harbour at dawn',
    language: 'en',
    style: { style_prompt: '', negative_prompt: '', seed: 0, aspect: '16:9', width: 640, height: 360, fps: 24 },
    characters: [],
    music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
    scenes: ['boats leave', 'gulls circle'].map((description) => newScene({ description })),
  };
}

/** An awareness message (type 1) carrying these entries, as any client could write it. */
function awarenessFrame(entries: { clientId: number; clock: number; state: unknown }[]): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, entries.length);
  for (const e of entries) {
    encoding.writeVarUint(inner, e.clientId);
    encoding.writeVarUint(inner, e.clock);
    encoding.writeVarString(inner, JSON.stringify(e.state));
  }
  const outer = encoding.createEncoder();
  encoding.writeVarUint(outer, 1);
  encoding.writeVarUint8Array(outer, encoding.toUint8Array(inner));
  return encoding.toUint8Array(outer);
}

describe('security fixes', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const editors: Editor[] = [];
  const sockets: ClientSocket[] = [];
  let admin: ReturnType<typeof apiClient>;

  const editor = (projectId: string, token: string) => {
    const e = connectEditor(t.baseUrl, projectId, token);
    editors.push(e);
    return e;
  };
  const socketOf = (opts: Parameters<typeof io>[1]) => {
    const s: ClientSocket = io(t.baseUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, ...opts });
    sockets.push(s);
    return s;
  };
  const connected = (s: ClientSocket) =>
    new Promise<void>((res, rej) => {
      s.once('connect', () => res());
      s.once('connect_error', rej);
    });
  const joined = async (s: ClientSocket, projectId: string) => {
    const ack = await new Promise<{ ok: boolean }>((res) => s.emit('project:join', { project_id: projectId }, res as never));
    expect(ack.ok).toBe(true);
  };
  const rows = (projectId: string) => t.app.get(DataSource).getRepository(DOC_UPDATE).count({ where: { project_id: projectId } });

  /** A project of alice's with bob and carol as editors and vic as viewer, holding a storyboard. */
  async function project(): Promise<string> {
    const alice = apiClient(t.baseUrl, tokens.alice);
    const id = (await alice('POST', '/api/projects', { name: 'Harbour' })).json.id as string;
    for (const [username, role] of [['bob', 'editor'], ['carol', 'editor'], ['vic', 'viewer']]) {
      expect((await alice('POST', `/api/projects/${id}/members`, { username, role })).status).toBe(201);
    }
    await t.app.get(StoryboardStore).initialise(id, storyboard());
    return id;
  }

  async function signIn(name: string): Promise<string> {
    return login(t.baseUrl, name, `${name}-password`);
  }

  beforeAll(async () => {
    t = await startTestApp(defaultTestDatabase(), {
      RENDER_WIDTH: '160',
      RENDER_HEIGHT: '90',
      RENDER_FPS: '8',
      // Lets the lockout test speak for several client addresses through X-Forwarded-For.
      TRUST_PROXY: 'loopback',
      ALLOWED_ORIGINS: 'https://studio.example:8443',
      STUDIO_DIR: join(__dirname, '../../studio/build'),
    });
    admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    for (const name of ['alice', 'bob', 'carol', 'vic', 'dora', 'erin']) {
      ids[name] = (await admin('POST', '/api/users', { username: name, password: `${name}-password` })).json.id;
      tokens[name] = await signIn(name);
    }
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const e of editors) e.destroy();
    await t?.close();
  });

  describe('a malformed session cookie', () => {
    it('does not stop the server through a Socket.IO polling handshake (two requests, no account)', async () => {
      const first = await fetch(`${t.baseUrl}/socket.io/?EIO=4&transport=polling`, { headers: { cookie: BAD_COOKIE } });
      expect(first.status).toBe(200);
      const sid = JSON.parse((await first.text()).slice(1)).sid as string;
      const url = `${t.baseUrl}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
      const post = await fetch(url, { method: 'POST', body: '40', headers: { cookie: BAD_COOKIE, 'content-type': 'text/plain;charset=UTF-8' } });
      expect(post.status).toBe(200);
      // The namespace connect is refused (packet 44) instead of throwing.
      expect(await (await fetch(url, { headers: { cookie: BAD_COOKIE } })).text()).toMatch(/^44.*unauthenticated/);
      await sleep(100);
      expect((await fetch(`${t.baseUrl}/api/health`)).status).toBe(200);
    });

    it('is no session: 401 on REST (never 500), a refused Socket.IO connect and 4401 on /collab', async () => {
      for (const path of ['/api/users/me', '/api/tasks', '/api/projects']) {
        const res = await fetch(t.baseUrl + path, { headers: { cookie: BAD_COOKIE } });
        expect(res.status, path).toBe(401);
      }
      const post = await fetch(`${t.baseUrl}/api/tasks`, { method: 'POST', headers: { cookie: BAD_COOKIE, origin: t.baseUrl, 'content-type': 'application/json' }, body: '{"prompt":"x"}' });
      expect(post.status).toBe(401);
      await expect(connected(socketOf({ extraHeaders: { cookie: BAD_COOKIE, origin: t.baseUrl } }))).rejects.toThrow(/unauthenticated/);
      const pid = await project();
      const ws = new WebSocket(`${t.baseUrl.replace('http', 'ws')}/collab/${pid}`, { headers: { cookie: BAD_COOKIE, origin: t.baseUrl } });
      const code = await new Promise<number>((res) => ws.once('close', (c) => res(c)));
      expect(code).toBe(COLLAB_CLOSE.UNAUTHENTICATED);
    });
  });

  describe('ending a session ends it everywhere', () => {
    /** A member's live editor and Socket.IO socket in the project; events counted from here on. */
    async function live(pid: string, name: string) {
      const token = await signIn(name);
      const e = editor(pid, token);
      const s = socketOf({ auth: { token } });
      await Promise.all([synced(e), connected(s)]);
      await joined(s, pid);
      const disconnected = new Promise<number>((res) => s.once('disconnect', () => res(Date.now())));
      const revoked = new Promise<number>((res) => s.once('project:revoked', () => res(Date.now())));
      let versionEvents = 0;
      s.on('versions:changed', () => versionEvents++);
      return { token, e, s, disconnected, revoked, events: () => versionEvents };
    }

    /** After the cut: the member's next edit reaches neither the database nor the others, and no events reach them. */
    async function cutOff(pid: string, m: Awaited<ReturnType<typeof live>>, watcher: Editor) {
      const before = await rows(pid);
      sceneText(m.e.doc, 0, 'description').insert(0, 'AFTER THE CUT ');
      await apiClient(t.baseUrl, tokens.alice)('POST', `/api/projects/${pid}/versions`, { name: 'checkpoint' });
      await sleep(300);
      expect(await rows(pid)).toBe(before);
      expect(sceneText(watcher.doc, 0, 'description').toString()).not.toContain('AFTER THE CUT');
      expect(m.events()).toBe(0);
    }

    it('on logout: the open /collab socket closes with 4401 and the Socket.IO socket is disconnected within a second', async () => {
      const pid = await project();
      const watcher = editor(pid, tokens.alice);
      await synced(watcher);
      const bob = await live(pid, 'bob');
      const at = Date.now();
      expect((await apiClient(t.baseUrl, bob.token)('POST', '/api/users/logout')).status).toBe(204);
      const [closed, gone] = await Promise.all([bob.e.closed, bob.disconnected]);
      expect(closed.code).toBe(COLLAB_CLOSE.UNAUTHENTICATED);
      expect(gone - at).toBeLessThan(1000);
      await cutOff(pid, bob, watcher);
    });

    it('when an admin disables the account or resets its password', async () => {
      const pid = await project();
      const watcher = editor(pid, tokens.alice);
      await synced(watcher);
      const bob = await live(pid, 'bob');
      const at = Date.now();
      expect((await admin('PATCH', `/api/users/${ids.bob}`, { disabled: true })).status).toBe(200);
      expect((await bob.e.closed).code).toBe(COLLAB_CLOSE.UNAUTHENTICATED);
      expect((await bob.disconnected) - at).toBeLessThan(1000);
      await cutOff(pid, bob, watcher);
      expect((await admin('PATCH', `/api/users/${ids.bob}`, { disabled: false })).status).toBe(200);

      const carol = await live(pid, 'carol');
      expect((await admin('POST', `/api/users/${ids.carol}/password`, { password: 'carol-password' })).status).toBe(204);
      expect((await carol.e.closed).code).toBe(COLLAB_CLOSE.UNAUTHENTICATED);
      await carol.disconnected;
      await cutOff(pid, carol, watcher);
    });

    it("when the user changes their own password: every other session's sockets, not the one that changed it", async () => {
      const pid = await project();
      const watcher = editor(pid, tokens.alice);
      await synced(watcher);
      const bob = await live(pid, 'bob');
      const changer = await live(pid, 'bob');
      const at = Date.now();
      const change = (current: string, next: string) => apiClient(t.baseUrl, changer.token)('POST', '/api/users/me/password', { current_password: current, new_password: next });
      expect((await change('bob-password', 'bob-new-password')).status).toBe(204);
      expect((await bob.e.closed).code).toBe(COLLAB_CLOSE.UNAUTHENTICATED);
      expect((await bob.disconnected) - at).toBeLessThan(1000);
      await cutOff(pid, bob, watcher);
      // The session that changed it goes on editing.
      sceneText(changer.e.doc, 0, 'description').insert(0, 'STILL HERE ');
      await until('the changer’s edit at the watcher', () => sceneText(watcher.doc, 0, 'description').toString().includes('STILL HERE'));
      expect(changer.s.connected).toBe(true);
      expect((await apiClient(t.baseUrl, bob.token)('GET', '/api/users/me')).status).toBe(401);
      expect((await change('bob-new-password', 'bob-password')).status).toBe(204);
    });

    it('when the owner removes the member: 4403 on /collab and out of the room', async () => {
      const pid = await project();
      const watcher = editor(pid, tokens.alice);
      await synced(watcher);
      const bob = await live(pid, 'bob');
      const at = Date.now();
      expect((await apiClient(t.baseUrl, tokens.alice)('DELETE', `/api/projects/${pid}/members/${ids.bob}`)).status).toBe(204);
      expect((await bob.e.closed).code).toBe(COLLAB_CLOSE.FORBIDDEN);
      expect((await bob.revoked) - at).toBeLessThan(1000);
      await cutOff(pid, bob, watcher);
    });

    it('when an admin who is no member loses the admin role', async () => {
      const pid = await project();
      expect((await admin('PATCH', `/api/users/${ids.dora}`, { role: 'admin' })).status).toBe(200);
      const dora = await live(pid, 'dora');
      const at = Date.now();
      expect((await admin('PATCH', `/api/users/${ids.dora}`, { role: 'user' })).status).toBe(200);
      expect((await dora.e.closed).code).toBe(COLLAB_CLOSE.FORBIDDEN);
      expect((await dora.revoked) - at).toBeLessThan(1000);
    });
  });

  describe('same origin for the cookie', () => {
    it('refuses a cookie POST from a foreign or missing Origin (403) and accepts the studio’s own and the allowed ones', async () => {
      const cookie = `reelcraft_session=${tokens.erin}`;
      const post = (headers: Record<string, string>) =>
        fetch(`${t.baseUrl}/api/projects`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{"name":"from a page"}' });
      expect((await post({ origin: FOREIGN })).status).toBe(403);
      expect((await post({ referer: `${FOREIGN}/evil.html` })).status).toBe(403);
      expect((await post({ origin: 'null' })).status).toBe(403);
      expect((await post({})).status).toBe(403);
      expect((await post({ origin: t.baseUrl })).status).toBe(201);
      expect((await post({ referer: `${t.baseUrl}/projects` })).status).toBe(201);
      expect((await post({ origin: 'https://studio.example:8443' })).status).toBe(201);
      // Reading is not a change; a Bearer token is not sent by the browser on its own.
      expect((await fetch(`${t.baseUrl}/api/projects`, { headers: { cookie, origin: FOREIGN } })).status).toBe(200);
      const bearer = await fetch(`${t.baseUrl}/api/projects`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.erin}`, origin: FOREIGN, 'content-type': 'application/json' },
        body: '{"name":"api client"}',
      });
      expect(bearer.status).toBe(201);
    });

    it('refuses a cookie WebSocket and Socket.IO handshake from a foreign Origin and accepts the studio’s own', async () => {
      const pid = await project();
      const cookie = `reelcraft_session=${tokens.alice}`;
      const collab = (origin: string) =>
        new Promise<{ code?: number; synced?: boolean }>((res) => {
          const ws = new WebSocket(`${t.baseUrl.replace('http', 'ws')}/collab/${pid}`, { headers: { cookie, origin } });
          ws.once('message', () => {
            res({ synced: true });
            ws.close();
          });
          ws.once('close', (code) => res({ code }));
        });
      expect(await collab(FOREIGN)).toEqual({ code: COLLAB_CLOSE.FORBIDDEN });
      expect(await collab(t.baseUrl)).toEqual({ synced: true });

      await expect(connected(socketOf({ extraHeaders: { cookie, origin: FOREIGN } }))).rejects.toThrow(/forbidden/);
      await connected(socketOf({ extraHeaders: { cookie, origin: t.baseUrl } }));
    });
  });

  describe('presence and authorship are the server’s word', () => {
    it('stamps the signed-in name, drops foreign client ids, neutralises a URL colour and caps a flood', async () => {
      const pid = await project();
      // Fresh sign-ins: the tests above ended some of the first sessions on purpose.
      const [alice, bob, vic] = [editor(pid, tokens.alice), editor(pid, await signIn('bob')), editor(pid, await signIn('vic'))];
      await Promise.all([alice, bob, vic].map(synced));
      alice.provider.awareness.setLocalState({ user: { name: 'alice', colour: '#c2410c' }, editing: null });
      await until('alice’s presence at bob', () => bob.provider.awareness.getStates().has(alice.doc.clientID));

      // Bob claims to be alice, with a colour that would make browsers fetch a URL.
      bob.provider.awareness.setLocalState({ user: { name: 'alice', colour: 'url(http://127.0.0.1:9/x)' }, editing: null });
      const seen = await until('bob’s presence at alice', () => alice.provider.awareness.getStates().get(bob.doc.clientID) as any);
      expect(seen.user).toEqual({ id: ids.bob, name: 'bob', colour: '#64748b' });

      // Bob overwrites and removes alice's state by her client id: dropped.
      const ws = (bob.provider as unknown as { ws: WebSocket }).ws;
      ws.send(awarenessFrame([{ clientId: alice.doc.clientID, clock: 1000, state: { user: { name: 'mallory', colour: '#000000' } } }]));
      ws.send(awarenessFrame([{ clientId: alice.doc.clientID, clock: 1001, state: null }]));

      // Vic, a viewer, invents a thousand people in one message.
      const vicWs = (vic.provider as unknown as { ws: WebSocket }).ws;
      vicWs.send(awarenessFrame(Array.from({ length: 1000 }, (_, i) => ({ clientId: 900_000 + i, clock: 1, state: { user: { name: `ghost${i}`, colour: '#111111' } } }))));
      await sleep(500);

      const states = bob.provider.awareness.getStates();
      expect((states.get(alice.doc.clientID) as any)?.user?.name).toBe('alice');
      const ghosts = [...states.values()].filter((s) => String((s as any)?.user?.name ?? '').startsWith('ghost') || (s as any)?.user?.id === ids.vic);
      expect(ghosts.length).toBeLessThanOrEqual(4);
      // Whatever vic got in carries vic's name, not the invented one.
      for (const g of ghosts) expect((g as any).user.name).toBe('vic');
      expect(states.size).toBeLessThanOrEqual(2 + 4);
    });

    it('refuses a comment written under another user’s name (4400, not stored) and keeps one under one’s own', async () => {
      const pid = await project();
      const [alice, bob] = [editor(pid, tokens.alice), editor(pid, await signIn('bob'))];
      await Promise.all([alice, bob].map(synced));
      const sceneId = readStoryboard(bob.doc).ok ? (storyboardRoot(bob.doc).toJSON().scenes[0].id as string) : '';
      addComment(bob.doc, sceneId, { author: 'bob', text: 'mine' });
      await until('bob’s own comment at alice', () => JSON.stringify(storyboardRoot(alice.doc).toJSON()).includes('mine'));
      const before = await rows(pid);

      addComment(bob.doc, sceneId, { author: 'alice', text: 'I approve everything' });
      const closed = await bob.closed;
      expect(closed.code).toBe(COLLAB_CLOSE.MALFORMED);
      expect(closed.reason).toMatch(/your own name/);
      await sleep(200);
      expect(await rows(pid)).toBe(before);
      expect(JSON.stringify(storyboardRoot(alice.doc).toJSON())).not.toContain('I approve everything');
    });
  });

  describe('nobody can lock someone else out', () => {
    const attempt = (password: string, address: string, username = 'erin') =>
      fetch(`${t.baseUrl}/api/users/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
        body: JSON.stringify({ username, password }),
      });

    it('locks the guessing address for that username only: the right password from another address signs in', async () => {
      for (let i = 0; i < 5; i++) expect((await attempt('wrong', '10.66.0.1')).status).toBe(401);
      expect((await attempt('erin-password', '10.66.0.1')).status).toBe(429);
      expect((await attempt('erin-password', '10.20.0.2')).status).toBe(200);
      // Case variants are other names: they count against nobody else.
      for (let i = 0; i < 5; i++) await attempt('wrong', '10.66.0.3', 'ERIN');
      expect((await attempt('erin-password', '10.66.0.3')).status).toBe(200);
    });

    it('still limits one address spraying many usernames', async () => {
      let last = 0;
      for (let i = 0; i < 31; i++) last = (await attempt('wrong', '10.77.0.1', `nobody${i}`)).status;
      expect(last).toBe(429);
      expect((await attempt('erin-password', '10.77.0.1')).status).toBe(429);
      expect((await attempt('erin-password', '10.77.0.2')).status).toBe(200);
    });
  });

  describe('headers', () => {
    it('sends nosniff and Referrer-Policy everywhere, and a strict CSP on studio pages', async () => {
      for (const path of ['/api/health', '/api/users/me', '/', '/projects/some-id', '/socket.io/?EIO=4&transport=polling']) {
        const res = await fetch(t.baseUrl + path);
        expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
        expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      }
      for (const path of ['/', '/tasks/abc']) {
        const csp = (await fetch(t.baseUrl + path)).headers.get('content-security-policy') ?? '';
        const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
        expect(directives['script-src'], path).toContain("'self'");
        expect(directives['script-src']).not.toContain("'unsafe-inline'");
        expect(directives['script-src'].some((s: string) => s.startsWith("'sha256-"))).toBe(true);
        expect(directives['frame-ancestors']).toEqual(["'none'"]);
        expect(directives['connect-src']).toEqual(["'self'"]);
        expect(directives['img-src']).toEqual(["'self'", 'blob:', 'data:']);
      }
    });

    it('marks the cookie Secure when the request came over HTTPS through a trusted proxy', async () => {
      const over = async (proto: string) =>
        (await fetch(`${t.baseUrl}/api/users/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-proto': proto },
          body: JSON.stringify({ username: 'erin', password: 'erin-password' }),
        })).headers.get('set-cookie') ?? '';
      expect(await over('https')).toMatch(/;\s*Secure/i);
      expect(await over('http')).not.toMatch(/;\s*Secure/i);
    });

    it('answers 416 with the size to an unsatisfiable Range', async () => {
      const alice = apiClient(t.baseUrl, tokens.alice);
      const task = (await alice('POST', '/api/tasks', { prompt: 'a short harbour scene' })).json.task_id as string;
      expect((await waitForTask(t.baseUrl, tokens.alice, task)).status).toBe('completed');
      const size = await new Promise<{ status: number; range: string | undefined }>((res, rej) => {
        const req = httpRequest(`${t.baseUrl}/api/tasks/${task}/video`, { headers: { authorization: `Bearer ${tokens.alice}`, range: 'bytes=999999999-' } }, (r) => {
          r.resume();
          res({ status: r.statusCode ?? 0, range: r.headers['content-range'] });
        });
        req.on('error', rej);
        req.end();
      });
      expect(size.status).toBe(416);
      expect(size.range).toMatch(/^bytes \*\/\d+$/);
    });
  });

  describe('the storyboard cannot be broken by an edit', () => {
    it('refuses an update that replaces the structure (4400), stores nothing and keeps the REST snapshot', async () => {
      const pid = await project();
      const [alice, bob] = [editor(pid, tokens.alice), editor(pid, await signIn('bob'))];
      await Promise.all([alice, bob].map(synced));
      const before = await rows(pid);
      storyboardRoot(bob.doc).set('scenes', 'gone');
      const closed = await bob.closed;
      expect(closed.code).toBe(COLLAB_CLOSE.MALFORMED);
      expect(closed.reason).toMatch(/break the storyboard/);
      expect(await rows(pid)).toBe(before);
      const snapshot = await apiClient(t.baseUrl, tokens.alice)('GET', `/api/projects/${pid}/storyboard`);
      expect(snapshot.status).toBe(200);
      expect(snapshot.json.scenes).toHaveLength(2);

      const carol = editor(pid, await signIn('carol'));
      await synced(carol);
      storyboardRoot(carol.doc).clear();
      expect((await carol.closed).code).toBe(COLLAB_CLOSE.MALFORMED);
      expect((await apiClient(t.baseUrl, tokens.alice)('GET', `/api/projects/${pid}/storyboard`)).status).toBe(200);
      // Ordinary edits still go through.
      sceneText(alice.doc, 0, 'description').insert(0, 'still fine ');
      await until('the edit to be stored', async () => (await rows(pid)) > before);
    });
  });
});

describe('the studio’s files and the server’s own paths', () => {
  let t: TestApp;
  let studio: string;

  beforeAll(async () => {
    // A studio folder that (by accident or on purpose) holds files under the server's own paths.
    studio = await mkdtemp(join(tmpdir(), 'reelcraft-studio-'));
    await writeFile(join(studio, '200.html'), `<!doctype html><meta http-equiv="content-security-policy" content="default-src 'self'; script-src 'self'"><title>studio</title>`);
    await writeFile(join(studio, 'app.js'), 'console.log(1)');
    for (const dir of ['api', 'socket.io', 'collab']) {
      await mkdir(join(studio, dir), { recursive: true });
      await writeFile(join(studio, dir, 'health'), 'not the server');
    }
    t = await startTestApp(defaultTestDatabase(), { STUDIO_DIR: studio });
  });

  afterAll(async () => {
    await t?.close();
    await rm(studio, { recursive: true, force: true });
  });

  it('serves the studio’s files and page, and never a file in place of an API, Socket.IO or collab path', async () => {
    expect(await (await fetch(`${t.baseUrl}/app.js`)).text()).toBe('console.log(1)');
    expect(await (await fetch(`${t.baseUrl}/projects/p1`)).text()).toContain('<title>studio</title>');
    const health = await fetch(`${t.baseUrl}/api/health`);
    expect(health.headers.get('content-type')).toMatch(/json/);
    expect(await health.text()).not.toContain('not the server');
    for (const path of ['/socket.io/health', '/collab/health']) expect(await (await fetch(t.baseUrl + path)).text(), path).not.toContain('not the server');
  });
});
