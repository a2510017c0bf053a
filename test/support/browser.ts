import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT, api } from './server-process';

export const CHROMIUM = '/usr/bin/chromium';
/** Headless, and none of Chromium's own calls home (this machine's network is closed). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Debian's Chromium (the test command installs it); screenshots go to reports/. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the test command installs Debian's chromium package`);
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** A fresh browser context (one person, in `locale`'s language) logged in through the studio's login page. */
export async function signIn(
  browser: Browser,
  baseUrl: string,
  username: string,
  password: string,
  { locale = 'en-GB', viewport = { width: 1280, height: 900 } }: { locale?: string; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('current-user').waitFor();
  return { context, page };
}

/**
 * The team the co-editing tests work with: the admin owns a new project, `editor` edits it and
 * `viewer` watches. Returns the project's id and the new users' ids.
 */
export async function teamProject(
  baseUrl: string,
  adminToken: string,
  name: string,
  people: { editor: [string, string]; viewer: [string, string] },
): Promise<{ projectId: string; userIds: Record<string, string> }> {
  const userIds: Record<string, string> = {};
  for (const [username, password] of [people.editor, people.viewer]) {
    const made = await api(baseUrl, 'POST', '/api/users', adminToken, { username, password });
    expect(made.status, JSON.stringify(made.json)).toBe(201);
    userIds[username] = made.json.id;
  }
  const project = await api(baseUrl, 'POST', '/api/projects', adminToken, { name });
  expect(project.status, JSON.stringify(project.json)).toBe(201);
  const projectId = project.json.id as string;
  for (const [[username], role] of [
    [people.editor, 'editor'],
    [people.viewer, 'viewer'],
  ] as const) {
    expect((await api(baseUrl, 'POST', `/api/projects/${projectId}/members`, adminToken, { username, role })).status).toBe(201);
  }
  return { projectId, userIds };
}
