import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signIn as signInAs } from '../support/browser';
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
    const { context, page } = await signInAs(browser, server.baseUrl, 'admin', ADMIN_PASSWORD, { locale });
    contexts.push(context);
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
    // What was typed since that render is marked as inserted.
    expect(await versionRow.getByTestId('version-diff').locator('ins').allInnerTexts()).toEqual([', gulls overhead']);
    await page.screenshot({ path: join(ROOT, 'reports/render-history.png'), fullPage: true });
  });

  it('compares a version with the storyboard in Chinese, inserted and removed text marked, and follows edits while open', async () => {
    const project = await api(server.baseUrl, 'POST', '/api/projects', adminToken, { name: '灯塔' });
    expect(project.status).toBe(201);
    const projectId = project.json.id as string;
    const storyboard = async () => (await api(server.baseUrl, 'GET', `/api/projects/${projectId}/storyboard`, adminToken)).json as { scenes: { description: string }[] };
    const page = await signIn('zh-CN');
    await page.goto(`${server.baseUrl}/projects/${projectId}`);
    await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');

    await page.getByTestId('add-scene').click();
    const desc = page.getByTestId('scene-description').first();
    await desc.click();
    await desc.pressSequentially('渔船在清晨出港', { delay: 5 });
    await expect.poll(async () => (await storyboard()).scenes[0]?.description, { timeout: 5_000 }).toBe('渔船在清晨出港');
    const panel = page.getByTestId('version-panel');
    await panel.locator('input[type="text"]').fill('初稿');
    await panel.locator('button[type="submit"]').click();
    await expect.poll(() => page.getByTestId('version-row').count(), { timeout: 5_000 }).toBe(1);

    // After the save: "渔船" becomes "小船", a clause is added at the end, and a second scene is added.
    await desc.click();
    await desc.press('Control+Home');
    await desc.press('Delete');
    await desc.press('Delete');
    await desc.pressSequentially('小船', { delay: 5 });
    await desc.press('Control+End');
    await desc.pressSequentially('，海鸥盘旋', { delay: 5 });
    await page.getByTestId('add-scene').click();
    await page.getByTestId('scene-description').nth(1).fill('灯塔亮起');
    await expect.poll(async () => (await storyboard()).scenes.map((s) => s.description), { timeout: 5_000 }).toEqual(['小船在清晨出港，海鸥盘旋', '灯塔亮起']);

    await page.getByTestId('version-compare').click();
    const diff = page.getByTestId('version-diff');
    await diff.waitFor();
    const changed = diff.locator('[data-testid="diff-scene"][data-change="changed"]');
    await expect.poll(() => changed.locator('ins').allInnerTexts(), { timeout: 5_000 }).toEqual(['小', '，海鸥盘旋']);
    expect(await changed.locator('del').allInnerTexts()).toEqual(['渔']);
    // Removed before inserted: the line reads old and new text in one.
    expect(await changed.innerText()).toMatch(/^修改\s*分镜 1\s*画面描述\s*渔小船在清晨出港，海鸥盘旋$/);
    const added = diff.locator('[data-testid="diff-scene"][data-change="added"]');
    expect(await added.innerText()).toMatch(/^新增\s*分镜 2/);
    expect(await added.locator('ins').allInnerTexts()).toEqual(['灯塔亮起']);

    // The open comparison follows the storyboard: a further edit shows up without reopening it.
    await desc.press('Control+End');
    await desc.pressSequentially('。', { delay: 5 });
    await expect.poll(() => changed.locator('ins').allInnerTexts(), { timeout: 5_000 }).toEqual(['小', '，海鸥盘旋。']);
    await panel.screenshot({ path: join(ROOT, 'reports/version-compare-zh.png') });
    await page.getByTestId('scene-delete').nth(1).click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => added.count(), { timeout: 5_000 }).toBe(0);
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
