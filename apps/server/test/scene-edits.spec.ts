import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitSceneByRule, writeTinyGguf } from '@reelcraft/inference';
import { newId, newScene, readStoryboard, sceneCount, type Storyboard, type StoryboardScene } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlanningService } from '../src/planning/planning.service';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, type TestApp } from '../src/testing/test-app';
import { connectEditor, synced, until, type Editor } from './support/collab-clients';

const SIZE = { RENDER_WIDTH: '128', RENDER_HEIGHT: '72', RENDER_FPS: '8' };
const CHARACTER = 'character-0001';

/** A storyboard of `n` scenes; scene 2 carries a comment, a character and a seed, the last one is locked. */
function storyboard(n: number, language: 'en' | 'zh' = 'en'): Storyboard {
  const texts =
    language === 'zh'
      ? ['清晨的湖面，薄雾缓缓升起；一只白鹭掠过水面。', '渔夫在岸边修补渔网，海鸥在头顶盘旋。', '船只排成一列驶出港口。']
      : ['A harbour at dawn, boats rocking on the water.', 'A fisherman mends his net, gulls circling above.', 'The boats leave the harbour in a line.'];
  return {
    title: 'Harbour',
    language,
    style: { style_prompt: '', negative_prompt: '', seed: 0, aspect: '16:9', width: 640, height: 360, fps: 24 },
    characters: [{ id: CHARACTER, name: 'Old Li', description: 'a fisherman with a grey beard' }],
    music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
    scenes: Array.from({ length: n }, (_, i) =>
      newScene({
        description: texts[i % texts.length]!,
        subtitle: i === 1 ? 'Old hands, old nets' : `Part ${i + 1}`,
        duration_sec: 4 + (i % 3),
        ...(i === 1
          ? {
              seed: 42,
              character_ids: [CHARACTER],
              comments: [{ id: newId(), author: 'bob', text: 'keep the gulls', created_at: new Date().toISOString(), resolved: false }],
            }
          : {}),
        ...(i === n - 1 && n > 2 ? { locked: true } : {}),
      }),
    ),
  };
}

interface World {
  t: TestApp;
  admin: ReturnType<typeof apiClient>;
  bob: ReturnType<typeof apiClient>;
  vic: ReturnType<typeof apiClient>;
  mallory: ReturnType<typeof apiClient>;
  tokens: Record<string, string>;
  newProject(sb: Storyboard): Promise<string>;
  live(projectId: string): Promise<Storyboard>;
}

async function world(t: TestApp): Promise<World> {
  const adminToken = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
  const admin = apiClient(t.baseUrl, adminToken);
  const tokens: Record<string, string> = { admin: adminToken };
  for (const name of ['bob', 'vic', 'mallory']) {
    expect((await admin('POST', '/api/users', { username: name, password: `${name}-password` })).status).toBe(201);
    tokens[name] = await login(t.baseUrl, name, `${name}-password`);
  }
  return {
    t,
    admin,
    tokens,
    bob: apiClient(t.baseUrl, tokens.bob),
    vic: apiClient(t.baseUrl, tokens.vic),
    mallory: apiClient(t.baseUrl, tokens.mallory),
    async newProject(sb) {
      const id = (await admin('POST', '/api/projects', { name: 'Harbour' })).json.id as string;
      for (const [username, role] of [['bob', 'editor'], ['vic', 'viewer']]) {
        expect((await admin('POST', `/api/projects/${id}/members`, { username, role })).status).toBe(201);
      }
      await t.app.get(StoryboardStore).initialise(id, sb);
      return id;
    },
    async live(projectId) {
      const res = await admin('GET', `/api/projects/${projectId}/storyboard`);
      expect(res.status).toBe(200);
      return res.json as Storyboard;
    },
  };
}

const kept = (s: StoryboardScene) => ({ id: s.id, comments: s.comments, character_ids: s.character_ids, seed: s.seed, locked: s.locked, transition: s.transition });

