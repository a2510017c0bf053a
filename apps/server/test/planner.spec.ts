import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuleBasedPlanner, writeTinyEmbeddingsModel, writeTinyGguf, type ReportedPlanOptions } from '@reelcraft/inference';
import type { PlannerDoneEvent, PlannerSceneEvent, Storyboard } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PlanningService } from '../src/planning/planning.service';
import { StoryboardExamples } from '../src/planning/storyboard-examples';
import { ProjectsService } from '../src/projects/projects.service';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, until, waitForTask, type TestApp } from '../src/testing/test-app';

const SIZE = { RENDER_WIDTH: '128', RENDER_HEIGHT: '72', RENDER_FPS: '8' };
const ruleBased = new RuleBasedPlanner();
const descriptions = (scenes: { description: string }[]) => scenes.map((s) => s.description);

/** Watches the planner's progress announcements (what the Socket.IO gateway relays) for one project. */
function watchPlanning(t: TestApp) {
  const scenes = new Map<string, PlannerSceneEvent[]>();
  const done = new Map<string, PlannerDoneEvent>();
  const sub = t.app.get(ProjectsService).planningProgress.subscribe((p) => {
    if (p.kind === 'scene') scenes.set(p.event.project_id, [...(scenes.get(p.event.project_id) ?? []), p.event]);
    else if (p.kind === 'done') done.set(p.event.project_id, p.event);
  });
  return { scenes, done, stop: () => sub.unsubscribe() };
}

describe('storyboards planned by the LLM in its planner process (tiny GGUF in models/llm)', () => {
  let modelsDir: string;
  let t: TestApp;
  let api: ReturnType<typeof apiClient>;
  let token: string;
  let watch: ReturnType<typeof watchPlanning>;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'reelcraft-planner-'));
    // The planner's prompt template and the storyboard need more than the default tiny context.
    await writeTinyGguf(join(modelsDir, 'llm', 'tiny.gguf'), { contextLength: 4096 });
    await writeTinyEmbeddingsModel(join(modelsDir, 'embeddings', 'tiny'), { layout: 'onnx-subfolder' });
    t = await startTestApp(defaultTestDatabase(), { ...SIZE, MODELS_DIR: modelsDir, RENDER_THREADS: '1' });
    token = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    api = apiClient(t.baseUrl, token);
    watch = watchPlanning(t);
  });
  afterAll(async () => {
    watch?.stop();
    await t?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('writes a project created from a prompt into its live storyboard, scene by scene, and records the LLM', async () => {
    const prompt = '海边的日落，海浪和飞鸟';
    const created = await api('POST', '/api/projects', { name: '海边', prompt });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const done = await until('planner:done', async () => watch.done.get(id), 120_000);
    expect(done).toMatchObject({ ok: true, error: null, planner: { planner: 'llm', model: 'tiny.gguf', fallback_reason: null } });

    const sb = (await api('GET', `/api/projects/${id}/storyboard`)).json as Storyboard;
    expect(sb.scenes).toHaveLength(done.planner!.llm_scenes);
    // The tiny model writes nonsense, but schema-valid nonsense: not the rule-based planner's plan.
    expect(descriptions(sb.scenes)).not.toEqual(descriptions(ruleBased.planSync(prompt).scenes));
    const announced = watch.scenes.get(id)!;
    expect(announced.map((e) => e.scene_number)).toEqual(sb.scenes.map((_, i) => i + 1));
    expect(announced.map((e) => e.scene_id)).toEqual(sb.scenes.map((s) => s.id));
    expect((await api('GET', `/api/projects/${id}`)).json.planner).toEqual(done.planner);
    // The model stays loaded in its own process, not in this one.
    const pid = t.app.get(PlanningService).processId;
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
  });

  it('plans a seed-API task in the planner process and renders that plan', async () => {
    const prompt = 'A quiet lake at dawn, mist and a heron';
    const pid = t.app.get(PlanningService).processId;
    const task = await waitForTask(t.baseUrl, token, (await api('POST', '/api/tasks', { prompt })).json.task_id, 170_000);
    expect(task.error).toBeNull();
    expect(task.status).toBe('completed');
    expect(task.planner).toMatchObject({ planner: 'llm', model: 'tiny.gguf', fallback_reason: null, llm_scenes: task.result.storyboard.length });
    // The warm process served it: no second load.
    expect(t.app.get(PlanningService).processId).toBe(pid);
    const project = (await api('GET', '/api/projects')).json.items.find((p: { task_id: string }) => p.task_id === task.task_id);
    expect(project.planner).toEqual(task.planner);
    const sb = (await api('GET', `/api/projects/${project.id}/storyboard`)).json as Storyboard;
    // What the people see in the project is what was rendered.
    expect(descriptions(sb.scenes)).toEqual(descriptions(task.result.storyboard));
    expect(descriptions(sb.scenes)).not.toEqual(descriptions(ruleBased.planSync(prompt).scenes));
  });

  it("chooses a new plan's examples among the owner's past plans by meaning, with the embedding model in models/embeddings", async () => {
    const ownerId = (await api('GET', '/api/users/me')).json.id as string;
    // The seed-API task above left a plan; the same prompt again is as near in meaning as it gets.
    const prompt = 'A quiet lake at dawn, mist and a heron';
    const choices = await t.app.get(StoryboardExamples).forPrompt(ownerId, prompt);
    expect(choices.exampleCandidates.map((c) => c.prompt)).toContain(prompt);
    const outcome = await t.app.get(PlanningService).planWithReport(prompt, choices);
    expect(outcome.report).toMatchObject({ planner: 'llm', fallback_reason: null });
    expect(outcome.llm?.examples).toMatchObject({ by: 'embeddings' });
    expect(outcome.llm!.examples!.count).toBeGreaterThanOrEqual(1);
  });

  it('says so when the planner process dies mid-plan: the rule-based planner finishes the storyboard, and the next plan uses a fresh process', async () => {
    const planning = t.app.get(PlanningService);
    const original = planning.planWithReport.bind(planning);
    let killed: number | undefined;
    const spy = vi.spyOn(planning, 'planWithReport').mockImplementationOnce((prompt: string, options: ReportedPlanOptions = {}) =>
      original(prompt, {
        ...options,
        onScene: (scene, total) => {
          if (killed === undefined) {
            killed = planning.processId!;
            process.kill(killed, 'SIGKILL');
          }
          options.onScene?.(scene, total);
        },
      }),
    );
    try {
      const prompt = 'A long journey along the coast, with lighthouses and gulls';
      const id = (await api('POST', '/api/projects', { name: 'Coast', prompt })).json.id as string;
      const done = await until('planner:done', async () => watch.done.get(id), 120_000);
      expect(done.ok).toBe(true);
      expect(done.planner).toMatchObject({ planner: 'rule-based', model: 'tiny.gguf', llm_scenes: 1 });
      expect(done.planner!.fallback_reason).toMatch(/^the LLM planner \(tiny\.gguf\) failed after 1 scene\(s\): the planner process stopped unexpectedly \(SIGKILL\)/);
      const sb = (await api('GET', `/api/projects/${id}/storyboard`)).json as Storyboard;
      const fallback = ruleBased.planSync(prompt).scenes;
      // The LLM's first scene stays; the rule-based planner wrote the rest.
      expect(descriptions(sb.scenes.slice(1))).toEqual(descriptions(fallback.slice(1)));
      expect((await api('GET', `/api/projects/${id}`)).json.planner).toEqual(done.planner);
    } finally {
      spy.mockRestore();
    }

    const again = (await api('POST', '/api/projects', { name: 'Lake', prompt: 'A quiet lake' })).json.id as string;
    expect(await until('planner:done', async () => watch.done.get(again), 120_000)).toMatchObject({ ok: true, planner: { planner: 'llm' } });
    expect(planning.processId).not.toBe(killed);
  });
});

