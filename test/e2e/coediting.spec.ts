import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signIn as signInAs, teamProject } from '../support/browser';
import { ADMIN_PASSWORD, ROOT, ServerProcess, api, loginAdmin } from '../support/server-process';

const BOB_PASSWORD = 'bob-the-second-user';
const CAROL_PASSWORD = 'carol-only-watches';

/**
 * Live co-editing in two real browsers: two people open one storyboard, each sees the other's
 * typing and presence within a second, and a viewer's inputs are read-only.
 */
describe('co-editing a storyboard in Chromium', () => {
  const server = new ServerProcess();
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let projectId = '';
  let adminToken = '';
  let userIds: Record<string, string> = {};

  async function signIn(username: string, password: string): Promise<Page> {
    const { context, page } = await signInAs(browser, server.baseUrl, username, password);
    contexts.push(context);
    return page;
  }

  beforeAll(async () => {
    await server.start();
    adminToken = await loginAdmin(server.baseUrl);
    ({ projectId, userIds } = await teamProject(server.baseUrl, adminToken, 'Forest walk', { editor: ['bob', BOB_PASSWORD], viewer: ['carol', CAROL_PASSWORD] }));
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server.dispose();
  });

  it('shows each editor the other one\'s edits and presence, and keeps a viewer read-only', async () => {
    const alice = await signIn('admin', ADMIN_PASSWORD);
    const bob = await signIn('bob', BOB_PASSWORD);

    // Both find the project on their projects page, with their role.
    await alice.getByTestId('nav-projects').click();
    await expect.poll(() => alice.getByTestId('project-row').count()).toBe(1);
    await bob.goto(`${server.baseUrl}/projects`);
    const bobRow = bob.locator(`[data-testid="project-row"][data-project-id="${projectId}"]`);
    await bobRow.waitFor();
    expect(await bobRow.getAttribute('data-role')).toBe('editor');
    await bob.screenshot({ path: join(ROOT, 'reports/coediting-projects.png') });

    await alice.getByTestId('project-link').first().click();
    await bobRow.getByTestId('project-link').click();
    for (const p of [alice, bob]) {
      await expect.poll(() => p.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    }

    // Presence: each sees two avatars.
    for (const p of [alice, bob]) await expect.poll(() => p.getByTestId('presence-avatar').count(), { timeout: 5_000 }).toBe(2);

    // Alice adds a scene and types; Bob sees the scene and the text within a second.
    await alice.getByTestId('add-scene').click();
    const aliceDesc = alice.getByTestId('scene-description').first();
    await aliceDesc.click();
    await aliceDesc.pressSequentially('A fox crosses the river at dawn', { delay: 10 });
    const bobDesc = bob.getByTestId('scene-description').first();
    await expect.poll(() => bobDesc.inputValue(), { timeout: 1_000, interval: 50 }).toBe('A fox crosses the river at dawn');

    // Bob sees Alice editing that scene (highlight + name tag).
    const bobCard = bob.getByTestId('scene-card').first();
    await expect.poll(() => bobCard.getByTestId('remote-editing').getAttribute('data-user'), { timeout: 1_000, interval: 50 }).toBe('admin');

    // Bob types in the subtitle at the same time as Alice keeps typing: both edits merge.
    const bobSub = bob.getByTestId('scene-subtitle').first();
    await bobSub.click();
    await Promise.all([bobSub.pressSequentially('清晨的森林', { delay: 15 }), aliceDesc.pressSequentially(', mist rising', { delay: 15 })]);
    await expect.poll(() => alice.getByTestId('scene-subtitle').first().inputValue(), { timeout: 1_000, interval: 50 }).toBe('清晨的森林');
    await expect.poll(() => bobDesc.inputValue(), { timeout: 1_000, interval: 50 }).toBe('A fox crosses the river at dawn, mist rising');
    const aliceCard = alice.getByTestId('scene-card').first();
    await expect.poll(() => aliceCard.getByTestId('remote-editing').getAttribute('data-user'), { timeout: 1_000, interval: 50 }).toBe('bob');
    await alice.screenshot({ path: join(ROOT, 'reports/coediting-alice.png') });
    await bob.screenshot({ path: join(ROOT, 'reports/coediting-bob.png') });

    // Bob's undo takes back Bob's subtitle only, never Alice's description.
    await bob.getByTestId('undo').click();
    await expect.poll(() => alice.getByTestId('scene-subtitle').first().inputValue(), { timeout: 2_000, interval: 50 }).toBe('');
    expect(await bobDesc.inputValue()).toBe('A fox crosses the river at dawn, mist rising');

    // The viewer sees everything live, but every input is read-only.
    const carol = await signIn('carol', CAROL_PASSWORD);
    await carol.goto(`${server.baseUrl}/projects/${projectId}`);
    await carol.getByTestId('readonly-banner').waitFor();
    const carolDesc = carol.getByTestId('scene-description').first();
    await expect.poll(() => carolDesc.inputValue(), { timeout: 5_000 }).toBe('A fox crosses the river at dawn, mist rising');
    expect(await carolDesc.isEditable()).toBe(false);
    expect(await carol.getByTestId('scene-subtitle').first().isEditable()).toBe(false);
    expect(await carol.getByTestId('storyboard-title').isEditable()).toBe(false);
    expect(await carol.getByTestId('scene-shot').first().isEnabled()).toBe(false);
    expect(await carol.getByTestId('add-scene').count()).toBe(0);
    expect(await carol.getByTestId('undo').count()).toBe(0);
    expect(await carol.getByTestId('render-button').isEnabled()).toBe(false);
    await aliceDesc.pressSequentially('.', { delay: 10 });
    await expect.poll(() => carolDesc.inputValue(), { timeout: 1_000, interval: 50 }).toBe('A fox crosses the river at dawn, mist rising.');
    await expect.poll(() => carol.getByTestId('presence-avatar').count(), { timeout: 5_000 }).toBe(3);
    expect(await carol.getByTestId('connection-status').getAttribute('data-state')).toBe('online');
    await carol.screenshot({ path: join(ROOT, 'reports/coediting-viewer.png') });

    // Alice saves a version; the viewer watches Alice's render arrive as progress and a preview still.
    await alice.getByTestId('version-panel').locator('input[type="text"]').fill('first cut');
    await alice.getByTestId('version-panel').locator('button[type="submit"]').click();
    await expect.poll(() => alice.getByTestId('version-row').count(), { timeout: 5_000 }).toBe(1);
    // Every open version panel refreshes on a save (versions:changed), the viewer's too.
    await expect.poll(() => carol.getByTestId('version-row').count(), { timeout: 5_000 }).toBe(1);
    await expect.poll(() => bob.getByTestId('version-row').count(), { timeout: 5_000 }).toBe(1);
    await alice.getByTestId('render-button').click();
    await carol.getByTestId('scene-preview').first().waitFor({ timeout: 60_000 });
    expect(await carol.getByTestId('scene-preview').first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await carol.screenshot({ path: join(ROOT, 'reports/coediting-render.png') });
    // When it is done the viewer, who did not start it, may watch it; a reload still says so.
    const status = carol.getByTestId('render-status');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 120_000, interval: 250 }).toBe('completed');
    await carol.reload();
    await expect.poll(() => carol.getByTestId('render-status').getAttribute('data-status'), { timeout: 10_000 }).toBe('completed');
    await carol.getByTestId('render-status').getByRole('link').click();
    await carol.getByTestId('video-player').waitFor({ timeout: 10_000 });
    expect(await carol.getByTestId('task-delete').count()).toBe(0);
  });

  it('switches an open editor between editing and read-only when the owner changes the role, without a reload', async () => {
    const carol = await signIn('carol', CAROL_PASSWORD);
    await carol.goto(`${server.baseUrl}/projects/${projectId}`);
    await carol.getByTestId('readonly-banner').waitFor();
    const title = carol.getByTestId('storyboard-title');
    expect(await title.isEditable()).toBe(false);
    const setRole = async (role: string) =>
      expect((await api(server.baseUrl, 'PATCH', `/api/projects/${projectId}/members/${userIds.carol}`, adminToken, { role })).status).toBe(200);
    // The page must not reload: a marker on window survives only in the same document.
    await carol.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    // The owner promotes her from the storyboard's own share dialog.
    const owner = await signIn('admin', ADMIN_PASSWORD);
    await owner.goto(`${server.baseUrl}/projects/${projectId}`);
    await owner.getByTestId('editor-share').click();
    await owner.getByTestId('share-member').filter({ hasText: 'carol' }).locator('select').selectOption('editor');
    await expect.poll(() => title.isEditable(), { timeout: 5_000, interval: 50 }).toBe(true);
    // The owner's own row has no role menu or Remove; typing a name suggests the accounts that hold it.
    const ownerRow = owner.getByTestId('share-member').filter({ hasText: 'admin' });
    await ownerRow.getByTestId('share-owner-role').waitFor();
    expect(await ownerRow.locator('select').count()).toBe(0);
    expect(await ownerRow.getByRole('button').count()).toBe(0);
    expect((await api(server.baseUrl, 'POST', '/api/users', adminToken, { username: 'danielle', password: 'danielle-password' })).status).toBe(201);
    await owner.getByTestId('share-username').pressSequentially('dani');
    await expect.poll(() => owner.locator('#share-suggestions option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), { timeout: 5_000 }).toEqual(['danielle']);
    await owner.screenshot({ path: join(ROOT, 'reports/coediting-share-dialog.png') });
    expect(await carol.getByTestId('editor-share').count()).toBe(0);
    expect(await carol.getByTestId('role-notice').getAttribute('role')).toBe('status');
    expect(await carol.getByTestId('readonly-banner').count()).toBe(0);
    await expect.poll(() => carol.getByTestId('connection-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('online');
    // Her edit now reaches the server and stays.
    await title.fill('Forest walk, by Carol');
    await expect.poll(async () => (await api(server.baseUrl, 'GET', `/api/projects/${projectId}/storyboard`, adminToken)).json.title, { timeout: 5_000 }).toBe('Forest walk, by Carol');
    // The video's length follows the storyboard: two 4 s scenes joined by a crossfade overlap by 0.5 s.
    const length = carol.getByTestId('storyboard-length');
    await expect.poll(() => length.textContent()).toMatch(/\b4 s$/);
    await carol.getByTestId('scene-duplicate').first().click();
    await expect.poll(() => length.textContent()).toMatch(/\b8 s$/);
    await carol.getByTestId('scene-transition').nth(1).selectOption('crossfade');
    await expect.poll(() => length.textContent()).toMatch(/\b7\.5 s$/);
    await carol.screenshot({ path: join(ROOT, 'reports/coediting-promoted.png') });

    await setRole('viewer');
    await carol.getByTestId('readonly-banner').waitFor({ timeout: 5_000 });
    expect(await title.isEditable()).toBe(false);
    expect(await carol.getByTestId('add-scene').count()).toBe(0);
    expect(await carol.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  });
});
