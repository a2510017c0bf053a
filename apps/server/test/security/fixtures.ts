import { newScene, type Storyboard } from '@reelcraft/shared';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoryboardStore } from '../../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, login, startTestApp, waitForTask, type DatabaseKind, type TestApp } from '../../src/testing/test-app';

/**
 * Shared set-up of the security suite (issue 15 item 3): the people of a project in every role,
 * and small real media files (made by ffmpeg) for the upload routes.
 */

export const ROLES = ['owner', 'editor', 'viewer', 'stranger', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** Who plays each role: alice owns the projects, bob edits, vic views, dora is in none, admin is the built-in admin. */
export const PEOPLE: Record<Role, string> = { owner: 'alice', editor: 'bob', viewer: 'vic', stranger: 'dora', admin: 'admin' };
export type Client = ReturnType<typeof apiClient>;

export function storyboard(title = 'Harbour at dawn'): Storyboard {
  return {
    title,
    language: 'en',
    style: { style_prompt: '', negative_prompt: '', seed: 0, aspect: '16:9', width: 640, height: 360, fps: 24 },
    characters: [],
    music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
    scenes: ['boats leave', 'gulls circle', 'night falls'].map((description) => ({ ...newScene({ description }), subtitle: `${description}.`, duration_sec: 1 })),
  };
}

export interface People {
  tokens: Record<Role, string>;
  ids: Record<Role, string>;
  call: Record<Role, Client>;
  admin: Client;
}

/** Creates alice, bob, vic and dora (password `<name>-password`) and signs everyone in. */
export async function people(t: TestApp, extra: string[] = []): Promise<People> {
  const adminToken = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
  const admin = apiClient(t.baseUrl, adminToken);
  const tokens = { admin: adminToken } as Record<Role, string>;
  const ids = { admin: (await admin('GET', '/api/users/me')).json.id } as Record<Role, string>;
  for (const role of ROLES.filter((r) => r !== 'admin')) {
    const name = PEOPLE[role];
    ids[role] = (await admin('POST', '/api/users', { username: name, password: `${name}-password` })).json.id;
    tokens[role] = await login(t.baseUrl, name, `${name}-password`);
  }
  for (const name of extra) await admin('POST', '/api/users', { username: name, password: `${name}-password` });
  const call = Object.fromEntries(ROLES.map((r) => [r, apiClient(t.baseUrl, tokens[r])])) as Record<Role, Client>;
  return { tokens, ids, call, admin };
}

/** A project of alice's with bob as editor and vic as viewer, holding a three-scene storyboard; its id and scene ids. */
export async function memberProject(t: TestApp, p: People, name = 'Harbour'): Promise<{ id: string; scenes: string[] }> {
  const res = await p.call.owner('POST', '/api/projects', { name });
  if (res.status !== 201) throw new Error(`project: ${res.status} ${res.text}`);
  const id = res.json.id as string;
  for (const [username, role] of [['bob', 'editor'], ['vic', 'viewer']]) {
    const added = await p.call.owner('POST', `/api/projects/${id}/members`, { username, role });
    if (added.status !== 201) throw new Error(`member: ${added.status} ${added.text}`);
  }
  const sb = storyboard(name);
  await t.app.get(StoryboardStore).initialise(id, sb);
  return { id, scenes: sb.scenes.map((s) => s.id) };
}

/** Small real media: a PNG still, and a WAV tone the music library accepts. */
export function mediaFiles(): { dir: string; png: string; wav: string } {
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-security-'));
  const png = join(dir, 'still.png');
  const wav = join(dir, 'tone.wav');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=1', '-frames:v', '1', png]);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-ar', '44100', wav]);
  return { dir, png, wav };
}

/** A multipart POST of one file (field `file`) plus text fields. */
export async function postFile(t: TestApp, token: string | undefined, path: string, file: string, name: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(file)]), name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const res = await fetch(t.baseUrl + path, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, body: form });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

/** Planted beside the data folder, in the studio's parent folders and at the data folder's root: no route may serve it. */
export const CANARY = 'CANARY-outside-the-data-folder-7f3a';

/**
 * One running app for the matrix, traversal and token suites: the people, a project of alice's
 * with a finished render (its takes, posters, subtitles), an uploaded still, a music track, and a
 * studio folder of its own with canary files around it. The render queue is paused afterwards.
 */
export interface Suite {
  t: TestApp;
  p: People;
  files: ReturnType<typeof mediaFiles>;
  studioDir: string;
  canaryDir: string;
  project: { id: string; scenes: string[] };
  task: string;
  take: string;
  media: string;
  music: string;
}

export async function bootSuite(kind: DatabaseKind): Promise<Suite> {
  const files = mediaFiles();
  const canaryDir = join(files.dir, 'outside');
  const studioDir = join(canaryDir, 'studio', 'build');
  mkdirSync(join(studioDir, '_app'), { recursive: true });
  const page = `<!doctype html><meta http-equiv="content-security-policy" content="script-src 'self'"><title>studio</title>`;
  writeFileSync(join(studioDir, 'index.html'), page);
  writeFileSync(join(studioDir, '200.html'), page);
  writeFileSync(join(studioDir, '_app', 'app.js'), 'console.log(1)');
  for (const dir of [canaryDir, join(canaryDir, 'studio'), files.dir]) writeFileSync(join(dir, 'canary.txt'), CANARY);
  const t = await startTestApp(kind, { RENDER_WIDTH: '160', RENDER_HEIGHT: '90', RENDER_FPS: '8', STUDIO_DIR: studioDir });
  writeFileSync(join(t.config.dataDir, 'canary.txt'), CANARY);
  const p = await people(t, ['zed']);
  const project = await memberProject(t, p);
  const render = await p.call.owner('POST', `/api/projects/${project.id}/render`);
  if (render.status !== 201) throw new Error(`render: ${render.status} ${render.text}`);
  const task = render.json.task_id as string;
  const done = await waitForTask(t.baseUrl, p.tokens.owner, task);
  if (done.status !== 'completed') throw new Error(`render ${done.status}`);
  // Nothing else renders: the suites only need queued tasks.
  await p.admin('POST', '/api/admin/queue/pause');
  const take = (await p.call.owner('GET', `/api/projects/${project.id}/scenes/${project.scenes[0]}/takes`)).json[0].id as string;
  const media = await postFile(t, p.tokens.owner, `/api/projects/${project.id}/scenes/${project.scenes[2]}/media`, files.png, 'still.png');
  if (media.status !== 201) throw new Error(`media: ${media.status} ${media.text}`);
  const music = await postFile(t, p.tokens.admin, '/api/admin/music', files.wav, 'tone.wav', { name: 'Tone' });
  if (music.status !== 201) throw new Error(`music: ${music.status} ${music.text}`);
  return { t, p, files, studioDir, canaryDir, project, task, take, media: media.json.media?.id ?? media.json.id, music: music.json.id };
}

export async function closeSuite(s: Suite | undefined): Promise<void> {
  await s?.t.close();
  if (s) rmSync(s.files.dir, { recursive: true, force: true });
}
