import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signIn as signInAs, teamProject } from '../support/browser';
import { ADMIN_PASSWORD, ROOT, ServerProcess, api, loginAdmin } from '../support/server-process';

const BOB_PASSWORD = 'bob-the-second-user';
const CAROL_PASSWORD = 'carol-only-watches';

/**
 * The content filter's hits in the live storyboard, marked in the editor: a member types a blocked
 * word into a scene's description, and every member's editor marks those characters inline with
 * the rule's category (in each one's language) and warns that a render would be refused; the mark
 * follows the word while people type, and goes when the word is deleted.
 */
describe('filter marks in the editor, in Chromium', () => {
  const server = new ServerProcess();
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let projectId = '';

  async function open(username: string, password: string, lang: 'en' | 'zh'): Promise<Page> {
    const { context, page } = await signInAs(browser, server.baseUrl, username, password);
    contexts.push(context);
    await page.evaluate((l) => localStorage.setItem('reelcraft.lang', l), lang);
    await page.goto(`${server.baseUrl}/projects/${projectId}`);
    await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    return page;
  }

  /** The marks drawn in a field's layer: [flagged text, action, category]. */
  const marksIn = (field: Locator) =>
    field.locator('xpath=..').getByTestId('filter-mark').evaluateAll((marks) => marks.map((m) => [m.textContent, m.getAttribute('data-action'), m.getAttribute('data-category')]));

  beforeAll(async () => {
    await server.start();
    const adminToken = await loginAdmin(server.baseUrl);
    const rule = await api(server.baseUrl, 'POST', '/api/admin/filter-rules', adminToken, { pattern: '赌博', category: 'gambling', action: 'block' });
    expect(rule.status, JSON.stringify(rule.json)).toBe(201);
    ({ projectId } = await teamProject(server.baseUrl, adminToken, 'Night market', { editor: ['bob', BOB_PASSWORD], viewer: ['carol', CAROL_PASSWORD] }));
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server.dispose();
  });

  it('marks a blocked word for the writer and the other members, follows it while typing, and clears it when the word goes', async () => {
    const alice = await open('admin', ADMIN_PASSWORD, 'en');
    const bob = await open('bob', BOB_PASSWORD, 'zh');

    await alice.getByTestId('add-scene').click();
    const aliceDesc = alice.getByTestId('scene-description').first();
    await aliceDesc.click();
    await aliceDesc.pressSequentially('They spent the night 赌博 in the back room', { delay: 10 });

    // A moment after the typing stops, the server's hits come back: the word is marked in place.
    await expect.poll(() => marksIn(aliceDesc), { timeout: 10_000, interval: 100 }).toEqual([['赌博', 'block', 'gambling']]);
    const aliceCard = alice.getByTestId('scene-card').first();
    expect(await aliceCard.getByTestId('filter-legend').innerText()).toContain('Blocked: gambling');
    const aliceNotice = aliceCard.getByTestId('scene-filter-notice');
    expect(await aliceNotice.innerText()).toBe('1 passage the content filter blocks — a render will be refused');
    // The mark lies over the word: inside the textarea, on its first line.
    const field = (await aliceDesc.boundingBox())!;
    const mark = (await aliceCard.getByTestId('filter-mark').boundingBox())!;
    // The layer holds exactly the field's text (plus a zero-width space for a last empty line).
    expect(await aliceDesc.locator('xpath=../div[contains(@class, "layer")]').textContent()).toBe(`${await aliceDesc.inputValue()}\u200b`);
    expect(mark.x).toBeGreaterThan(field.x);
    expect(mark.x + mark.width).toBeLessThan(field.x + field.width);
    expect(mark.y).toBeGreaterThan(field.y);
    expect(mark.y + mark.height).toBeLessThan(field.y + field.height / 2);

    // The other editor sees the same mark, labelled in Chinese.
    const bobDesc = bob.getByTestId('scene-description').first();
    await expect.poll(() => marksIn(bobDesc), { timeout: 5_000, interval: 100 }).toEqual([['赌博', 'block', 'gambling']]);
    const bobCard = bob.getByTestId('scene-card').first();
    expect(await bobCard.getByTestId('filter-legend').innerText()).toContain('拦截：gambling');
    expect(await bobCard.getByTestId('scene-filter-notice').innerText()).toBe('1 处内容被内容过滤拦截——渲染会被拒绝');
    await alice.screenshot({ path: join(ROOT, 'reports/filter-marks-writer.png') });
    await bob.screenshot({ path: join(ROOT, 'reports/filter-marks-member.png') });

    // Someone who opens the project later gets the latest hits on joining.
    const carol = await open('carol', CAROL_PASSWORD, 'en');
    await expect.poll(() => marksIn(carol.getByTestId('scene-description').first()), { timeout: 5_000, interval: 100 }).toEqual([['赌博', 'block', 'gambling']]);

    // Typing before the word moves the mark with it at once, on both screens, before any new answer.
    await aliceDesc.press('Control+Home');
    await aliceDesc.pressSequentially('Late. ', { delay: 10 });
    expect(await marksIn(aliceDesc)).toEqual([['赌博', 'block', 'gambling']]);
    await expect.poll(() => bobDesc.inputValue(), { timeout: 2_000, interval: 50 }).toBe('Late. They spent the night 赌博 in the back room');
    expect(await marksIn(bobDesc)).toEqual([['赌博', 'block', 'gambling']]);

    // Deleting the word takes its mark away for everyone, and the notice with it.
    const at = (await aliceDesc.inputValue()).indexOf('赌博');
    await aliceDesc.evaluate((el: HTMLTextAreaElement, i: number) => el.setSelectionRange(i, i + 2), at);
    await aliceDesc.press('Backspace');
    expect(await aliceDesc.inputValue()).toBe('Late. They spent the night  in the back room');
    await expect.poll(() => marksIn(aliceDesc), { timeout: 1_000, interval: 50 }).toEqual([]);
    await expect.poll(() => marksIn(bobDesc), { timeout: 2_000, interval: 50 }).toEqual([]);
    // The server's next answer (an empty list) clears the notices.
    await expect.poll(() => aliceNotice.count(), { timeout: 10_000, interval: 100 }).toBe(0);
    await expect.poll(() => bobCard.getByTestId('scene-filter-notice').count(), { timeout: 5_000, interval: 100 }).toBe(0);
    await bob.screenshot({ path: join(ROOT, 'reports/filter-marks-cleared.png') });
  });
});