describe('storyboards without a model: the rule-based planner, in the server process', () => {
  let modelsDir: string;
  let t: TestApp;
  let api: ReturnType<typeof apiClient>;
  let token: string;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'reelcraft-planner-none-'));
    t = await startTestApp(defaultTestDatabase(), { ...SIZE, MODELS_DIR: modelsDir });
    token = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    api = apiClient(t.baseUrl, token);
  });
  afterAll(async () => {
    await t?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('plans projects and tasks with the rule-based planner, records it, and starts no planner process', async () => {
    const watch = watchPlanning(t);
    try {
      const prompt = '制作一段关于森林探险的短视频，包含河流和小动物';
      const id = (await api('POST', '/api/projects', { name: '森林', prompt })).json.id as string;
      const done = await until('planner:done', async () => watch.done.get(id));
      const record = { planner: 'rule-based', model: null, fallback_reason: null, llm_scenes: 0 };
      expect(done).toMatchObject({ ok: true, planner: record });
      const expected = ruleBased.planSync(prompt).scenes;
      expect(watch.scenes.get(id)!.map((e) => [e.scene_number, e.total])).toEqual(expected.map((_, i) => [i + 1, expected.length]));
      expect(descriptions((await api('GET', `/api/projects/${id}/storyboard`)).json.scenes)).toEqual(descriptions(expected));
      expect((await api('GET', `/api/projects/${id}`)).json.planner).toEqual(record);

      const task = await waitForTask(t.baseUrl, token, (await api('POST', '/api/tasks', { prompt: 'A quiet lake' })).json.task_id);
      expect(task.status).toBe('completed');
      expect(task.planner).toEqual(record);
      expect(descriptions(task.result.storyboard)).toEqual(descriptions(ruleBased.planSync('A quiet lake').scenes));
      expect(t.app.get(PlanningService).processId).toBeUndefined();
    } finally {
      watch.stop();
    }
  });
});
