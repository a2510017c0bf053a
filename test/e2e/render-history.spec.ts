import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { ADMIN_PASSWORD, ROOT, ServerProcess, api, loginAdmin, until } from '../support/server-process';

/**
 * The project page's render history in a real browser: each render listed with the storyboard
 * version it came from, a click on that version opens it in the versions panel; and the new-task
 * form's frame choice reaching the server.
 */
describe('render history and frame presets in Chromium', () => {
  const server = new ServerProcess({ RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12' });
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let adminToken = '';

  async function signIn(locale: string): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('current-user').waitFor();
    return page;
  }

  beforeAll(async () => {
    await server.start();
    adminToken = await loginAdmin(server.baseUrl);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server.dispose();
  });

  it('lists every render with its version, and opens that version from the list', async () => {
    const project = await api(server.baseUrl, 'POST', '/api/projects', adminToken, { name: 'Harbour history' });
    expect(project.status).toBe(201);
    const projectId = project.json.id as string;
    const page = await signIn('en-GB');
    await page.goto(`${server.baseUrl}/projects/${projectId}`);
    await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    await page.getByTestId('renders-empty').waitFor();

    await page.getByTestId('add-scene').click();
    const desc = page.getByTestId('scene-description').first();
    await desc.click();
    await desc.pressSequentially('Boats leave the harbour at dawn', { delay: 5 });
    const storyboard = async () => (await api(server.baseUrl, 'GET', `/api/projects/${projectId}/storyboard`, adminToken)).json;
    await expect.poll(async () => (await storyboard()).scenes?.[0]?.description, { timeout: 5_000 }).toBe('Boats leave the harbour at dawn');

    const rows = page.getByTestId('render-row');
    /** Renders from the editor and waits until the history shows that render finished. */
    const render = async (count: number): Promise<string> => {
      await page.getByTestId('render-button').click();
      await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(count);
      const newest = rows.first();
      await expect.poll(() => newest.getAttribute('data-status'), { timeout: 120_000, interval: 250 }).toBe('completed');
      return (await newest.getAttribute('data-task-id'))!;
    };

    const first = await render(1);
    await desc.click();
    await desc.press('Control+End');
    await desc.pressSequentially(', gulls overhead', { delay: 5 });
    await expect.poll(async () => (await storyboard()).scenes[0].description, { timeout: 5_000 }).toBe('Boats leave the harbour at dawn, gulls overhead');
    const second = await render(2);

    // Newest first, each tied to its own version; both versions are in the versions panel too.
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-task-id')))).toEqual([second, first]);
    const versionIds = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-version-id')));
    expect(new Set(versionIds).size).toBe(2);
    expect(versionIds.every((v) => !!v)).toBe(true);
    await expect.poll(() => page.getByTestId('version-row').count(), { timeout: 5_000 }).toBe(2);
    expect(await rows.first().getByTestId('render-watch').getAttribute('href')).toBe(`/api/tasks/${second}/video`);
    const poster = rows.first().locator('img');
    await expect.poll(() => poster.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 10_000 }).toBe(true);

    // The older render's version opens in the versions panel, compared with the storyboard now.
    const older = versionIds[1]!;
    await rows.nth(1).getByTestId('render-open-version').click();
    const versionRow = page.locator(`[data-testid="version-row"][data-version-id="${older}"]`);
    await expect.poll(() => versionRow.getAttribute('class'), { timeout: 5_000 }).toMatch(/focused/);
    await expect.poll(() => versionRow.locator('.diff').innerText(), { timeout: 5_000 }).toMatch(/Scene 1/);
    await page.screenshot({ path: join(ROOT, 'reports/render-history.png'), fullPage: true });
  });

  it("sends the new-task form's frame choice with the prompt", async () => {
    const page = await signIn('zh-CN');
    await page.getByTestId('prompt-aspect').selectOption('9:16');
    expect(await page.getByTestId('prompt-aspect').locator('option:checked').innerText()).toBe('9:16 竖屏');
    await page.getByTestId('prompt-input').fill('灯塔下的渔船，竖屏短片');
    await page.getByTestId('submit-prompt').click();
    const task = await until('the new task and its project', async () => {
      const list = (await api(server.baseUrl, 'GET', '/api/tasks', adminToken)).json.items as { prompt: string; project_id: string | null }[];
      return list.find((t) => t.prompt === '灯塔下的渔船，竖屏短片' && t.project_id) ?? null;
    });
    const sb = (await api(server.baseUrl, 'GET', `/api/projects/${task.project_id}/storyboard`, adminToken)).json;
    expect(sb.style).toMatchObject({ aspect: '9:16', width: 180, height: 320 });
  });
  it('marks a scene as continuing the one before it ("Continue shot"), never the first', async () => {
    const project = await api(server.baseUrl, 'POST', '/api/projects', adminToken, { name: 'One long shot' });
    const projectId = project.json.id as string;
    const page = await signIn('zh-CN');
    await page.goto(`${server.baseUrl}/projects/${projectId}`);
    await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    await page.getByTestId('add-scene').click();
    await page.getByTestId('add-scene').click();
    await expect.poll(() => page.getByTestId('scene-description').count()).toBe(2);
    // The first scene has nothing to continue from: only the second offers it.
    expect(await page.getByTestId('scene-chained').count()).toBe(1);
    const storyboard = async () => (await api(server.baseUrl, 'GET', `/api/projects/${projectId}/storyboard`, adminToken)).json as { scenes: { chained?: boolean }[] };
    await page.getByTestId('scene-chained').check();
    await expect.poll(async () => (await storyboard()).scenes.map((s) => s.chained ?? false), { timeout: 5_000 }).toEqual([false, true]);
    await page.getByTestId('scene-chained').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ROOT, 'reports/chained-scene.png') });
    await page.getByTestId('scene-chained').uncheck();
    await expect.poll(async () => (await storyboard()).scenes.map((s) => s.chained ?? false), { timeout: 5_000 }).toEqual([false, false]);
  });
});
