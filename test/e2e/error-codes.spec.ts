import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyGguf } from '@reelcraft/inference';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signIn } from '../support/browser';
import { ADMIN_PASSWORD, ROOT, ServerProcess, api, loginAdmin, until } from '../support/server-process';

/**
 * The studio in Chinese with no language model installed (issue 16 items 1 and 2): Rewrite… is
 * disabled and says why; a server refusal on a scene card reads in Chinese, with the server's
 * English only behind "详情", and goes away when dismissed or when the user acts again; once an
 * admin drops a GGUF in and rescans, Rewrite… is enabled in the open editor without a reload.
 * Renders fail here (RENDER_MEMORY_LIMIT_MB=16 is below what a render worker needs, so the first
 * memory sample kills it): a failed task says why in Chinese, from its failure code, on the task
 * list, the task page and, heard live, in the editor's render banner; the server's English words
 * only behind "服务器原文".
 */
describe('errors and model-dependent buttons in the Chinese editor', () => {
  const modelsDir = mkdtempSync(join(tmpdir(), 'reelcraft-e2e-models-'));
  const server = new ServerProcess({ MODELS_DIR: modelsDir, RENDER_MEMORY_LIMIT_MB: '16' });
  let browser: Browser;
  let context: BrowserContext;
  let token = '';

  beforeAll(async () => {
    await server.start();
    token = await loginAdmin(server.baseUrl);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await server.dispose();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  // First: the next test installs a language model, which would make planning slower here.
  it('says in Chinese why a render failed, the English reason only behind 服务器原文', async () => {
    const created = await api(server.baseUrl, 'POST', '/api/tasks', token, { prompt: '港口的清晨，渔船出海' });
    expect(created.status).toBe(201);
    const taskId = created.json.task_id as string;
    const failed = await until('the task to fail', async () => {
      const task = (await api(server.baseUrl, 'GET', `/api/tasks/${taskId}`, token)).json;
      return task.status === 'failed' && task;
    }, 60_000);
    expect(failed).toMatchObject({ failure_code: 'out_of_memory', error: expect.stringMatching(/^render worker exceeded its memory limit of 16 MiB/) });
    const english = failed.error as string;

    const signedIn = await signIn(browser, server.baseUrl, 'admin', ADMIN_PASSWORD, { locale: 'zh-CN' });
    const page = signedIn.page;
    try {
      // The task list.
      await page.goto(`${server.baseUrl}/`);
      const row = page.locator(`[data-testid="task-row"][data-task-id="${taskId}"]`);
      const reason = row.getByTestId('task-error');
      await reason.waitFor();
      expect(await reason.getAttribute('data-code')).toBe('out_of_memory');
      expect(await reason.locator('.text').innerText()).toBe('失败原因：渲染进程内存不足');
      expect(await reason.getAttribute('title')).toBe(english);
      expect(await reason.locator('summary').innerText()).toBe('服务器原文');
      await reason.locator('summary').click();
      expect(await reason.getByTestId('task-error-detail').innerText()).toBe(english);

      // The task page.
      await page.goto(`${server.baseUrl}/tasks/${taskId}`);
      const onPage = page.getByTestId('task-error');
      await onPage.waitFor();
      expect(await onPage.locator('.text').innerText()).toBe('失败原因：渲染进程内存不足');

      // The editor of the task's project: a render started there fails, and the banner hears why over the socket.
      await page.goto(`${server.baseUrl}/projects/${failed.project_id}`);
      await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
      await expect.poll(() => page.getByTestId('render-button').isEnabled(), { timeout: 15_000 }).toBe(true);
      await page.getByTestId('render-button').click();
      const banner = page.getByTestId('render-status');
      // The banner follows the new render (its details link names it), and ends failed.
      await expect.poll(async () => (await banner.getAttribute('data-status')) === 'failed' && !(await banner.getByRole('link').getAttribute('href'))?.includes(taskId), { timeout: 30_000 }).toBe(true);
      const live = banner.getByTestId('render-failure');
      expect(await live.getAttribute('data-code')).toBe('out_of_memory');
      expect(await live.locator('.text').innerText()).toBe('渲染失败：渲染进程内存不足');
      expect(await live.getAttribute('title')).toMatch(/^render worker exceeded its memory limit of 16 MiB/);
      await page.screenshot({ path: join(ROOT, 'reports/errors-zh-render-failed.png') });
    } finally {
      await signedIn.context.close();
    }
  });

  it('disables Rewrite… with its reason, shows a refusal in Chinese, and enables Rewrite… after a rescan finds a model', async () => {
    const made = await api(server.baseUrl, 'POST', '/api/projects', token, { name: '港口' });
    expect(made.status).toBe(201);
    const projectId = made.json.id as string;

    const signedIn = await signIn(browser, server.baseUrl, 'admin', ADMIN_PASSWORD, { locale: 'zh-CN' });
    context = signedIn.context;
    const page = signedIn.page;
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');

    await page.goto(`${server.baseUrl}/projects/${projectId}`);
    await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    // Two empty scenes: merging them is refused by the server (nothing to merge).
    await page.getByTestId('add-scene').click();
    await page.getByTestId('add-scene').click();
    const cards = page.getByTestId('scene-card');
    await expect.poll(() => cards.count()).toBe(2);
    const first = cards.first();

    // No language model: Rewrite… is disabled, and its tooltip says why, in Chinese.
    const rewrite = first.getByTestId('scene-rewrite');
    await expect.poll(() => rewrite.isDisabled()).toBe(true);
    expect(await rewrite.getAttribute('title')).toMatch(/改写需要语言模型.*models\/llm/);
    // Split and merge fall back to rules without a model: not disabled for want of one.
    expect(await first.getByTestId('scene-merge').isDisabled()).toBe(false);

    // The server's refusal, in Chinese; its English words only as the detail.
    await first.getByTestId('scene-merge').click();
    const error = first.getByTestId('scene-edit-error');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('nothing_to_merge');
    expect(await error.locator('.text').innerText()).toBe('两个分镜都是空的，没有可合并的内容');
    expect(await error.getAttribute('title')).toBe('both scenes are empty: there is nothing to merge');
    await error.locator('summary').click();
    expect(await error.getByTestId('scene-edit-error-detail').innerText()).toBe('both scenes are empty: there is nothing to merge');
    await page.screenshot({ path: join(ROOT, 'reports/errors-zh-editor.png') });

    // Dismissed, it goes; acting again replaces it with the new answer, never a stale one.
    await error.getByTestId('scene-edit-error-dismiss').click();
    await expect.poll(() => error.count()).toBe(0);
    await first.getByTestId('scene-merge').click();
    await error.waitFor();
    expect(await error.locator('.text').innerText()).toBe('两个分镜都是空的，没有可合并的内容');

    // An admin drops a GGUF in and rescans: the open editor enables Rewrite… at once (models:changed).
    await writeTinyGguf(join(modelsDir, 'llm', 'tiny.gguf'));
    const rescan = await api(server.baseUrl, 'POST', '/api/admin/models/rescan', token);
    expect(rescan.status).toBe(200);
    await expect.poll(() => rewrite.isDisabled(), { timeout: 10_000 }).toBe(false);
    expect(await rewrite.getAttribute('title')).toBe('用语言模型改写此分镜');
    // Opening the rewrite form is acting again: the old refusal leaves the card.
    await rewrite.click();
    await expect.poll(() => error.count()).toBe(0);
    await first.getByTestId('scene-rewrite-form').waitFor();
  });
});
