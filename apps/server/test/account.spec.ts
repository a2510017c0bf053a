import type { SessionView } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, type TestApp } from '../src/testing/test-app';

/** A user's own account: changing their password, and their sessions listed and signed out. */
describe('own account', () => {
  let t: TestApp;
  let admin: ReturnType<typeof apiClient>;

  /** A session of `name`, signed in with its own User-Agent and (through TRUST_PROXY) address. */
  async function signIn(name: string, password: string, agent: string, address: string): Promise<ReturnType<typeof apiClient> & { token: string }> {
    const res = await fetch(`${t.baseUrl}/api/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': agent, 'x-forwarded-for': address },
      body: JSON.stringify({ username: name, password }),
    });
    expect(res.status).toBe(200);
    const token = ((await res.json()) as { token: string }).token;
    return Object.assign(apiClient(t.baseUrl, token), { token });
  }

  beforeAll(async () => {
    t = await startTestApp(defaultTestDatabase(), { TRUST_PROXY: 'loopback' });
    admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    for (const name of ['fay', 'gus']) expect((await admin('POST', '/api/users', { username: name, password: `${name}-password` })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('changes the password with the current one; the other sessions end, this one stays', async () => {
    const laptop = await signIn('fay', 'fay-password', 'Firefox on the laptop', '10.1.0.1');
    const phone = await signIn('fay', 'fay-password', 'Safari on the phone', '10.1.0.2');

    const wrong = await laptop('POST', '/api/users/me/password', { current_password: 'not-it', new_password: 'fay-new-password' });
    expect(wrong.status).toBe(403);
    expect(wrong.json.message).toMatch(/current password/);
    expect((await phone('GET', '/api/users/me')).status).toBe(200);
    const short = await laptop('POST', '/api/users/me/password', { current_password: 'fay-password', new_password: 'x' });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.json)).toMatch(/new_password/);
    expect((await laptop('POST', '/api/users/me/password', { current_password: 'fay-password' })).status).toBe(400);

    expect((await laptop('POST', '/api/users/me/password', { current_password: 'fay-password', new_password: 'fay-new-password' })).status).toBe(204);
    expect((await phone('GET', '/api/users/me')).status).toBe(401);
    expect((await laptop('GET', '/api/users/me')).json.username).toBe('fay');
    expect((await apiClient(t.baseUrl)('POST', '/api/users/login', { username: 'fay', password: 'fay-password' })).status).toBe(401);
    expect((await apiClient(t.baseUrl)('POST', '/api/users/login', { username: 'fay', password: 'fay-new-password' })).status).toBe(200);
  });

  it('counts wrong current passwords as failed sign-ins of that account from that address', async () => {
    const s = await signIn('gus', 'gus-password', 'curl', '10.2.0.1');
    const tries: number[] = [];
    for (let i = 0; i < 6; i++) tries.push((await s('POST', '/api/users/me/password', { current_password: `guess-${i}`, new_password: 'gus-new-password' }, { 'x-forwarded-for': '10.2.0.1' })).status);
    expect(tries.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(tries[5]).toBe(429);
    // Even the right one, from there, until the lock ends; another address is not locked.
    expect((await s('POST', '/api/users/me/password', { current_password: 'gus-password', new_password: 'gus-new-password' }, { 'x-forwarded-for': '10.2.0.1' })).status).toBe(429);
    expect((await s('POST', '/api/users/me/password', { current_password: 'gus-password', new_password: 'gus-new-password' }, { 'x-forwarded-for': '10.2.0.9' })).status).toBe(204);
  });

  it('lists its live sessions with browser and address, this one marked, and signs one out', async () => {
    const mine = await signIn('fay', 'fay-new-password', 'Chromium at the desk', '10.3.0.1');
    const other = await signIn('fay', 'fay-new-password', 'Tablet in the studio', '10.3.0.2');
    const stranger = await signIn('gus', 'gus-new-password', 'Somebody else', '10.3.0.3');

    const listed = (await mine('GET', '/api/users/me/sessions')).json as SessionView[];
    const byAgent = new Map(listed.map((s) => [s.user_agent, s]));
    expect(byAgent.get('Chromium at the desk')).toMatchObject({ address: '10.3.0.1', current: true });
    expect(byAgent.get('Tablet in the studio')).toMatchObject({ address: '10.3.0.2', current: false });
    expect(listed.filter((s) => s.current)).toHaveLength(1);
    expect(listed.some((s) => s.user_agent === 'Somebody else')).toBe(false);
    // Ended sessions (the password change above) are not listed.
    expect(listed.some((s) => s.user_agent === 'Safari on the phone')).toBe(false);

    // Another user's session is nobody's business here: not found, and still signed in.
    const theirs = ((await stranger('GET', '/api/users/me/sessions')).json as SessionView[]).find((s) => s.current)!;
    expect((await mine('DELETE', `/api/users/me/sessions/${theirs.id}`)).status).toBe(404);
    expect((await stranger('GET', '/api/users/me')).status).toBe(200);
    expect((await mine('DELETE', '/api/users/me/sessions/not-a-session')).status).toBe(404);

    const tablet = byAgent.get('Tablet in the studio')!;
    expect((await mine('DELETE', `/api/users/me/sessions/${tablet.id}`)).status).toBe(204);
    expect((await other('GET', '/api/users/me')).status).toBe(401);
    expect((await mine('DELETE', `/api/users/me/sessions/${tablet.id}`)).status).toBe(404);
    // Its own session: signed out like a logout.
    const self = byAgent.get('Chromium at the desk')!;
    expect((await mine('DELETE', `/api/users/me/sessions/${self.id}`)).status).toBe(204);
    expect((await mine('GET', '/api/users/me')).status).toBe(401);
  });
});
