import { newScene, type Storyboard } from '@reelcraft/shared';
import { probeMedia } from '@reelcraft/inference';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, clipFiles, defaultTestDatabase, login, startTestApp, waitForTask, type TestApp } from '../src/testing/test-app';

const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);

/** The mean of the luma plane of one frame, to tell frames apart. */
function frameBytes(file: string, at: number): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-ss', String(at), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-']);
}

/** A scene may show an uploaded picture or clip instead of a generated one; uploads are checked by content. */
describe('scene media uploads', () => {
  let t: TestApp;
  let token: string;
  let user: ReturnType<typeof apiClient>;
  const files = mkdtempSync(join(tmpdir(), 'reelcraft-media-'));
  const sb: Storyboard = {
    title: 'Own footage',
    language: 'en',
    style: { style_prompt: '', negative_prompt: '', seed: 1, aspect: '16:9', width: 160, height: 90, fps: 8 },
    characters: [],
    music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
    scenes: ['a photo', 'a clip', 'drawn'].map((description) => ({ ...newScene({ description }), duration_sec: 2 })),
  };
  sb.scenes[0] = { ...sb.scenes[0]!, camera: { ...sb.scenes[0]!.camera, move: 'zoom-in' } };

  const upload = async (projectId: string, sceneId: string, path: string, name: string) => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(path)]), name);
    const res = await fetch(`${t.baseUrl}/api/projects/${projectId}/scenes/${sceneId}/media`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    return { status: res.status, json: (await res.json()) as any };
  };
  const leftovers = () => readdirSync(join(t.config.dataDir, 'uploads-tmp'));

  beforeAll(async () => {
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=1', '-frames:v', '1', join(files, 'photo.png')]);
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10:duration=1.5', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(files, 'clip.mp4')]);
    // Without +faststart the index sits at the end: cutting the file in half loses it.
    const whole = readFileSync(join(files, 'clip.mp4'));
    writeFileSync(join(files, 'cut.mp4'), whole.subarray(0, Math.floor(whole.length / 2)));
    writeFileSync(join(files, 'notes.png'), 'these are meeting notes, not a picture\n'.repeat(20));
    writeFileSync(join(files, 'big.mp4'), Buffer.concat([whole, Buffer.alloc(1024 * 1024 + 10)]));
    t = await startTestApp(defaultTestDatabase(), { UPLOAD_MAX_MB: '1' });
    const admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    await admin('POST', '/api/users', { username: 'mei', password: 'mei-password' });
    token = await login(t.baseUrl, 'mei', 'mei-password');
    user = apiClient(t.baseUrl, token);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(files, { recursive: true, force: true });
  });

  it('refuses a renamed text file (415), a truncated MP4 (400) and an oversized file (413), keeping nothing', async () => {
    const project = (await user('POST', '/api/projects', { name: 'Refusals' })).json.id as string;
    await t.app.get(StoryboardStore).initialise(project, sb);
    const scene = sb.scenes[0]!.id;
    const text = await upload(project, scene, join(files, 'notes.png'), 'notes.png');
    expect(text.status).toBe(415);
    expect(text.json.message).toMatch(/not a JPEG, PNG or WebP image, or an MP4, MOV or WebM video/);
    const cut = await upload(project, scene, join(files, 'cut.mp4'), 'holiday.mp4');
    expect(cut.status).toBe(400);
    expect(cut.json.message).toMatch(/cannot be read|damaged|cut short/);
    expect((await upload(project, scene, join(files, 'big.mp4'), 'big.mp4')).status).toBe(413);
    expect((await fetch(`${t.baseUrl}/api/projects/${project}/scenes/${scene}/media`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(400);
    expect(leftovers()).toEqual([]);
    expect(readdirSync(t.config.dataDir)).not.toContain('media');
    expect((await user('GET', `/api/projects/${project}/storyboard`)).json.scenes[0].media_id).toBeUndefined();
  });

  it('renders a scene from an uploaded picture (with its camera move) and one from a clip, then reuses them', async () => {
    const project = (await user('POST', '/api/projects', { name: 'Own footage' })).json.id as string;
    await t.app.get(StoryboardStore).initialise(project, sb);
    const photo = await upload(project, sb.scenes[0]!.id, join(files, 'photo.png'), 'renamed.jpg');
    expect(photo.status).toBe(201);
    expect(photo.json).toMatchObject({ kind: 'image', format: 'png', width: 320, height: 240, original_name: 'renamed.jpg' });
    const clip = await upload(project, sb.scenes[1]!.id, join(files, 'clip.mp4'), 'clip.mp4');
    expect(clip.json).toMatchObject({ kind: 'video', format: 'mp4' });
    expect(clip.json.duration).toBeCloseTo(1.5, 1);
    const served = await fetch(t.baseUrl + photo.json.url, { headers: { authorization: `Bearer ${token}` } });
    expect(served.headers.get('content-type')).toBe('image/png');
    expect((await user('GET', `/api/projects/${project}/storyboard`)).json.scenes.map((s: { media_id?: string }) => s.media_id ?? null)).toEqual([photo.json.id, clip.json.id, null]);

    const started = await user('POST', `/api/projects/${project}/render`);
    const done = await waitForTask(t.baseUrl, token, started.json.task_id);
    expect(done.status, done.error).toBe('completed');
    const [photoClip, footage] = await clipFiles(t, done.task_id);
    for (const file of [photoClip!, footage!]) {
      const probe = await probeMedia(file);
      expect(probe.video).toMatchObject({ width: 160, height: 90, fps: 8, frames: 16 });
    }
    // The photo zooms in: its first and last frames differ; the clip, 1.5 s long, was looped to 2 s.
    expect(frameBytes(photoClip!, 0).equals(frameBytes(photoClip!, 1.8))).toBe(false);

    const again = await waitForTask(t.baseUrl, token, (await user('POST', `/api/projects/${project}/render`)).json.task_id);
    expect(again.scenes.every((s: { cached: boolean }) => s.cached)).toBe(true);

    // Back to a drawn scene.
    expect((await user('DELETE', `/api/projects/${project}/scenes/${sb.scenes[0]!.id}/media`)).status).toBe(204);
    const drawn = await waitForTask(t.baseUrl, token, (await user('POST', `/api/projects/${project}/render`)).json.task_id);
    expect(drawn.scenes.map((s: { cached: boolean }) => s.cached)).toEqual([false, true, true]);
    expect(leftovers()).toEqual([]);
  });
});
