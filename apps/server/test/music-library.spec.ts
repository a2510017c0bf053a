import { newScene, type Storyboard } from '@reelcraft/shared';
import { measureVolume, probeStreams } from '@reelcraft/inference';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, waitForTask, type TestApp } from '../src/testing/test-app';

/** The music library: admins fill it, a storyboard picks a track, the render mixes it at the storyboard's volume. */
describe('music library', () => {
  let t: TestApp;
  let adminToken: string;
  let token: string;
  const files = mkdtempSync(join(tmpdir(), 'reelcraft-music-'));

  const add = async (bearer: string, path: string, fields: Record<string, string>) => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(path)]), 'track.mp3');
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const res = await fetch(`${t.baseUrl}/api/admin/music`, { method: 'POST', headers: { authorization: `Bearer ${bearer}` }, body: form });
    return { status: res.status, json: (await res.json()) as any };
  };

  beforeAll(async () => {
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-ar', '44100', join(files, 'tone.wav')]);
    writeFileSync(join(files, 'lyrics.mp3'), 'la la la, these are lyrics\n'.repeat(40));
    t = await startTestApp(defaultTestDatabase());
    adminToken = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    await apiClient(t.baseUrl, adminToken)('POST', '/api/users', { username: 'ravi', password: 'ravi-password' });
    token = await login(t.baseUrl, 'ravi', 'ravi-password');
  });
  afterAll(async () => {
    await t?.close();
    rmSync(files, { recursive: true, force: true });
  });

  it('takes audio checked by its content, with a name and a licence note; users list it but cannot change it', async () => {
    const refused = await add(adminToken, join(files, 'lyrics.mp3'), { name: 'Lyrics' });
    expect(refused.status).toBe(415);
    expect((await add(adminToken, join(files, 'tone.wav'), {})).status).toBe(400);
    expect((await add(token, join(files, 'tone.wav'), { name: 'Mine' })).status).toBe(403);
    expect(readdirSync(join(t.config.dataDir, 'uploads-tmp'))).toEqual([]);

    const added = await add(adminToken, join(files, 'tone.wav'), { name: 'Harbour theme', licence: 'CC BY 4.0, by the school band' });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ name: 'Harbour theme', licence: 'CC BY 4.0, by the school band', format: 'wav' });
    expect(added.json.duration).toBeCloseTo(3, 1);
    const list = await apiClient(t.baseUrl, token)('GET', '/api/music');
    expect(list.json.map((x: { name: string }) => x.name)).toEqual(['Harbour theme']);
    expect((await apiClient(t.baseUrl, token)('DELETE', `/api/admin/music/${added.json.id}`)).status).toBe(403);
  });

  it("mixes the storyboard's track at its volume under the video, and falls silent when music is off", async () => {
    const admin = apiClient(t.baseUrl, adminToken);
    const track = (await admin('GET', '/api/music')).json[0];
    const user = apiClient(t.baseUrl, token);
    const project = (await user('POST', '/api/projects', { name: 'With music' })).json.id as string;
    const sb: Storyboard = {
      title: 'Harbour',
      language: 'en',
      style: { style_prompt: '', negative_prompt: '', seed: 1, aspect: '16:9', width: 160, height: 90, fps: 8 },
      characters: [],
      music: { enabled: true, track_name: 'Harbour theme', file_id: track.id, volume: 0.5, fade_in_sec: 0.2, fade_out_sec: 0.2 },
      scenes: ['boats', 'gulls'].map((description) => ({ ...newScene({ description }), duration_sec: 2 })),
    };
    await t.app.get(StoryboardStore).initialise(project, sb);
    const loud = await waitForTask(t.baseUrl, token, (await user('POST', `/api/projects/${project}/render`)).json.task_id);
    expect(loud.status, loud.error).toBe('completed');
    const video = join(t.config.dataDir, 'tasks', loud.task_id, 'final.mp4');
    expect((await probeStreams(video)).some((s) => s.type === 'audio')).toBe(true);
    const volume = await measureVolume(video, { from: 1, seconds: 2 });
    expect(volume.meanDb).toBeGreaterThan(-40);

    await t.app.get(StoryboardStore).initialise(project, { ...sb, music: { ...sb.music, enabled: false } });
    const quiet = await waitForTask(t.baseUrl, token, (await user('POST', `/api/projects/${project}/render`)).json.task_id);
    expect((await probeStreams(join(t.config.dataDir, 'tasks', quiet.task_id, 'final.mp4'))).some((s) => s.type === 'audio')).toBe(false);

    expect((await admin('DELETE', `/api/admin/music/${track.id}`)).status).toBe(204);
    expect(existsSync(join(t.config.dataDir, 'music', `${track.id}.wav`))).toBe(false);
    const actions = (await admin('GET', '/api/admin/audit?kind=admin_action')).json.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['music.add', 'music.delete']));
  });
});
