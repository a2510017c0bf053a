import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { ADMIN_PASSWORD, ROOT, ServerProcess, api, loginAdmin, until } from '../support/server-process';

const LENA_PASSWORD = 'lena-renders-a-lot';

/**
 * Renders followed live in a real browser at 1280×720: the task list moves with Socket.IO events
 * (no reload, no polling), and in the editor a second render leaves a second take of a scene,
 * which an editor picks for the next render.
 */
describe('live renders and takes in Chromium', () => {
  const server = new ServerProcess({ RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12' });
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let adminToken = '';

  async function signIn(username: string, password: string, locale: string): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 720 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/login`);
    await page.getByTestId('login-username').fill(username);
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('current-user').waitFor();
    return page;
  }

  const setPaused = async (paused: boolean) =>
    expect((await api(server.baseUrl, 'POST', `/api/admin/queue/${paused ? 'pause' : 'resume'}`, adminToken)).status).toBe(200);

  beforeAll(async () => {
    await server.start();
    adminToken = await loginAdmin(server.baseUrl);
    expect((await api(server.baseUrl, 'POST', '/api/users', adminToken, { username: 'lena', password: LENA_PASSWORD })).status).toBe(201);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server.dispose();
  });

  it('updates the task list from socket events: no reload, no polling', async () => {
    const page = await signIn('lena', LENA_PASSWORD, 'zh-CN');
    // Every request the page makes to the tasks API, with when it was made.
    const calls: { at: number; path: string }[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/tasks')) calls.push({ at: Date.now(), path: url.pathname + url.search });
    });
    const since = (t: number) => calls.filter((c) => c.at >= t).map((c) => c.path);
    // A full reload would lose this.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    // A task waits in the paused queue: the row says where it stands, and nothing is polled meanwhile.
    await setPaused(true);
    await page.getByTestId('prompt-input').fill('清晨的森林，小鹿在河边喝水');
    await page.getByTestId('submit-prompt').click();
    const waiting = page.locator('[data-testid="task-row"][data-status="pending"]');
    await waiting.waitFor();
    expect(await waiting.getByTestId('task-queue-position').innerText()).toBe('下一个开始');
    await new Promise((r) => setTimeout(r, 500));
    const quietFrom = Date.now();
    await new Promise((r) => setTimeout(r, 4_500));
    expect(since(quietFrom), 'requests while a task waited').toEqual([]);

    // A task submitted through the API by the same user appears, and both reach "completed", live.
    const lenaToken = (await api(server.baseUrl, 'POST', '/api/users/login', undefined, { username: 'lena', password: LENA_PASSWORD })).json.token as string;
    const made = await api(server.baseUrl, 'POST', '/api/tasks', lenaToken, { prompt: 'A lighthouse at dusk, waves below' });
    expect(made.status).toBe(201);
    const liveFrom = Date.now();
    await setPaused(false);
    const fromApi = page.locator(`[data-testid="task-row"][data-task-id="${made.json.task_id}"]`);
    await expect.poll(() => fromApi.getAttribute('data-status'), { timeout: 120_000, interval: 250 }).toBe('completed');
    await expect.poll(() => page.locator('[data-testid="task-row"][data-status="completed"]').count(), { timeout: 120_000, interval: 250 }).toBe(2);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    // The list itself was fetched again only to take in the task it had not seen (not on a timer);
    // the rest were single tasks fetched on events that said less than the row shows.
    const listCalls = since(liveFrom).filter((p) => p.startsWith('/api/tasks?'));
    expect(listCalls.length, listCalls.join('\n')).toBeLessThanOrEqual(2);
    expect(since(liveFrom).every((p) => p.startsWith('/api/tasks?') || /^\/api\/tasks\/[0-9a-f-]{36}$/.test(p) || p.endsWith('/poster.jpg')), since(liveFrom).join('\n')).toBe(true);
    // Finished rows show the video's still.
    const poster = fromApi.getByTestId('task-poster');
    await expect.poll(() => poster.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 10_000 }).toBe(true);
    await page.screenshot({ path: join(ROOT, 'reports/render-live-tasks.png') });

    // Once everything is final, the page is silent.
    const idleFrom = Date.now();
    await new Promise((r) => setTimeout(r, 4_000));
    expect(since(idleFrom).filter((p) => !p.endsWith('/poster.jpg'))).toEqual([]);

    // The task page: every scene done, subtitles to download, and the strip seeks the player.
    await fromApi.getByTestId('task-link').click();
    await page.getByTestId('video-player').waitFor();
    expect(await page.getByTestId('task-scene').count()).toBeGreaterThan(1);
    expect(await page.getByTestId('subtitles-srt').getAttribute('href')).toBe(`/api/tasks/${made.json.task_id}/subtitles.srt`);
    const second = page.getByTestId('scene-strip-item').nth(1);
    const start = Number(await second.getAttribute('data-start'));
    expect(start).toBeGreaterThan(0);
    await second.click();
    await expect.poll(() => page.getByTestId('video-player').evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThanOrEqual(start);
    await page.screenshot({ path: join(ROOT, 'reports/render-live-task.png') });
  });

  it('picks an earlier take of a scene after a second render', async () => {
    const project = await api(server.baseUrl, 'POST', '/api/projects', adminToken, { name: 'River takes' });
    expect(project.status).toBe(201);
    const projectId = project.json.id as string;
    const page = await signIn('admin', ADMIN_PASSWORD, 'en-GB');
    await page.goto(`${server.baseUrl}/projects/${projectId}`);
    await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');

    await page.getByTestId('add-scene').click();
    const desc = page.getByTestId('scene-description').first();
    await desc.click();
    await desc.pressSequentially('A fox crosses the river at dawn', { delay: 5 });
    const storyboard = async () => (await api(server.baseUrl, 'GET', `/api/projects/${projectId}/storyboard`, adminToken)).json;
    await expect.poll(async () => (await storyboard()).scenes?.[0]?.description, { timeout: 5_000 }).toBe('A fox crosses the river at dawn');
    const sceneId = (await storyboard()).scenes[0].id as string;

    /** Renders from the editor and waits until that render (not an earlier one) is done; its task id. */
    const render = async (): Promise<string> => {
      const before = (await api(server.baseUrl, 'GET', `/api/projects/${projectId}`, adminToken)).json.task_id;
      await page.getByTestId('render-button').click();
      const taskId = await until('a new render', async () => {
        const id = (await api(server.baseUrl, 'GET', `/api/projects/${projectId}`, adminToken)).json.task_id;
        return id && id !== before ? (id as string) : null;
      });
      const status = page.getByTestId('render-status');
      await expect.poll(async () => `${await status.getAttribute('data-status')} ${await status.getByRole('link').first().getAttribute('href')}`, { timeout: 120_000, interval: 250 }).toBe(`completed /tasks/${taskId}`);
      return taskId;
    };

    await render();
    await desc.click();
    await desc.press('Control+End');
    await desc.pressSequentially(', mist rising', { delay: 5 });
    await expect.poll(async () => (await storyboard()).scenes[0].description, { timeout: 5_000 }).toBe('A fox crosses the river at dawn, mist rising');
    await render();

    // Two takes side by side: the newest matches the scene as it is now; the first one is picked.
    await page.getByTestId('scene-takes').first().click();
    const takes = page.getByTestId('take');
    await expect.poll(() => takes.count(), { timeout: 10_000 }).toBe(2);
    expect(await takes.nth(0).getAttribute('data-matches')).toBe('true');
    expect(await takes.nth(1).getAttribute('data-matches')).toBe('false');
    const earlier = (await takes.nth(1).getAttribute('data-take-id'))!;
    await takes.nth(1).getByTestId('take-pick').click();
    await expect.poll(() => takes.nth(1).getAttribute('data-selected'), { timeout: 5_000 }).toBe('true');
    expect(await takes.nth(1).getByTestId('take-picked').innerText()).toBe('Picked');
    const listed = (await api(server.baseUrl, 'GET', `/api/projects/${projectId}/scenes/${sceneId}/takes`, adminToken)).json as { id: string; selected: boolean }[];
    expect(listed.find((t) => t.selected)?.id).toBe(earlier);
    await page.screenshot({ path: join(ROOT, 'reports/render-live-takes.png'), fullPage: true });

    // The next render uses the picked take for the scene.
    const third = await render();
    const task = (await api(server.baseUrl, 'GET', `/api/tasks/${third}`, adminToken)).json;
    expect(task.scenes[0].take_id).toBe(earlier);

    // Deleting the other take asks first, then it is gone.
    const disk = page.getByTestId('project-disk');
    const bytesBefore = Number(await disk.getAttribute('data-bytes'));
    await takes.nth(0).getByTestId('take-delete').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => takes.count(), { timeout: 5_000 }).toBe(1);
    await expect.poll(async () => Number(await disk.getAttribute('data-bytes')), { timeout: 5_000 }).toBeLessThan(bytesBefore);
  });
});
