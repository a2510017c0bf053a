import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signIn as signInAs, teamProject } from '../support/browser';
import { ADMIN_PASSWORD, ROOT, ServerProcess, api, loginAdmin } from '../support/server-process';

const BOB_PASSWORD = 'bob-the-second-user';
const CAROL_PASSWORD = 'carol-only-watches';
const POLL = { timeout: 15_000, interval: 50 };

/**
 * Offline editing in real browsers: an editor loses the network, keeps editing while another edits
 * online, and both converge when the network returns; an edit made offline in a tab that is then
 * closed reaches the server from the next tab; viewers keep no local copy; logout and a deleted
 * project clear the local copies.
 *
 * Chromium's offline emulation (context.setOffline) fires the `offline` event and blocks new
 * connections, but leaves an open WebSocket half alive: the page's frames still reach the server,
 * the server's are held back (the server's close handshake too, so the server only notices the
 * socket is gone at its close timeout, as with a real network loss). The studio closes its socket
 * on `offline`; the test checks that nothing Alice types offline reaches the server or Bob until
 * the network returns, which would fail if the half-alive socket still carried her edits.
 */
describe('offline edits in Chromium', () => {
  const server = new ServerProcess();
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let admin = '';
  let adminId = '';
  let userIds: Record<string, string> = {};
  let projectId = '';

  async function signIn(username: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
    const signedIn = await signInAs(browser, server.baseUrl, username, password);
    contexts.push(signedIn.context);
    return signedIn;
  }

  async function openProject(page: Page, id = projectId): Promise<void> {
    await page.goto(`${server.baseUrl}/projects/${id}`);
    await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state'), POLL).toBe('online');
  }

  const state = (page: Page) => page.getByTestId('connection-status').getAttribute('data-state');
  const description = (page: Page) => page.getByTestId('scene-description').first();
  const subtitle = (page: Page) => page.getByTestId('scene-subtitle').first();

  /** The storyboard the server holds (the validated REST snapshot). */
  async function stored(id = projectId): Promise<{ description: string; subtitle: string }> {
    const res = await api(server.baseUrl, 'GET', `/api/projects/${id}/storyboard`, admin);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const scene = res.json.scenes[0] ?? { description: '', subtitle: '' };
    return { description: scene.description, subtitle: scene.subtitle };
  }

  /** Names of this origin's IndexedDB databases that hold storyboard copies. */
  const localCopies = (page: Page) =>
    page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('reelcraft:storyboard:')).sort());

  /** Records in a local copy's update store (one per local transaction until y-indexeddb compacts at 500). */
  const storedUpdates = (page: Page, name: string) =>
    page.evaluate(
      (name) =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open(name);
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const count = db.transaction('updates', 'readonly').objectStore('updates').count();
            count.onsuccess = () => {
              db.close();
              resolve(count.result);
            };
            count.onerror = () => reject(count.error);
          };
        }),
      name,
    );

  beforeAll(async () => {
    await server.start();
    admin = await loginAdmin(server.baseUrl);
    adminId = (await api(server.baseUrl, 'GET', '/api/users/me', admin)).json.id;
    ({ projectId, userIds } = await teamProject(server.baseUrl, admin, 'Offline walk', { editor: ['bob', BOB_PASSWORD], viewer: ['carol', CAROL_PASSWORD] }));
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server.dispose();
  });

  it('merges edits made offline with edits made meanwhile, also from a tab closed while offline', async () => {
    const { context: aliceContext, page: alice } = await signIn('admin', ADMIN_PASSWORD);
    const { page: bob } = await signIn('bob', BOB_PASSWORD);
    await openProject(alice);
    await openProject(bob);
    for (const p of [alice, bob]) await expect.poll(() => p.getByTestId('presence-avatar').count(), POLL).toBe(2);

    await alice.getByTestId('add-scene').click();
    await description(alice).click();
    await description(alice).pressSequentially('A fox at dawn.', { delay: 10 });
    await expect.poll(() => description(bob).inputValue(), POLL).toBe('A fox at dawn.');
    // Editors keep a local copy, keyed by user and project.
    const aliceCopy = `reelcraft:storyboard:${adminId}:${projectId}`;
    expect(await localCopies(alice)).toEqual([aliceCopy]);

    // Alice loses the network, and her studio says so.
    await aliceContext.setOffline(true);
    await expect.poll(() => state(alice), POLL).toBe('offline');

    // Both edit the same scene meanwhile: Alice offline (the description), Bob online (the subtitle and the description).
    await description(alice).click();
    await description(alice).press('End');
    await description(alice).pressSequentially(' Offline-A', { delay: 10 });
    await expect.poll(async () => Number(await alice.getByTestId('offline-banner').getAttribute('data-count')), POLL).toBeGreaterThanOrEqual(10);
    expect(await alice.getByTestId('pending-changes').textContent()).toMatch(/^\d+ local changes not yet saved$/);
    await alice.screenshot({ path: join(ROOT, 'reports/offline-editing-offline.png') });

    await subtitle(bob).click();
    await subtitle(bob).pressSequentially('Online-B', { delay: 10 });
    await description(bob).click();
    await description(bob).press('Home');
    await description(bob).pressSequentially('B: ', { delay: 10 });
    await expect.poll(async () => (await stored()).subtitle, POLL).toBe('Online-B');
    await expect.poll(async () => (await stored()).description, POLL).toBe('B: A fox at dawn.');
    // Alice's offline edit has reached neither the server (above: exactly Bob's text) nor Bob, nor Bob's reached her.
    expect(await description(bob).inputValue()).toBe('B: A fox at dawn.');
    expect(await subtitle(alice).inputValue()).toBe('');

    // The network returns: both converge on both edits, and the server stores them.
    await aliceContext.setOffline(false);
    await expect.poll(() => state(alice), POLL).toBe('online');
    const merged = 'B: A fox at dawn. Offline-A';
    for (const p of [alice, bob]) {
      await expect.poll(() => description(p).inputValue(), POLL).toBe(merged);
      await expect.poll(() => subtitle(p).inputValue(), POLL).toBe('Online-B');
    }
    await expect.poll(() => stored(), POLL).toEqual({ description: merged, subtitle: 'Online-B' });
    expect(await alice.getByTestId('offline-banner').count()).toBe(0);
    await alice.screenshot({ path: join(ROOT, 'reports/offline-editing-merged.png') });

    // Offline again, an edit, and the tab is closed before the network returns.
    await aliceContext.setOffline(true);
    await expect.poll(() => state(alice), POLL).toBe('offline');
    const before = await storedUpdates(alice, aliceCopy);
    await description(alice).click();
    await description(alice).press('End');
    const typed = ' Closed-tab';
    await description(alice).pressSequentially(typed, { delay: 10 });
    // Every keystroke is in IndexedDB before the tab goes.
    await expect.poll(() => storedUpdates(alice, aliceCopy), POLL).toBeGreaterThanOrEqual(before + typed.length);
    await alice.close();
    expect((await stored()).description).toBe(merged);

    // Online again, a new tab opens the project: it loads the local copy and the sync sends the edit.
    await aliceContext.setOffline(false);
    const again = await aliceContext.newPage();
    await openProject(again);
    await expect.poll(async () => (await stored()).description, POLL).toBe(`${merged}${typed}`);
    await expect.poll(() => description(bob).inputValue(), POLL).toBe(`${merged}${typed}`);
    expect(await again.getByTestId('offline-banner').count()).toBe(0);

    // Logout deletes this user's local copies.
    await again.getByTestId('logout').click();
    await again.getByTestId('login-submit').waitFor();
    await expect.poll(() => localCopies(again), POLL).toEqual([]);
  });

  it('keeps no local copy for a viewer, discards unsent edits of an editor made viewer, and drops the copy of a deleted project', async () => {
    const { page: carol } = await signIn('carol', CAROL_PASSWORD);
    await openProject(carol);
    await carol.getByTestId('readonly-banner').waitFor();
    expect(await localCopies(carol)).toEqual([]);

    // Bob edits offline and closes the tab; meanwhile he is made a viewer. His next visit drops the
    // edit unsent (a viewer's update would be refused anyway) and says so.
    const { context: bobContext, page: bob } = await signIn('bob', BOB_PASSWORD);
    await openProject(bob);
    const bobCopy = `reelcraft:storyboard:${userIds.bob}:${projectId}`;
    expect(await localCopies(bob)).toEqual([bobCopy]);
    const storedBefore = await stored();
    await bobContext.setOffline(true);
    await expect.poll(() => state(bob), POLL).toBe('offline');
    const before = await storedUpdates(bob, bobCopy);
    await subtitle(bob).click();
    await subtitle(bob).press('End');
    await subtitle(bob).pressSequentially(' never-sent', { delay: 10 });
    await expect.poll(() => storedUpdates(bob, bobCopy), POLL).toBeGreaterThanOrEqual(before + ' never-sent'.length);
    await bob.close();
    await bobContext.setOffline(false);
    expect((await api(server.baseUrl, 'PATCH', `/api/projects/${projectId}/members/${userIds.bob}`, admin, { role: 'viewer' })).status).toBe(200);
    const bobAgain = await bobContext.newPage();
    await openProject(bobAgain);
    await bobAgain.getByTestId('readonly-banner').waitFor();
    await bobAgain.getByTestId('discarded-banner').waitFor();
    expect(await bobAgain.getByTestId('discarded-banner').textContent()).toContain('11 offline changes');
    await expect.poll(() => subtitle(bobAgain).inputValue(), POLL).toBe(storedBefore.subtitle);
    await expect.poll(() => localCopies(bobAgain), POLL).toEqual([]);
    expect(await stored()).toEqual(storedBefore);

    const doomed = await api(server.baseUrl, 'POST', '/api/projects', admin, { name: 'Short-lived' });
    expect(doomed.status).toBe(201);
    const { page: alice } = await signIn('admin', ADMIN_PASSWORD);
    await openProject(alice, doomed.json.id);
    await alice.getByTestId('add-scene').click();
    // Characters go through the shared helpers: add one, describe its look, put it in the scene.
    await alice.getByTestId('characters-toggle').click();
    await alice.getByTestId('character-new-name').fill('Fox');
    await alice.getByTestId('character-add').click();
    await alice.getByTestId('character-description').first().pressSequentially('a red fox', { delay: 10 });
    await alice.getByTestId('scene-character').first().check();
    await expect
      .poll(async () => {
        const sb = (await api(server.baseUrl, 'GET', `/api/projects/${doomed.json.id}/storyboard`, admin)).json;
        return { characters: sb.characters.map((c: { name: string; description: string }) => [c.name, c.description]), linked: sb.scenes[0]?.character_ids.length };
      }, POLL)
      .toEqual({ characters: [['Fox', 'a red fox']], linked: 1 });
    await alice.screenshot({ path: join(ROOT, 'reports/offline-editing-characters.png') });
    const copy = `reelcraft:storyboard:${adminId}:${doomed.json.id}`;
    await expect.poll(() => localCopies(alice), POLL).toContain(copy);
    expect((await api(server.baseUrl, 'DELETE', `/api/projects/${doomed.json.id}`, admin)).status).toBe(204);
    await expect.poll(() => state(alice), POLL).toBe('closed');
    await expect.poll(() => localCopies(alice), POLL).not.toContain(copy);
  });
});
