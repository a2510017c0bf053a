import { COLLAB_CLOSE, type ClientToServerEvents, type ServerToClientEvents } from '@reelcraft/shared';
import { createHash } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Session } from '../../src/auth/session.entity';
import { apiClient, login, type TestApp } from '../../src/testing/test-app';
import type { People, Suite } from './fixtures';

/**
 * Issue 15 item 3, token tampering, expiry and revocation: a session token with a flipped
 * character, truncated, extended or padded; another user's token tampered in the cookie; an
 * expired, a signed-out, a revoked and a disabled user's session; a worker token used as a user
 * token and a session token used as a worker token. Each is 401 on REST (never 500, never anyone's
 * data), a refused Socket.IO connection and 4401 on /collab.
 */

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const heartbeat = { worker_id: 'host:1:abc', host: 'host', pid: 1, device: 'cpu', slots: 1, models: [], job: null };

/** Flips one character of a base64url token to another character of the same alphabet. */
function flip(token: string, at: number): string {
  const c = token[at]!;
  const next = c === 'A' ? 'B' : 'A';
  return token.slice(0, at) + next + token.slice(at + 1);
}

export function tokenTampering(suite: () => Suite): void {
  describe('security: token tampering, expiry and revocation', () => {
    let t: TestApp;
    let p: People;
    let project: string;
    let task: string;
    let workerToken: string;
    const sockets: ClientSocket[] = [];

    beforeAll(async () => {
      ({ t, p } = suite());
      project = suite().project.id;
      task = (await p.call.owner('POST', '/api/tasks', { prompt: 'a lighthouse keeper' })).json.task_id;
      workerToken = (await p.admin('POST', '/api/admin/worker-tokens', { name: 'tokens-spec' })).json.token;
    });
    afterAll(() => {
      for (const s of sockets) s.disconnect();
    });

    const socketRefused = (auth: { token?: string } | undefined, headers: Record<string, string> = {}) =>
      new Promise<string>((res) => {
        const s: ClientSocket = io(t.baseUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth, extraHeaders: headers });
        sockets.push(s);
        s.once('connect', () => res('connected'));
        s.once('connect_error', (err) => res(err.message));
      });
    const collabClose = (token: string) =>
      new Promise<number | 'synced'>((res) => {
        const ws = new WebSocket(`${t.baseUrl.replace('http', 'ws')}/collab/${project}?token=${encodeURIComponent(token)}`);
        ws.once('message', () => {
          res('synced');
          ws.close();
        });
        ws.once('close', (code) => res(code));
      });

    /** 401 on REST reads and writes, with a bearer header and as the cookie; refused on both sockets. */
    async function refusedEverywhere(token: string, what: string) {
      for (const [method, path] of [
        ['GET', '/api/users/me'],
        ['GET', '/api/projects'],
        ['GET', `/api/projects/${project}`],
        ['GET', `/api/tasks/${task}`],
        ['GET', '/api/admin/status'],
        ['POST', '/api/projects'],
      ] as const) {
        const body = method === 'POST' ? { name: 'should not exist' } : undefined;
        const bearer = await apiClient(t.baseUrl, token)(method, path, body);
        expect(bearer.status, `${what}: bearer ${method} ${path}`).toBe(401);
        const cookie = await apiClient(t.baseUrl)(method, path, body, { cookie: `reelcraft_session=${encodeURIComponent(token)}`, origin: t.baseUrl });
        expect(cookie.status, `${what}: cookie ${method} ${path}`).toBe(401);
      }
      expect(await socketRefused({ token }), `${what}: socket.io`).toMatch(/unauthenticated/);
      expect(await collabClose(token), `${what}: /collab`).toBe(COLLAB_CLOSE.UNAUTHENTICATED);
    }

    it('refuses a tampered session token: flipped, truncated, extended, padded, re-cased', async () => {
      const good = await login(t.baseUrl, 'alice', 'alice-password');
      // The untampered token works everywhere the tampered ones are tried.
      expect((await apiClient(t.baseUrl, good)('GET', `/api/tasks/${task}`)).status).toBe(200);
      expect(await socketRefused({ token: good })).toBe('connected');
      expect(await collabClose(good)).toBe('synced');
      const variants: [string, string][] = [
        [flip(good, 0), 'first character flipped'],
        [flip(good, good.length >> 1), 'middle character flipped'],
        [flip(good, good.length - 1), 'last character flipped'],
        [good.slice(0, -1), 'truncated by one'],
        [good.slice(0, good.length >> 1), 'truncated to half'],
        [`${good}A`, 'extended by one'],
        [good + good, 'doubled'],
        [good.toUpperCase() === good ? good.toLowerCase() : good.toUpperCase(), 're-cased'],
        [`${good}%00`, 'with an encoded NUL'],
        // (Whitespace around a header value is not part of it: HTTP clients trim it, so only inner whitespace is tampering.)
        [`${good.slice(0, 5)} ${good.slice(5)}`, 'with an inner space'],
        [Buffer.from(good, 'base64url').toString('hex'), 'the same bytes as hex'],
        [`${p.tokens.editor.slice(0, 20)}${good.slice(20)}`, 'spliced from two users’ tokens'],
      ];
      for (const [token, what] of variants) await refusedEverywhere(token, what);
      // Malformed Authorization headers.
      for (const header of [`Bearer`, `Bearer  ${flip(good, 3)}`, `Basic ${Buffer.from(`alice:${good}`).toString('base64')}`, `Bearer ${good.slice(1)}`, `Token ${flip(good, 2)}`]) {
        expect((await apiClient(t.baseUrl)('GET', '/api/users/me', undefined, { authorization: header })).status, header).toBe(401);
      }
    });

    it('never answers with someone else’s data: a tampered cookie of another user beside a valid bearer, and the reverse', async () => {
      const alice = await login(t.baseUrl, 'alice', 'alice-password');
      const bob = await login(t.baseUrl, 'bob', 'bob-password');
      const me = await apiClient(t.baseUrl, alice)('GET', '/api/users/me', undefined, { cookie: `reelcraft_session=${flip(bob, 5)}` });
      expect([200, 401]).toContain(me.status);
      if (me.status === 200) expect(me.json.username).toBe('alice');
      const other = await apiClient(t.baseUrl, flip(alice, 5))('GET', '/api/users/me', undefined, { cookie: `reelcraft_session=${bob}` });
      expect([200, 401]).toContain(other.status);
      if (other.status === 200) expect(other.json.username).toBe('bob');
      // Bob's untampered cookie does not open alice's solo task.
      expect((await apiClient(t.baseUrl)('GET', `/api/tasks/${task}`, undefined, { cookie: `reelcraft_session=${bob}` })).status).toBe(404);
    });

    it('refuses an expired session (expires_at in the past) everywhere', async () => {
      const token = await login(t.baseUrl, 'vic', 'vic-password');
      expect((await apiClient(t.baseUrl, token)('GET', '/api/users/me')).status).toBe(200);
      const sessions = t.app.get(DataSource).getRepository(Session);
      const mine = await sessions.find({ where: { user_id: p.ids.viewer } });
      await sessions.update(mine.map((s) => s.id), { expires_at: new Date(Date.now() - 1000) });
      await refusedEverywhere(token, 'expired');
      p.tokens.viewer = await login(t.baseUrl, 'vic', 'vic-password');
    });

    it('refuses a signed-out session and one ended from the sessions list', async () => {
      const out = await login(t.baseUrl, 'bob', 'bob-password');
      expect((await apiClient(t.baseUrl, out)('POST', '/api/users/logout')).status).toBe(204);
      await refusedEverywhere(out, 'signed out');
      // Signing out again with it is no error of the server's.
      expect((await apiClient(t.baseUrl, out)('POST', '/api/users/logout')).status).toBe(401);

      const ended = await login(t.baseUrl, 'bob', 'bob-password');
      const keeper = apiClient(t.baseUrl, await login(t.baseUrl, 'bob', 'bob-password'));
      const list = (await keeper('GET', '/api/users/me/sessions')).json as { id: string; current: boolean }[];
      const sessions = await t.app.get(DataSource).getRepository(Session).find({ where: { user_id: p.ids.editor } });
      const target = sessions.find((s) => s.token_hash === createHash('sha256').update(ended).digest('hex'))!;
      expect(list.map((s) => s.id)).toContain(target.id);
      expect((await keeper('DELETE', `/api/users/me/sessions/${target.id}`)).status).toBe(204);
      await refusedEverywhere(ended, 'ended from the list');
    });

    it('refuses a disabled user’s session and sign-in, and lets them in again once enabled', async () => {
      const token = await login(t.baseUrl, 'dora', 'dora-password');
      expect((await p.admin('PATCH', `/api/users/${p.ids.stranger}`, { disabled: true })).status).toBe(200);
      await refusedEverywhere(token, 'disabled');
      const again = await apiClient(t.baseUrl)('POST', '/api/users/login', { username: 'dora', password: 'dora-password' });
      expect([401, 403]).toContain(again.status);
      expect(again.json?.token).toBeUndefined();
      expect((await p.admin('PATCH', `/api/users/${p.ids.stranger}`, { disabled: false })).status).toBe(200);
      // The old session stays ended; a new sign-in works.
      expect((await apiClient(t.baseUrl, token)('GET', '/api/users/me')).status).toBe(401);
      expect((await apiClient(t.baseUrl, await login(t.baseUrl, 'dora', 'dora-password'))('GET', '/api/users/me')).status).toBe(200);
    });

    it('keeps worker tokens and session tokens apart, and refuses a tampered or revoked worker token', async () => {
      const beat = (token: string) => apiClient(t.baseUrl, token)('POST', '/api/workers/heartbeat', heartbeat);
      expect((await beat(workerToken)).status).toBe(200);
      // A worker token is no user session anywhere.
      await refusedEverywhere(workerToken, 'worker token as a session');
      // Sessions, the admin's included, are no worker tokens.
      for (const token of [p.tokens.owner, p.tokens.admin]) {
        expect((await beat(token)).status).toBe(401);
        expect((await apiClient(t.baseUrl, token)('PUT', '/api/workers/jobs/1/files/clip.mp4', 'x', { 'content-type': 'application/octet-stream' })).status).toBe(401);
      }
      for (const token of [flip(workerToken, workerToken.length - 1), workerToken.slice(0, -1), `${workerToken}A`, workerToken.replace('rcw_', 'rcw-'), workerToken.slice(4)]) {
        expect((await beat(token)).status, token).toBe(401);
      }
      const listed = (await p.admin('GET', '/api/admin/worker-tokens')).json;
      const id = ((Array.isArray(listed) ? listed : listed.items) as { id: string; name: string }[]).find((w) => w.name === 'tokens-spec')!.id;
      expect((await p.admin('DELETE', `/api/admin/worker-tokens/${id}`)).status).toBe(204);
      expect((await beat(workerToken)).status).toBe(401);
    });
  });
}