describe('scene edits without a model: rule-based split and merge, no rewrite', () => {
  let w: World;
  let modelsDir: string;
  const editors: Editor[] = [];

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'reelcraft-scene-edits-none-'));
    w = await world(await startTestApp(defaultTestDatabase(), { ...SIZE, MODELS_DIR: modelsDir }));
  });
  afterAll(async () => {
    for (const e of editors) e.destroy();
    await w?.t.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('splits a scene by rule in the live document: a connected editor sees it, the scene keeps its id, comments, characters and seed', async () => {
    const sb = storyboard(3);
    const id = await w.newProject(sb);
    const editor = connectEditor(w.t.baseUrl, id, w.tokens.bob);
    editors.push(editor);
    await synced(editor);
    await until('the editor to load', () => sceneCount(editor.doc) === 3);

    const target = sb.scenes[1]!;
    const res = await w.bob('POST', `/api/projects/${id}/scenes/${target.id}/split`);
    expect(res.status).toBe(200);
    expect(res.json.planner).toEqual({ planner: 'rule-based', model: null, fallback_reason: null });
    expect(res.json.edit).toBe('split');
    const [a, b] = splitSceneByRule({ ...target, scene_number: 2 });
    expect(res.json.scenes.map((s: StoryboardScene) => [s.description, s.subtitle, s.duration_sec])).toEqual([
      [a.description, a.subtitle, a.duration_sec],
      [b.description, b.subtitle, b.duration_sec],
    ]);
    expect(a.description).toBe('A fisherman mends his net');
    expect(kept(res.json.scenes[0])).toEqual(kept(target));
    expect(res.json.scenes[1]).toMatchObject({ character_ids: [CHARACTER], comments: [], locked: false });

    // Everyone connected sees it at once, and the REST snapshot agrees.
    await until('the editor to see the split', () => sceneCount(editor.doc) === 4);
    const seen = readStoryboard(editor.doc);
    expect(seen.ok && seen.value.scenes.map((s) => s.id)).toEqual([sb.scenes[0]!.id, target.id, res.json.scenes[1].id, sb.scenes[2]!.id]);
    expect((await w.live(id)).scenes.slice(1, 3)).toEqual(res.json.scenes);
  });

  it('merges a scene with the next by rule: texts joined, durations summed, the next scene folded in', async () => {
    const sb = storyboard(4);
    const id = await w.newProject(sb);
    const [first, second] = [sb.scenes[0]!, sb.scenes[1]!];
    const res = await w.bob('POST', `/api/projects/${id}/scenes/${first.id}/merge-next`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ edit: 'merge', removed_scene_id: second.id, planner: { planner: 'rule-based', model: null } });
    const live = await w.live(id);
    expect(live.scenes.map((s) => s.id)).toEqual([first.id, sb.scenes[2]!.id, sb.scenes[3]!.id]);
    expect(live.scenes[0]).toMatchObject({
      id: first.id,
      description: `${first.description} ${second.description}`,
      subtitle: `${first.subtitle}. ${second.subtitle}`,
      duration_sec: first.duration_sec + second.duration_sec,
      // The folded-in scene's comment and character come along.
      comments: second.comments,
      character_ids: [CHARACTER],
    });
    expect(res.json.scenes).toEqual([live.scenes[0]]);
  });

  it('refuses to fake a rewrite without a model (409), and checks who asks, the scene and the instruction', async () => {
    const sb = storyboard(3);
    const id = await w.newProject(sb);
    const scene = sb.scenes[0]!.id;
    const rewrite = await w.bob('POST', `/api/projects/${id}/scenes/${scene}/rewrite`, { instruction: 'Make it night' });
    expect(rewrite.status).toBe(409);
    expect(rewrite.json.message).toMatch(/needs a language model: put a GGUF in models\/llm/);

    expect((await w.bob('POST', `/api/projects/${id}/scenes/${scene}/rewrite`, { instruction: '   ' })).status).toBe(400);
    expect((await w.bob('POST', `/api/projects/${id}/scenes/${scene}/rewrite`, { instruction: 'x'.repeat(501) })).status).toBe(400);
    expect((await w.vic('POST', `/api/projects/${id}/scenes/${scene}/split`)).status).toBe(403);
    expect((await w.vic('POST', `/api/projects/${id}/scenes/${scene}/merge-next`)).status).toBe(403);
    expect((await w.mallory('POST', `/api/projects/${id}/scenes/${scene}/split`)).status).toBe(404);
    expect((await w.bob('POST', `/api/projects/${id}/scenes/${newId()}/split`)).status).toBe(404);
    expect((await w.bob('POST', `/api/projects/${id}/scenes/not%20an%20id/split`)).status).toBe(404);
    // The last scene is locked: no split, and the scene before it cannot fold it in.
    const locked = await w.bob('POST', `/api/projects/${id}/scenes/${sb.scenes[2]!.id}/split`);
    expect(locked.status).toBe(409);
    expect(locked.json.message).toMatch(/locked/);
    expect((await w.bob('POST', `/api/projects/${id}/scenes/${sb.scenes[1]!.id}/merge-next`)).status).toBe(409);
    // Nothing of the refused edits reached the document.
    expect(await w.live(id)).toEqual(sb);
  });
});

