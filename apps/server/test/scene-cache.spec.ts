import { newScene, sceneText, updateSceneField, type Storyboard } from '@reelcraft/shared';
import { existsSync } from 'node:fs';
import { probeStreams } from '@reelcraft/inference';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollabDocuments } from '../src/collab/collab-documents';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { Take } from '../src/renders/take.entity';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, waitForTask, type TestApp } from '../src/testing/test-app';

function eightScenes(): Storyboard {
  return {
    title: 'Harbour',
    language: 'zh',
    style: { style_prompt: '', negative_prompt: '', seed: 3, aspect: '16:9', width: 160, height: 90, fps: 8 },
    characters: [],
    music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
    scenes: ['清晨的港口', '渔船出海', '海鸥盘旋', '集市开张', '孩子们奔跑', '午后的雨', '夕阳下的灯塔', '夜里的渔火'].map((description, i) => ({
      ...newScene({ description, subtitle: `第${i + 1}幕` }),
      duration_sec: 1,
    })),
  };
}

/** Scenes are cached by the hash of what decides their pixels: an edit re-renders only what it touched. */
describe('scene cache and takes', () => {
  let t: TestApp;
  let token: string;
  let user: ReturnType<typeof apiClient>;
  const takes = () => t.app.get(DataSource).getRepository(Take).count();
  const render = async (projectId: string) => {
    const started = await user('POST', `/api/projects/${projectId}/render`);
    expect(started.status, started.text).toBe(201);
    const done = await waitForTask(t.baseUrl, token, started.json.task_id);
    expect(done.status, done.error).toBe('completed');
    return done;
  };

  beforeAll(async () => {
    t = await startTestApp(defaultTestDatabase());
    const admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    await admin('POST', '/api/users', { username: 'lin', password: 'lin-password' });
    token = await login(t.baseUrl, 'lin', 'lin-password');
    user = apiClient(t.baseUrl, token);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('re-renders only the edited scene of eight and marks the other seven cached; an unchanged storyboard renders nothing', async () => {
    const project = (await user('POST', '/api/projects', { name: 'Harbour' })).json.id as string;
    await t.app.get(StoryboardStore).initialise(project, eightScenes());
    const first = await render(project);
    expect(first.scenes).toHaveLength(8);
    expect(first.scenes.every((s: { cached: boolean; status: string }) => !s.cached && s.status === 'done')).toBe(true);
    expect(await takes()).toBe(8);

    // One word of scene 5 changes; its subtitle changes too, which is the assembly's, not the picture's.
    await t.app.get(CollabDocuments).applyServerChange(project, (doc) => {
      sceneText(doc, 4, 'description').insert(0, '很多');
      sceneText(doc, 1, 'subtitle').insert(0, '远处');
    });
    const second = await render(project);
    expect(second.scenes.map((s: { cached: boolean }) => s.cached)).toEqual([true, true, true, true, false, true, true, true]);
    // One renderer invocation: one new take.
    expect(await takes()).toBe(9);
    expect(second.scenes[4].take_id).not.toBe(first.scenes[4].take_id);
    expect(second.scenes[0].take_id).toBe(first.scenes[0].take_id);
    expect(second.result.duration).toBeCloseTo(first.result.duration, 1);

    const third = await render(project);
    expect(third.scenes.every((s: { cached: boolean }) => s.cached)).toBe(true);
    expect(await takes()).toBe(9);

    // The subtitles come as files whose cues follow the edit.
    const srt = await user('GET', `/api/tasks/${second.task_id}/subtitles.srt`);
    expect(srt.status).toBe(200);
    expect(srt.text).toMatch(/00:00:01,000 --> 00:00:02,000\r?\n远处第2幕/);
    const vtt = await user('GET', `/api/tasks/${second.task_id}/subtitles.vtt`);
    expect(vtt.text.startsWith('WEBVTT')).toBe(true);
    const poster = await fetch(`${t.baseUrl}/api/tasks/${second.task_id}/poster.jpg`, { headers: { authorization: `Bearer ${token}` } });
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
    expect([...new Uint8Array(await poster.arrayBuffer()).slice(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect((await user('GET', `/api/tasks/${second.task_id}/subtitles.ass`)).status).toBe(404);
  });

  it('does not reuse another project’s takes, and deleting a render keeps its takes for the next one', async () => {
    const other = (await user('POST', '/api/projects', { name: 'Harbour copy' })).json.id as string;
    await t.app.get(StoryboardStore).initialise(other, eightScenes());
    const before = await takes();
    const first = await render(other);
    expect(first.scenes.some((s: { cached: boolean }) => s.cached)).toBe(false);
    expect(await takes()).toBe(before + 8);
    expect((await user('DELETE', `/api/tasks/${first.task_id}`)).status).toBe(204);
    const again = await render(other);
    expect(again.scenes.every((s: { cached: boolean }) => s.cached)).toBe(true);
  });

  it('keeps every take of a scene, lets an editor pick an older one for the edit and delete one', async () => {
    const project = (await user('POST', '/api/projects', { name: 'Takes' })).json.id as string;
    const sb = eightScenes();
    sb.scenes = sb.scenes.slice(0, 2);
    await t.app.get(StoryboardStore).initialise(project, sb);
    const sceneId = sb.scenes[0]!.id;
    const first = await render(project);
    const edit = (change: Parameters<CollabDocuments['applyServerChange']>[1]) => t.app.get(CollabDocuments).applyServerChange(project, change);

    await edit((doc) => updateSceneField(doc, 0, 'seed', 42));
    const second = await render(project);
    expect(second.scenes.map((s: { cached: boolean }) => s.cached)).toEqual([false, true]);
    let takes = (await user('GET', `/api/projects/${project}/scenes/${sceneId}/takes`)).json;
    expect(takes).toHaveLength(2);
    expect(takes.map((x: { matches_current: boolean }) => x.matches_current)).toEqual([true, false]);
    expect(takes[1].id).toBe(first.scenes[0].take_id);
    expect(takes[1].params).toMatchObject({ scene_seed: null, duration_sec: 1 });
    const poster = await fetch(t.baseUrl + takes[1].poster_url, { headers: { authorization: `Bearer ${token}` } });
    expect(poster.headers.get('content-type')).toBe('image/jpeg');

    // The older take goes back into the edit without drawing anything.
    takes = (await user('POST', `/api/projects/${project}/scenes/${sceneId}/takes/${first.scenes[0].take_id}/select`)).json;
    expect(takes.find((x: { selected: boolean }) => x.selected).id).toBe(first.scenes[0].take_id);
    const count = await t.app.get(DataSource).getRepository(Take).count();
    const third = await render(project);
    expect(third.scenes[0]).toMatchObject({ cached: true, take_id: first.scenes[0].take_id });
    expect(await t.app.get(DataSource).getRepository(Take).count()).toBe(count);

    // Once the scene is edited, the pick no longer holds.
    await edit((doc) => sceneText(doc, 0, 'description').insert(0, '雾中'));
    const fourth = await render(project);
    expect(fourth.scenes[0].cached).toBe(false);

    // A take of another length cannot be picked for the scene; one can be deleted, file and all.
    await edit((doc) => updateSceneField(doc, 0, 'duration_sec', 2));
    const refused = await user('POST', `/api/projects/${project}/scenes/${sceneId}/takes/${first.scenes[0].take_id}/select`);
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('take_mismatch');
    const old = (await user('GET', `/api/projects/${project}/scenes/${sceneId}/takes`)).json.at(-1);
    const file = join(t.config.dataDir, 'takes', `${old.id}.mp4`);
    expect(existsSync(file)).toBe(true);
    expect((await user('DELETE', `/api/projects/${project}/scenes/${sceneId}/takes/${old.id}`)).status).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect((await user('GET', `/api/projects/${project}/scenes/${sceneId}/takes`)).json).toHaveLength(2);
    const disk = (await user('GET', `/api/projects/${project}/disk`)).json;
    expect(disk.takes.count).toBe(3);
    expect(disk.total_bytes).toBe(disk.takes.bytes + disk.renders.bytes);
    expect(disk.renders.count).toBe(4);
  });

  it("delivers the video as the storyboard's output settings ask: no caption card (a new picture), subtitles only as a soft track, narration", async () => {
    const project = (await user('POST', '/api/projects', { name: 'Delivery' })).json.id as string;
    const sb = eightScenes();
    sb.scenes = sb.scenes.slice(0, 2);
    await t.app.get(StoryboardStore).initialise(project, sb);
    const first = await render(project);
    sb.output = { burn_subtitles: false, subtitle_scale: 1.5, subtitle_position: 'top', narration: true, caption_card: false };
    await t.app.get(StoryboardStore).initialise(project, sb);
    const second = await render(project);
    // The caption card is part of the picture: both scenes are drawn again.
    expect(second.scenes.map((s: { cached: boolean }) => s.cached)).toEqual([false, false]);
    const streams = await probeStreams(join(t.config.dataDir, 'tasks', second.task_id, 'final.mp4'));
    expect(streams.map((s) => s.type).sort()).toEqual(['audio', 'subtitle', 'video']);
    expect(streams.find((s) => s.type === 'subtitle')).toMatchObject({ codec: 'mov_text', language: 'zho' });
    const before = await probeStreams(join(t.config.dataDir, 'tasks', first.task_id, 'final.mp4'));
    expect(before.some((s) => s.type === 'audio')).toBe(false);
  });
});
