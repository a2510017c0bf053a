import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { ADMIN_PASSWORD, ROOT, ServerProcess } from '../support/server-process';

/** A person's path through the studio in a real browser: sign in, submit, wait, watch the video play. */
describe('studio in Chromium', () => {
  const server = new ServerProcess({ RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12' });
  let browser: Browser;

  beforeAll(async () => {
    await server.start();
    // Playwright gives every launch a fresh, empty profile of its own; the video plays without a click.
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  });
  afterAll(async () => {
    await browser?.close();
    await server.dispose();
  });

  it('signs in, submits the forest prompt, plays the finished video and signs out', async () => {
    const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.baseUrl) && !/^(data|blob):/.test(r.url())) foreign.push(r.url());
    });
    await page.goto(server.baseUrl);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();

    await page.getByTestId('prompt-input').fill('制作一段关于森林探险的短视频，包含河流和小动物');
    await page.getByTestId('submit-prompt').click();
    const row = page.getByTestId('task-row').first();
    await expect.poll(() => row.getByTestId('task-status').getAttribute('data-status'), { timeout: 150_000, interval: 500 }).toBe('completed');
    await page.screenshot({ path: join(ROOT, 'reports/studio-tasks.png') });
    // The row reads at a glance: the project's short name (the prompt's first clause), the prompt below it, a poster.
    expect(await row.getByTestId('task-link').textContent()).toBe('制作一段关于森林探险的短视频');
    expect(await row.getByTestId('task-prompt').textContent()).toBe('制作一段关于森林探险的短视频，包含河流和小动物');
    await row.getByTestId('task-poster').waitFor();
    // Chinese text has a bold face of its own: the studio's bundled Noto Sans SC, loaded from the server.
    const loadedFaces = () => page.evaluate(() => {
      let n = 0;
      document.fonts.forEach((f) => {
        if (f.family.includes('Noto Sans SC Variable') && f.status === 'loaded') n++;
      });
      return n;
    });
    await expect.poll(loadedFaces).toBeGreaterThan(0);

    await row.getByTestId('task-link').click();
    const video = page.getByTestId('video-player');
    await video.waitFor();
    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(0.5);
    expect(await video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBe(320);
    // The detail page says which planner wrote the storyboard (the LLM, or the rule-based planner).
    expect(await page.getByTestId('planner-info').getAttribute('data-planner')).toMatch(/^(llm|rule-based)$/);
    expect(await page.getByTestId('planner-badge').innerText()).toMatch(/语言模型|规则规划器/);
    await page.screenshot({ path: join(ROOT, 'reports/studio-task.png') });

    await page.getByTestId('logout').click();
    await page.getByTestId('login-username').waitFor();

    // The API docs page works offline too.
    await page.goto(`${server.baseUrl}/api/docs`);
    await page.getByText('Reelcraft API').first().waitFor();
    await page.waitForLoadState('networkidle');
    expect(foreign).toEqual([]);
  });
});