describe('scene edits by the LLM in the planner process (tiny GGUF in models/llm)', () => {
  let w: World;
  let modelsDir: string;
  const editors: Editor[] = [];

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'reelcraft-scene-edits-llm-'));
    await writeTinyGguf(join(modelsDir, 'llm', 'tiny.gguf'), { contextLength: 4096 });
    w = await world(await startTestApp(defaultTestDatabase(), { ...SIZE, MODELS_DIR: modelsDir, RENDER_THREADS: '1' }));
  });
  afterAll(async () => {
    for (const e of editors) e.destroy();
    await w?.t.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('rewrites scene 15 of a 20-scene storyboard in the live document, keeping its id, comments, characters and seed', async () => {
    const sb = storyboard(20);
    // Scene 15 gets the comment, character and seed of the template's scene 2.
    sb.scenes[14] = { ...sb.scenes[1]!, id: newId() };
    const id = await w.newProject(sb);
    const editor = connectEditor(w.t.baseUrl, id, w.tokens.bob);
    editors.push(editor);
    await synced(editor);
    await until('the editor to load', () => sceneCount(editor.doc) === 20);

    const target = sb.scenes[14]!;
    const res = await w.bob('POST', `/api/projects/${id}/scenes/${target.id}/rewrite`, { instruction: 'Make it night, with lanterns' }, { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(res.json.planner).toEqual({ planner: 'llm', model: 'tiny.gguf', fallback_reason: null });
    const [scene] = res.json.scenes as StoryboardScene[];
    expect(kept(scene!)).toEqual(kept(target));
    expect(scene!.description).not.toBe(target.description);

    await until('the editor to see the rewrite', () => {
      const read = readStoryboard(editor.doc);
      return read.ok && read.value.scenes[14]!.description === scene!.description;
    }, 30_000);
    const live = await w.live(id);
    expect(live.scenes).toHaveLength(20);
    expect(live.scenes[14]).toEqual(scene);
    expect(live.scenes.filter((_, i) => i !== 14)).toEqual(sb.scenes.filter((_, i) => i !== 14));
  });

  it('cancels a rewrite whose client went away: nothing lands in the document, and the planner goes on with the next request', async () => {
    const sb = storyboard(3);
    const id = await w.newProject(sb);
    const target = sb.scenes[1]!;
    // The client goes away while the planner holds the rewrite, whatever this machine's speed: the
    // planner process is frozen (SIGSTOP) as soon as the request reaches it, the client aborts, and
    // the process resumes only once the server has seen the abort (the signal it passed on fired).
    const planning = w.t.app.get(PlanningService);
    const editScene = planning.editScene.bind(planning);
    let reached!: (signal: AbortSignal | undefined) => void;
    const atPlanner = new Promise<AbortSignal | undefined>((resolve) => (reached = resolve));
    planning.editScene = (edit, options) => {
      reached(options?.signal);
      return editScene(edit, options);
    };
    const controller = new AbortController();
    let frozen: number | undefined;
    try {
      const sent = fetch(`${w.t.baseUrl}/api/projects/${id}/scenes/${target.id}/rewrite`, {
        method: 'POST',
        headers: { authorization: `Bearer ${w.tokens.bob}`, 'content-type': 'application/json' },
        body: JSON.stringify({ instruction: 'Make it snow' }),
        signal: controller.signal,
      });
      const serverSignal = await atPlanner;
      expect(serverSignal).toBeInstanceOf(AbortSignal);
      frozen = await until('the planner process', () => planning.processId);
      process.kill(frozen, 'SIGSTOP');
      const seen = new Promise((resolve) => serverSignal!.addEventListener('abort', resolve, { once: true }));
      controller.abort();
      await expect(sent).rejects.toMatchObject({ name: 'AbortError' });
      await seen;
    } finally {
      if (frozen !== undefined) process.kill(frozen, 'SIGCONT');
      delete (planning as { editScene?: unknown }).editScene;
    }
    // Requests are served in order: once this split is answered, the rewrite would have been applied.
    const split = await w.bob('POST', `/api/projects/${id}/scenes/${sb.scenes[0]!.id}/split`);
    expect(split.status).toBe(200);
    const live = await w.live(id);
    expect(live.scenes).toHaveLength(4);
    expect(live.scenes.find((s) => s.id === target.id)).toEqual(target);
    // The same rewrite, waited for, does change the scene (so the one above would have, had it not been cancelled).
    const done = await w.bob('POST', `/api/projects/${id}/scenes/${target.id}/rewrite`, { instruction: 'Make it snow' }, { 'content-type': 'application/json' });
    expect(done.status).toBe(200);
    expect((await w.live(id)).scenes.find((s) => s.id === target.id)!.description).not.toBe(target.description);
  });

  it('splits and merges scenes of a 2-scene storyboard with the LLM on the same warm process', async () => {
    const sb = storyboard(2, 'zh');
    const id = await w.newProject(sb);
    const pid = w.t.app.get(PlanningService).processId;
    expect(pid).toBeGreaterThan(0);

    const split = await w.bob('POST', `/api/projects/${id}/scenes/${sb.scenes[0]!.id}/split`);
    expect(split.status).toBe(200);
    expect(split.json.planner).toEqual({ planner: 'llm', model: 'tiny.gguf', fallback_reason: null });
    expect(split.json.scenes).toHaveLength(2);
    expect(split.json.scenes[0].id).toBe(sb.scenes[0]!.id);
    expect((await w.live(id)).scenes.map((s) => s.id)).toEqual([sb.scenes[0]!.id, split.json.scenes[1].id, sb.scenes[1]!.id]);

    const merge = await w.bob('POST', `/api/projects/${id}/scenes/${split.json.scenes[1].id}/merge-next`);
    expect(merge.status).toBe(200);
    expect(merge.json).toMatchObject({ removed_scene_id: sb.scenes[1]!.id, planner: { planner: 'llm', model: 'tiny.gguf' } });
    const live = await w.live(id);
    expect(live.scenes.map((s) => s.id)).toEqual([sb.scenes[0]!.id, split.json.scenes[1].id]);
    // Scene 2 of the template had a comment and a character: they moved into the merged scene.
    expect(live.scenes[1]).toMatchObject({ comments: sb.scenes[1]!.comments, character_ids: [CHARACTER] });
    expect(w.t.app.get(PlanningService).processId).toBe(pid);
  });
});
