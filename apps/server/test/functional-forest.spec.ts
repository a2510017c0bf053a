import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia } from '@reelcraft/inference';
import { ADMIN_PASSWORD, apiClient, clipFiles, defaultTestDatabase, login, startTestApp, waitForTask, type TestApp } from '../src/testing/test-app';

const FOREST = '制作一段关于森林探险的短视频，包含河流和小动物';

/** The original design's functional test (chapter 5.2): the forest prompt, from login to a checked MP4, at the default size. */
describe('functional test: the forest prompt becomes a subtitled MP4 with music', () => {
  let t: TestApp;
  const musicDir = mkdtempSync(join(tmpdir(), 'reelcraft-music-'));
  const music = join(musicDir, 'theme.ogg');
  beforeAll(async () => {
    // A minute of music, longer than any video: assembly must trim it to the video's length.
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=60', '-c:a', 'libvorbis', music]);
    t = await startTestApp(defaultTestDatabase(), { MUSIC_FILE: music });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(musicDir, { recursive: true, force: true });
  });

  it('plans 3–8 Chinese scenes, renders one clip per scene and stitches them', async () => {
    const token = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    const api = apiClient(t.baseUrl, token);
    const started = Date.now();
    const created = await api('POST', '/api/tasks', { prompt: FOREST });
    expect(created.status).toBe(201);
    const task = await waitForTask(t.baseUrl, token, created.json.task_id, 170_000);
    const seconds = (Date.now() - started) / 1000;
    expect(task.error).toBeNull();
    expect(task.status).toBe('completed');

    const { storyboard, clips } = task.result;
    expect(storyboard.length).toBeGreaterThanOrEqual(3);
    expect(storyboard.length).toBeLessThanOrEqual(8);
    expect(storyboard.map((s: { scene_number: number }) => s.scene_number)).toEqual(storyboard.map((_: unknown, i: number) => i + 1));
    for (const s of storyboard) expect(s.description + s.subtitle).toMatch(/[\u4e00-\u9fff]/);
    const text = storyboard.map((s: { description: string }) => s.description).join('');
    expect(text).toMatch(/河流/);
    expect(text).toMatch(/小动物/);

    // One clip per scene, each as long as its scene.
    expect(clips).toHaveLength(storyboard.length);
    const fps = t.config.render.fps;
    const files = await clipFiles(t, task.task_id);
    for (const [i, clip] of clips.entries()) {
      const file = files[i]!;
      const probe = await probeMedia(file);
      expect(probe.video?.codec).toBe('h264');
      expect(probe.video?.frames).toBe(storyboard[i].duration_sec * fps);
      expect(clip.duration).toBeCloseTo(storyboard[i].duration_sec, 1);
    }

    const finalPath = join(t.config.dataDir, 'tasks', task.task_id, 'final.mp4');
    const probe = await probeMedia(finalPath);
    const expected = storyboard.reduce((sum: number, s: { duration_sec: number }) => sum + s.duration_sec, 0);
    expect(probe.video).toMatchObject({ codec: 'h264', pix_fmt: 'yuv420p', width: t.config.render.width, height: t.config.render.height });
    expect(Math.abs(probe.duration - expected)).toBeLessThanOrEqual(0.5);
    expect(probe.audio?.codec).toBe('aac');
    expect(Math.abs(probe.audio!.duration - expected)).toBeLessThanOrEqual(0.5);
    expect(task.result.duration).toBeCloseTo(probe.duration, 1);
    // +faststart: the index comes before the media data, so the browser can play while it downloads.
    const head = await readFile(finalPath);
    expect(head.indexOf('moov')).toBeGreaterThan(0);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat'));

    const video = await fetch(`${t.baseUrl}${task.result.video_url}`, { headers: { authorization: `Bearer ${token}` } });
    expect(video.status).toBe(200);
    expect(Number(video.headers.get('content-length'))).toBe(probe.bytes);
    console.log(`forest prompt: ${storyboard.length} scenes, ${probe.duration.toFixed(2)} s video, ${(probe.bytes / 1024).toFixed(0)} KiB, submit→finished ${seconds.toFixed(1)} s`);
  });
});
