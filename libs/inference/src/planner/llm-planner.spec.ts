import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoryboardPlanSchema, type PlannedScene, type StoryboardPlan } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGguf } from '../testing/tiny-gguf';
import { isAbortError } from '../util/abort';
import { createPlanner, disposePlanner } from './create-planner';
import { LlmPlanner } from './llm-planner';
import { RuleBasedPlanner } from './rule-based-planner';

// A random-weight model writes nonsense, but the grammar and the repair step must still turn it
// into a storyboard that passes the shared schema. Greedy decoding makes runs repeatable.
let dir: string;
let planner: LlmPlanner;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelcraft-llm-'));
  await writeTinyGguf(join(dir, 'llm', 'tiny.gguf'));
  // Short fields keep each generation to a few hundred tokens: the file must stay fast on 2 cores.
  planner = await LlmPlanner.load({
    modelPath: join(dir, 'llm', 'tiny.gguf'),
    threads: 1,
    contextSize: 4096,
    temperature: 0,
    limits: { description: 100, subtitle: 24, title: 24 },
  });
});
afterAll(async () => {
  await planner?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('LlmPlanner on the tiny GGUF', () => {
  it('loads once, with the threads it was told to use', () => {
    expect(planner.info).toMatchObject({ threads: 1, contextSize: 4096, gpu: false });
    expect(planner.info.loadMs).toBeGreaterThan(0);
  });

  it('writes a schema-valid storyboard in the prompt language, streaming scenes before it resolves', async () => {
    const seen: PlannedScene[] = [];
    let resolved = false;
    const promise = planner.plan('一座城市的夜晚：霓虹灯、雨中的街道、安静的河流', {
      onScene: (scene) => {
        expect(resolved).toBe(false);
        seen.push(scene);
      },
    });
    const plan = await promise.finally(() => (resolved = true));
    expect(StoryboardPlanSchema.safeParse(plan).success).toBe(true);
    expect(plan.language).toBe('zh');
    expect(seen.length).toBeGreaterThanOrEqual(1);
    // Every streamed scene is the plan's scene at that place, numbered in order.
    expect(seen).toEqual(plan.scenes.slice(0, seen.length));
    expect(plan.scenes.map((s) => s.scene_number)).toEqual(plan.scenes.map((_, i) => i + 1));
    expect(planner.lastGeneration!.tokens).toBeGreaterThan(20);
  });

  it('repeats itself exactly for the same prompt and seed', async () => {
    const prompt = 'A morning in the forest: birds, a river, sunlight';
    const a = await planner.plan(prompt, { seed: 7, temperature: 0.8 });
    const b = await planner.plan(prompt, { seed: 7, temperature: 0.8 });
    expect(b).toEqual(a);
    expect(a.language).toBe('en');
  });

  it('takes earlier storyboards as examples', async () => {
    const example = new RuleBasedPlanner().planSync('春天的花园：樱花、蜜蜂、小路');
    const plan = await planner.plan('秋天的山谷', { examples: [example, example] });
    expect(StoryboardPlanSchema.safeParse(plan).success).toBe(true);
  });

  it('stops with an AbortError when cancelled, and a TimeoutError when out of time', async () => {
    const controller = new AbortController();
    const cancelled = planner.plan('A long journey along the coast', { signal: controller.signal, onScene: () => controller.abort() });
    const err = await cancelled.catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect((err as Error).message).toBe('Planning was aborted');

    const late = await planner.plan('A long journey along the coast', { timeoutMs: 5 }).catch((e: unknown) => e);
    expect(late).toMatchObject({ name: 'TimeoutError', message: 'Planning took longer than 5 ms and was stopped' });

    // The planner is still usable afterwards.
    expect(StoryboardPlanSchema.safeParse(await planner.plan('A quiet lake')).success).toBe(true);
  });

  it('rewrites, splits and merges scenes for the editor', async () => {
    const plan: StoryboardPlan = new RuleBasedPlanner().planSync('A city at night: neon signs, rain, a quiet river');
    const rewritten = await planner.rewriteScene(plan, 2, 'make it rain harder');
    expect(StoryboardPlanSchema.safeParse(rewritten).success).toBe(true);
    expect(rewritten.scenes).toHaveLength(plan.scenes.length);
    expect(rewritten.scenes[0]).toEqual(plan.scenes[0]);

    const split = await planner.splitScene(plan, 2);
    expect(StoryboardPlanSchema.safeParse(split).success).toBe(true);
    expect(split.scenes).toHaveLength(plan.scenes.length + 1);
    expect(split.scenes[3]).toEqual({ ...plan.scenes[2], scene_number: 4 });

    const merged = await planner.mergeScenes(plan, 1);
    expect(StoryboardPlanSchema.safeParse(merged).success).toBe(true);
    expect(merged.scenes).toHaveLength(plan.scenes.length - 1);
    expect(merged.scenes[1]).toEqual({ ...plan.scenes[2], scene_number: 2 });

    await expect(planner.rewriteScene(plan, 99, 'x')).rejects.toThrow('scene 99 is not in the storyboard');
    const three = { ...plan, scenes: plan.scenes.slice(0, 3) };
    await expect(planner.mergeScenes(three, 1)).rejects.toThrow('at least 3 scenes');
  });
});

describe('createPlanner', () => {
  it('uses the LLM when models/llm holds a usable GGUF, the rule-based planner otherwise', async () => {
    const withModel = await createPlanner({ modelsDir: dir, threads: 1, contextSize: 4096 });
    try {
      expect(withModel).toBeInstanceOf(LlmPlanner);
    } finally {
      await disposePlanner(withModel);
    }
    expect(await createPlanner({ modelsDir: join(dir, 'nothing-here') })).toBeInstanceOf(RuleBasedPlanner);

    const broken = await mkdtemp(join(tmpdir(), 'reelcraft-llm-broken-'));
    try {
      // node-llama-cpp would abort the test process on this file: the registry must keep it away.
      await writeTinyGguf(join(broken, 'llm', 'no-heads.gguf'), { omitKeys: ['llama.attention.head_count'] });
      expect(await createPlanner({ modelsDir: broken })).toBeInstanceOf(RuleBasedPlanner);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
