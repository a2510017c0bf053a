import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signIn as signInAs } from '../support/browser';
import { ADMIN_PASSWORD, ROOT, ServerProcess } from '../support/server-process';

/**
 * The admin console in a real browser at 1280×720: an admin makes a user and a block rule there,
 * the user's prompt is refused naming the rule's category, and the hit is in the audit log.
 */
describe('admin console in Chromium', () => {
  const server = new ServerProcess({ RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12' });
  let browser: Browser;

  beforeAll(async () => {
    await server.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server.dispose();
  });

  const signIn = async (username: string, password: string, locale: string): Promise<Page> =>
    (await signInAs(browser, server.baseUrl, username, password, { locale, viewport: { width: 1280, height: 720 } })).page;

  it('creates a user and a block rule; the user is refused with the category; the audit log shows the hit', async () => {
    const admin = await signIn('admin', ADMIN_PASSWORD, 'en-GB');
    await admin.getByTestId('nav-admin').click();
    await admin.getByTestId('admin-status').waitFor();

    // Users: a new user, created in the console.
    await admin.getByTestId('admin-tab-users').click();
    await admin.getByTestId('user-new').click();
    await admin.getByTestId('user-create-username').fill('dora');
    await admin.getByTestId('user-create-password').fill('dora-password-1');
    await admin.getByTestId('user-create-submit').click();
    await admin.locator('[data-testid="user-row"][data-username="dora"]').waitFor();

    // Filter rules: block 赌博 as gambling, everywhere.
    await admin.getByTestId('admin-tab-rules').click();
    await admin.getByTestId('rule-new').click();
    await admin.getByTestId('rule-pattern').fill('赌博');
    await admin.getByTestId('rule-category').fill('gambling');
    await admin.getByTestId('rule-action').selectOption('block');
    await admin.getByTestId('rule-save').click();
    const rule = admin.locator('[data-testid="rule-row"][data-pattern="赌博"]');
    await rule.waitFor();
    expect(await rule.getByTestId('rule-hits').innerText()).toBe('0');

    // The try-this-text box shows the match without counting it.
    await admin.getByTestId('rule-tester-text').fill('我们去赌博吧');
    await admin.getByTestId('rule-tester-submit').click();
    const tried = admin.getByTestId('rule-tester-result');
    await tried.waitFor();
    expect(await tried.getByTestId('action-badge').first().getAttribute('data-action')).toBe('block');
    expect(await tried.locator('mark').first().innerText()).toBe('赌博');
    await admin.screenshot({ path: join(ROOT, 'reports/admin-rules.png') });

    // The new user has no console, and the prompt holding the word is refused, naming the category.
    const dora = await signIn('dora', 'dora-password-1', 'zh-CN');
    expect(await dora.getByTestId('nav-admin').count()).toBe(0);
    await dora.getByTestId('prompt-input').fill('制作一段关于赌博的短视频');
    await dora.getByTestId('submit-prompt').click();
    const refusal = dora.getByTestId('prompt-error');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain('gambling');
    expect(await refusal.innerText()).toContain('赌博');
    expect(await dora.getByTestId('task-row').count()).toBe(0);
    await dora.screenshot({ path: join(ROOT, 'reports/admin-refused-prompt.png') });
    await dora.goto(`${server.baseUrl}/admin`);
    await dora.getByTestId('admin-denied').waitFor();

    // The audit log, filtered to filter hits, shows dora's hit; the rule counts it.
    await admin.getByTestId('admin-tab-audit').click();
    await admin.getByTestId('audit-kind').selectOption('filter_hit');
    await admin.getByTestId('audit-apply').click();
    const hit = admin.locator('[data-testid="audit-row"][data-kind="filter_hit"]').first();
    await hit.waitFor();
    expect(await hit.innerText()).toContain('dora');
    expect(await hit.getByTestId('audit-hit').first().innerText()).toMatch(/gambling · “赌博”/);
    await admin.screenshot({ path: join(ROOT, 'reports/admin-audit.png') });

    await admin.getByTestId('admin-tab-rules').click();
    await expect.poll(() => admin.locator('[data-testid="rule-row"][data-pattern="赌博"]').getByTestId('rule-hits').innerText()).toBe('1');
  });

  it('issues a worker token shown once; a heartbeat with it lists the worker alive; revoked in the dialog, it is refused', async () => {
    const admin = await signIn('admin', ADMIN_PASSWORD, 'en-GB');
    await admin.getByTestId('nav-admin').click();
    await admin.getByTestId('admin-tab-workers').click();
    await admin.getByTestId('worker-token-name').fill('gpu-e2e');
    await admin.getByTestId('worker-token-issue').click();
    const token = await admin.getByTestId('worker-token-plaintext').innerText();
    expect(token).toMatch(/^rcw_[A-Za-z0-9_-]{43}$/);
    expect(await admin.getByTestId('worker-token-command').innerText()).toContain(`REELCRAFT_WORKER_TOKEN=${token}`);

    // A worker on another host: its heartbeat shows up within one refresh of the page.
    const beat = (): Promise<Response> =>
      fetch(`${server.baseUrl}/api/workers/heartbeat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ worker_id: 'gpu-e2e:7:abc', host: 'gpu-e2e', pid: 7, device: 'cuda:0', slots: 1, models: ['sd-turbo'], precision: 'fp16', job: null }),
      });
    expect((await beat()).status).toBe(200);
    const row = admin.locator('[data-testid="worker-row"][data-worker-id="gpu-e2e:7:abc"]');
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getAttribute('data-alive')).toBe('true');
    await admin.screenshot({ path: join(ROOT, 'reports/admin-workers.png'), fullPage: true });

    // Once hidden, the plaintext is gone from the page: the list never had it.
    await admin.getByTestId('worker-token-dismiss').click();
    expect(await admin.content()).not.toContain(token);
    await admin.locator('[data-testid="worker-token-row"][data-name="gpu-e2e"]').getByTestId('worker-token-revoke').click();
    await admin.getByTestId('confirm-ok').click();
    await expect.poll(() => admin.locator('[data-testid="worker-token-row"][data-name="gpu-e2e"]').getByTestId('worker-token-state').innerText()).toBe('Revoked');
    expect((await beat()).status).toBe(401);
  });
});
