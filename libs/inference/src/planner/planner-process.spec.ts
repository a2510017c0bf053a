import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PlannedSceneSchema, StoryboardPlanSchema, type PlannedScene } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyEmbeddingsModel } from '../testing/tiny-embeddings';
import { writeTinyGguf } from '../testing/tiny-gguf';
import { isAbortError } from '../util/abort';
import { PlannerProcess, PlannerProcessError, type PlannerProcessOptions } from './planner-process-client';
import { parseParentToPlanner, parsePlannerToParent, type SceneWindow } from './planner-protocol';
import { TEMPLATES_DIR } from './prompt-templates';
import { RuleBasedPlanner } from './rule-based-planner';
import { splitSceneByRule } from './rule-based-scene-edits';
import { SceneEditError, StoryboardPlanning } from './storyboard-planning';

/** Scenes 14–16 of a long storyboard (the planner's own 3–8 scene limit does not apply to a window). */
const longWindow = (): SceneWindow => ({
  language: 'en',
  title: 'A long journey',
  scenes: [
    { scene_number: 14, description: 'A harbour at dawn, boats rocking on the water.', subtitle: 'The harbour wakes', camera: { shot: 'wide', move: 'pan-left' }, duration_sec: 4 },
    { scene_number: 15, description: 'A fisherman mends his net, gulls circling above.', subtitle: 'Old hands, old nets', camera: { shot: 'medium', move: 'static' }, duration_sec: 6 },
    { scene_number: 16, description: 'The boats leave the harbour in a line.', subtitle: 'Out to sea', camera: { shot: 'aerial', move: 'zoom-out' }, duration_sec: 5 },
  ],
});
/** The whole of a 2-scene storyboard, one scene not yet described. */
const shortWindow = (): SceneWindow => ({
  language: 'zh',
  title: '短片',
  scenes: [
    { scene_number: 1, description: '清晨的湖面，薄雾缓缓升起，一只白鹭掠过水面。', subtitle: '湖上的清晨', camera: { shot: 'wide', move: 'static' }, duration_sec: 4 },
    { scene_number: 2, description: '', subtitle: '', camera: { shot: 'medium', move: 'pan-right' }, duration_sec: 3 },
  ],
});

/**
 * Forks the real planner process on the tiny GGUF. The entry is compiled (without type checking,
 * which the typecheck target does) into node_modules/.cache so that the copy resolves the
 * workspace's packages, node-llama-cpp's ESM entry included, whether or not dist/ is built.
 */
const packageRoot = resolve(__dirname, '../..');
const cacheDir = resolve(packageRoot, '../../node_modules/.cache');
mkdirSync(cacheDir, { recursive: true });
const scratch = mkdtempSync(join(cacheDir, 'reelcraft-planner-process-'));
const entryPath = join(scratch, 'out', 'planner', 'planner-process.js');
const modelPath = join(scratch, 'llm', 'tiny.gguf');
const brokenPath = join(scratch, 'broken', 'no-heads.gguf');

const base = (): PlannerProcessOptions => ({
  modelPath,
  entryPath,
  templatesDir: TEMPLATES_DIR,
  threads: 1,
  contextSize: 4096,
  temperature: 0,
  limits: { description: 100, subtitle: 24, title: 24 },
  graceMs: 5000,
});

const until = async <T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

beforeAll(async () => {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [packageRoot] });
  await promisify(execFile)(process.execPath, [
    tsc,
    join(packageRoot, 'src/planner/planner-process.ts'),
    ...['--outDir', join(scratch, 'out'), '--rootDir', join(packageRoot, 'src'), '--module', 'node16', '--moduleResolution', 'node16'],
    ...['--target', 'es2022', '--esModuleInterop', '--skipLibCheck', '--resolveJsonModule', '--noCheck'],
  ]);
  await writeTinyGguf(modelPath);
  // node-llama-cpp aborts the whole process natively on this file: only a child may load it.
  await writeTinyGguf(brokenPath, { omitKeys: ['llama.attention.head_count'] });
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('planner process protocol', () => {
  it('accepts well-formed messages and names the first problem of a bad one', () => {
    expect(parseParentToPlanner({ type: 'plan', id: 'a', prompt: 'A lake', timeoutMs: 1000 }).ok).toBe(true);
    expect(parseParentToPlanner({ type: 'init', modelPath: 'relative.gguf' })).toEqual({ ok: false, error: 'modelPath: must be an absolute path' });
    expect(parseParentToPlanner({ type: 'plan', id: 'a', prompt: '  ', timeoutMs: 1000 })).toMatchObject({ ok: false, error: expect.stringMatching(/^prompt: /) });
    expect(parseParentToPlanner({ type: 'plan', id: 'a', prompt: 'x', timeoutMs: 1000, extra: 1 }).ok).toBe(false);
    expect(parseParentToPlanner({ type: 'reboot' }).ok).toBe(false);
    const scene = new RuleBasedPlanner().planSync('A lake').scenes[0];
    expect(parsePlannerToParent({ type: 'scene', id: 'a', scene }).ok).toBe(true);
    expect(parsePlannerToParent({ type: 'scene', id: 'a', scene: { ...scene, duration_sec: 999 } }).ok).toBe(false);
    expect(parsePlannerToParent({ type: 'failed', id: 'a', reason: 'exploded', message: '' }).ok).toBe(false);
  });

  it('checks scene edit requests and answers the same way', () => {
    const context = longWindow();
    expect(parseParentToPlanner({ type: 'rewrite', id: 'a', context, sceneNumber: 15, instruction: 'make it rain', timeoutMs: 1000 }).ok).toBe(true);
    expect(parseParentToPlanner({ type: 'rewrite', id: 'a', context, sceneNumber: 15, instruction: '  ', timeoutMs: 1000 })).toMatchObject({ ok: false, error: expect.stringMatching(/^instruction: /) });
    expect(parseParentToPlanner({ type: 'rewrite', id: 'a', context, sceneNumber: 3, instruction: 'x', timeoutMs: 1000 })).toMatchObject({ ok: false, error: expect.stringMatching(/^sceneNumber: /) });
    expect(parseParentToPlanner({ type: 'split', id: 'a', context, sceneNumber: 16, timeoutMs: 1000 }).ok).toBe(true);
    expect(parseParentToPlanner({ type: 'split', id: 'a', context: shortWindow(), sceneNumber: 2, timeoutMs: 1000 })).toMatchObject({ ok: false, error: expect.stringMatching(/no description/) });
    expect(parseParentToPlanner({ type: 'merge', id: 'a', context, sceneNumber: 15, timeoutMs: 1000 }).ok).toBe(true);
    expect(parseParentToPlanner({ type: 'merge', id: 'a', context, sceneNumber: 16, timeoutMs: 1000 }).ok).toBe(false);
    const gap = { ...context, scenes: [context.scenes[0], context.scenes[2]] };
    expect(parseParentToPlanner({ type: 'split', id: 'a', context: gap, sceneNumber: 14, timeoutMs: 1000 })).toMatchObject({ ok: false, error: expect.stringMatching(/consecutive/) });
    const scenes = splitSceneByRule(context.scenes[1]);
    expect(parsePlannerToParent({ type: 'edited', id: 'a', scenes, ms: 1, tokens: 0, loads: 1 }).ok).toBe(true);
    expect(parsePlannerToParent({ type: 'edited', id: 'a', scenes: [...scenes, scenes[0]], ms: 1, tokens: 0, loads: 1 }).ok).toBe(false);
    expect(parsePlannerToParent({ type: 'edited', id: 'a', scenes: [{ ...scenes[0], description: '' }], ms: 1, tokens: 0, loads: 1 }).ok).toBe(false);
  });
});

describe('PlannerProcess on the tiny GGUF', () => {
  const planner = new PlannerProcess(base());
  afterAll(() => planner.close());

  it('streams scenes, loads the model once and keeps it warm for the next request', async () => {
    const seen: PlannedScene[] = [];
    const t0 = performance.now();
    const first = await planner.planWithInfo('一座城市的夜晚：霓虹灯、雨中的街道、安静的河流', { onScene: (s) => seen.push(s) });
    const coldMs = performance.now() - t0;
    expect(StoryboardPlanSchema.safeParse(first.plan).success).toBe(true);
    expect(first.plan.language).toBe('zh');
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen).toEqual(first.plan.scenes.slice(0, seen.length));
    expect(first).toMatchObject({ model: 'tiny.gguf', coldStart: true, loads: 1 });

    const t1 = performance.now();
    const second = await planner.planWithInfo('A morning in the forest: birds, a river, sunlight');
    const warmMs = performance.now() - t1;
    expect(second).toMatchObject({ coldStart: false, loads: 1, pid: first.pid });
    expect(second.plan.language).toBe('en');
    expect(planner.starts).toBe(1);
    // Measured, not asserted: a 2-core box shared with other work makes timings noisy.
    console.log(
      `planner process, tiny GGUF: first request ${coldMs.toFixed(0)} ms (model load ${first.loadMs.toFixed(0)} ms, plan ${first.planMs.toFixed(0)} ms, ${first.tokens} tokens); ` +
        `warm request ${warmMs.toFixed(0)} ms (plan ${second.planMs.toFixed(0)} ms, ${second.tokens} tokens)`,
    );
  });

  it('serves requests one at a time in arrival order, and drops a queued request that is cancelled', async () => {
    const events: string[] = [];
    const controller = new AbortController();
    const a = planner.planWithInfo('A lighthouse by the sea', { onScene: (s) => events.push(`a${s.scene_number}`) }).then((r) => (events.push('a-done'), r));
    const b = planner.planWithInfo('A desert caravan at dusk', { signal: controller.signal, onScene: () => events.push('b') });
    const c = planner.planWithInfo('A snowy village', { onScene: (s) => events.push(`c${s.scene_number}`) }).then((r) => (events.push('c-done'), r));
    controller.abort();
    expect(isAbortError(await b.catch((e: unknown) => e))).toBe(true);
    const [ra, rc] = await Promise.all([a, c]);
    expect(events.indexOf('a-done')).toBeLessThan(events.indexOf('c1'));
    expect(events).not.toContain('b');
    expect(events.at(-1)).toBe('c-done');
    expect(rc.pid).toBe(ra.pid);
  });

  it('rewrites, splits and merges scenes of a long or short storyboard on the same warm process, in the same queue as plans', async () => {
    const pid = planner.pid;
    const starts = planner.starts;
    const events: string[] = [];
    const note = <T>(name: string) => (r: T) => (events.push(name), r);
    const cancelled = new AbortController();
    const plan = planner.planWithInfo('A lighthouse by the sea').then(note('plan'));
    const rewrite = planner.editWithInfo({ type: 'rewrite', context: longWindow(), sceneNumber: 15, instruction: 'Make it night, with lanterns' }).then(note('rewrite'));
    const dropped = planner.editWithInfo({ type: 'split', context: longWindow(), sceneNumber: 14 }, { signal: cancelled.signal });
    const split = planner.editWithInfo({ type: 'split', context: longWindow(), sceneNumber: 15 }).then(note('split'));
    const merge = planner.editWithInfo({ type: 'merge', context: longWindow(), sceneNumber: 15 }).then(note('merge'));
    const mergeShort = planner.editWithInfo({ type: 'merge', context: shortWindow(), sceneNumber: 1 }).then(note('merge-short'));
    cancelled.abort();
    expect(isAbortError(await dropped.catch((e: unknown) => e))).toBe(true);
    const [, r, sp, m, ms] = await Promise.all([plan, rewrite, split, merge, mergeShort]);
    expect(events).toEqual(['plan', 'rewrite', 'split', 'merge', 'merge-short']);

    for (const result of [r, sp, m, ms]) {
      expect(result).toMatchObject({ model: 'tiny.gguf', coldStart: false, loads: 1, pid });
      for (const scene of result.scenes) expect(PlannedSceneSchema.safeParse(scene).success).toBe(true);
    }
    expect(planner.starts).toBe(starts);
    expect(r.scenes.map((s) => s.scene_number)).toEqual([15]);
    expect(sp.scenes.map((s) => s.scene_number)).toEqual([15, 16]);
    expect(m.scenes.map((s) => s.scene_number)).toEqual([15]);
    expect(ms.scenes.map((s) => s.scene_number)).toEqual([1]);
    expect(r.tokens).toBeGreaterThan(0);
  });

  it('holds scene edits to the time limit, like plans', async () => {
    const err = await planner.editWithInfo({ type: 'rewrite', context: longWindow(), sceneNumber: 15, instruction: 'Make it rain' }, { timeoutMs: 5 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TimeoutError', message: 'Rewriting the scene took longer than 5 ms and was stopped' });
    const next = await planner.editWithInfo({ type: 'split', context: longWindow(), sceneNumber: 16 });
    expect(next.scenes).toHaveLength(2);
  });

  it('stops a request on cancel, and the warm process serves the next one', async () => {
    const controller = new AbortController();
    const pid = planner.pid;
    const err = await planner.plan('A long journey along the coast', { signal: controller.signal, onScene: () => controller.abort() }).catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    const next = await planner.planWithInfo('A quiet lake');
    expect(next).toMatchObject({ coldStart: false, loads: 1, pid });
  });

  it('fails a request that runs past its time limit with a TimeoutError, and goes on', async () => {
    const err = await planner.plan('A long journey along the coast', { timeoutMs: 5 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TimeoutError', message: 'Planning took longer than 5 ms and was stopped' });
    expect(StoryboardPlanSchema.safeParse(await planner.plan('A quiet lake')).success).toBe(true);
  });

  it('fails the request a killed process was serving; the next request starts a new process', async () => {
    const before = planner.pid!;
    const err = await planner.plan('A long journey along the coast', { onScene: () => process.kill(before, 'SIGKILL') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlannerProcessError);
    expect(err).toMatchObject({ code: 'crashed', message: expect.stringContaining('SIGKILL') });
    const next = await planner.planWithInfo('A quiet lake');
    expect(next.coldStart).toBe(true);
    expect(next.pid).not.toBe(before);
    expect(next.loads).toBe(1);
    expect(planner.starts).toBe(2);
  });
});

describe('PlannerProcess lifecycle', () => {
  it('unloads after the idle timeout and starts again on the next request', async () => {
    const planner = new PlannerProcess({ ...base(), idleMs: 300 });
    try {
      const first = await planner.planWithInfo('A quiet lake');
      await until('the idle process to exit', () => planner.pid === undefined);
      const second = await planner.planWithInfo('A quiet lake');
      expect(second.coldStart).toBe(true);
      expect(second.pid).not.toBe(first.pid);
      expect(planner.starts).toBe(2);
    } finally {
      await planner.close();
    }
  });

  it('survives a model that aborts llama.cpp: the request fails, this process does not', async () => {
    const planner = new PlannerProcess({ ...base(), modelPath: brokenPath });
    try {
      const err = await planner.plan('A quiet lake').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlannerProcessError);
      expect(['crashed', 'load-failed']).toContain((err as PlannerProcessError).code);
    } finally {
      await planner.close();
    }
    await expect(planner.plan('A quiet lake')).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('PlannerProcess guards against a process that misbehaves', () => {
  // Stand-ins for the entry: one that loads "instantly" and then never answers, one that talks nonsense.
  const fake = (name: string, onPlan: string) => {
    const file = join(scratch, `${name}.cjs`);
    writeFileSync(
      file,
      `process.on('message', (m) => {
        if (m.type === 'init') process.send({ type: 'ready', model: 'fake.gguf', loadMs: 1, loads: 1, threads: 1, contextSize: 256 });
        if (m.type === 'plan') { ${onPlan} }
      });`,
    );
    return file;
  };

  it('kills a process stuck past the time limit, fails that request with a TimeoutError, and starts afresh', async () => {
    const planner = new PlannerProcess({ modelPath: join(scratch, 'fake.gguf'), entryPath: fake('stuck', ''), timeoutMs: 200, graceMs: 200, execArgv: [] });
    try {
      const first = planner.planWithInfo('A quiet lake');
      const err = await first.catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'TimeoutError', message: 'Planning took longer than 200 ms and was stopped' });
      await until('the stuck process to go', () => planner.starts === 1 && planner.pid === undefined);
      await expect(planner.plan('A quiet lake')).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(planner.starts).toBe(2);
    } finally {
      await planner.close();
    }
  });

  it('stops a process that sends an invalid message and fails its request', async () => {
    const planner = new PlannerProcess({ modelPath: join(scratch, 'fake.gguf'), entryPath: fake('garbled', `process.send({ type: 'done', id: m.id, plan: 'nonsense' });`), execArgv: [] });
    try {
      await expect(planner.plan('A quiet lake')).rejects.toMatchObject({ name: 'PlannerProcessError', code: 'crashed' });
    } finally {
      await planner.close();
    }
  });
});

describe('StoryboardPlanning', () => {
  it('plans with the rule-based planner in this process when no model is usable, saying so', async () => {
    const planning = new StoryboardPlanning({ resolveModel: async () => undefined, process: { entryPath } });
    const seen: PlannedScene[] = [];
    const out = await planning.planWithReport('A quiet lake', { onScene: (s) => seen.push(s) });
    expect(out.report).toEqual({ planner: 'rule-based', model: null, fallback_reason: null, llm_scenes: 0 });
    expect(out.plan).toEqual(new RuleBasedPlanner().planSync('A quiet lake'));
    expect(seen).toEqual(out.plan.scenes);
    expect(planning.processId).toBeUndefined();
  });

  it('plans with the LLM in the planner process when a model is usable, and reports it', async () => {
    const { modelPath: _path, ...processOptions } = base();
    const planning = new StoryboardPlanning({ resolveModel: async () => ({ name: 'tiny.gguf', path: modelPath }), process: processOptions });
    try {
      const seen: PlannedScene[] = [];
      const out = await planning.planWithReport('A quiet lake', { onScene: (s) => seen.push(s) });
      expect(out.report).toEqual({ planner: 'llm', model: 'tiny.gguf', fallback_reason: null, llm_scenes: out.plan.scenes.length });
      expect(seen).toEqual(out.plan.scenes);
      expect(out.plan.scenes.map((s) => s.description)).not.toEqual(new RuleBasedPlanner().planSync('A quiet lake').scenes.map((s) => s.description));
      expect(planning.processId).toBeGreaterThan(0);
    } finally {
      await planning.close();
    }
    expect(planning.processId).toBeUndefined();
  });

  it('splits and merges by rule without a model, and refuses to fake a rewrite', async () => {
    const planning = new StoryboardPlanning({ resolveModel: async () => undefined, process: { entryPath } });
    const split = await planning.editScene({ type: 'split', context: longWindow(), sceneNumber: 15 });
    expect(split.report).toEqual({ planner: 'rule-based', model: null, fallback_reason: null });
    expect(split.scenes).toEqual(splitSceneByRule(longWindow().scenes[1]));
    const merge = await planning.editScene({ type: 'merge', context: shortWindow(), sceneNumber: 1 });
    expect(merge.scenes).toEqual([{ ...shortWindow().scenes[0], duration_sec: 7 }]);
    const err = await planning.editScene({ type: 'rewrite', context: longWindow(), sceneNumber: 15, instruction: 'Make it rain' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SceneEditError);
    expect(err).toMatchObject({ code: 'needs-model', message: expect.stringContaining('models/llm') });
    await expect(planning.editScene({ type: 'split', context: shortWindow(), sceneNumber: 2 })).rejects.toMatchObject({ code: 'invalid' });
    expect(planning.processId).toBeUndefined();
  });

  it('edits scenes with the LLM when a model is usable, and falls back (split, merge) or fails (rewrite) visibly when it breaks', async () => {
    const { modelPath: _path, ...processOptions } = base();
    const planning = new StoryboardPlanning({ resolveModel: async () => ({ name: 'tiny.gguf', path: modelPath }), process: processOptions });
    try {
      const out = await planning.editScene({ type: 'rewrite', context: shortWindow(), sceneNumber: 2, instruction: '写出一个结尾镜头' });
      expect(out.report).toEqual({ planner: 'llm', model: 'tiny.gguf', fallback_reason: null });
      expect(PlannedSceneSchema.safeParse(out.scenes[0]).success).toBe(true);
      expect(out.llm).toMatchObject({ loads: 1 });
    } finally {
      await planning.close();
    }
    const broken = new StoryboardPlanning({ resolveModel: async () => ({ name: 'no-heads.gguf', path: brokenPath }), process: processOptions });
    try {
      const split = await broken.editScene({ type: 'split', context: longWindow(), sceneNumber: 15 });
      expect(split.report).toMatchObject({ planner: 'rule-based', model: 'no-heads.gguf', fallback_reason: expect.stringMatching(/^the LLM planner \(no-heads\.gguf\) failed: /) });
      expect(split.scenes).toEqual(splitSceneByRule(longWindow().scenes[1]));
      await expect(broken.editScene({ type: 'rewrite', context: longWindow(), sceneNumber: 15, instruction: 'Make it rain' })).rejects.toMatchObject({ code: 'llm-failed' });
    } finally {
      await broken.close();
    }
  });

  it('does not load a model that failed to load on every request: again once its file changes or the retry time is up', async () => {
    const { modelPath: _path, ...processOptions } = base();
    const retry = join(scratch, 'broken', 'retry.gguf');
    copyFileSync(brokenPath, retry);
    const planning = new StoryboardPlanning({ resolveModel: async () => ({ name: 'retry.gguf', path: retry }), process: processOptions });
    try {
      const first = await planning.planWithReport('A quiet lake');
      expect(first.report.fallback_reason).toMatch(/^the LLM planner \(retry\.gguf\) failed: /);
      // Known not to load: straight to the fallback, for plans and scene edits alike, saying why.
      const second = await planning.planWithReport('A quiet lake');
      expect(second.report.fallback_reason).toMatch(/^the LLM planner \(retry\.gguf\) could not be loaded: .+ \(not tried again before \d\d:\d\d UTC unless the file changes\)$/);
      expect(second.plan).toEqual(first.plan);
      const split = await planning.editScene({ type: 'split', context: longWindow(), sceneNumber: 15 });
      expect(split.report.fallback_reason).toMatch(/could not be loaded/);
      await expect(planning.editScene({ type: 'rewrite', context: longWindow(), sceneNumber: 15, instruction: 'Make it rain' })).rejects.toMatchObject({ code: 'llm-failed', message: expect.stringMatching(/could not be loaded/) });
      // The operator puts another file in its place: it is tried at once.
      const later = new Date(Date.now() + 60_000);
      utimesSync(retry, later, later);
      expect((await planning.planWithReport('A quiet lake')).report.fallback_reason).toMatch(/^the LLM planner \(retry\.gguf\) failed: /);
    } finally {
      await planning.close();
    }
    const eager = new StoryboardPlanning({ resolveModel: async () => ({ name: 'retry.gguf', path: retry }), process: processOptions, loadRetryMs: 0 });
    try {
      for (let i = 0; i < 2; i++) expect((await eager.planWithReport('A quiet lake')).report.fallback_reason).toMatch(/ failed: /);
    } finally {
      await eager.close();
    }
  });

  it('chooses the examples of a plan by meaning in the planner process when there is an embedding model', async () => {
    const { modelPath: _path, ...processOptions } = base();
    const embeddingsDir = await writeTinyEmbeddingsModel(join(scratch, 'embeddings', 'tiny'), { layout: 'onnx-subfolder' });
    const brokenEmbeddings = await writeTinyEmbeddingsModel(join(scratch, 'embeddings', 'logits'), { fault: 'wrong-output' });
    const rule = new RuleBasedPlanner();
    // The prompt itself is among the candidates: its own text is as near in meaning as it gets.
    const candidates = ['city night', 'a river forest', 'night city river'].map((prompt) => ({ prompt, plan: rule.planSync(prompt) }));
    const given = [rule.planSync('something else')];
    let embeddings: { dir: string; file: string } | undefined = { dir: embeddingsDir, file: 'onnx/model.onnx' };
    const planning = new StoryboardPlanning({ resolveModel: async () => ({ name: 'tiny.gguf', path: modelPath }), resolveEmbeddings: async () => embeddings, process: processOptions });
    try {
      const byMeaning = await planning.planWithReport('a river forest', { exampleCandidates: candidates, examples: given });
      expect(byMeaning.report.planner).toBe('llm');
      expect(byMeaning.llm?.examples).toMatchObject({ by: 'embeddings' });
      expect(byMeaning.llm!.examples!.count).toBeGreaterThanOrEqual(1);
      // Without candidates the parent's choice stands.
      expect((await planning.planWithReport('a river forest', { examples: given })).llm?.examples).toEqual({ by: 'parent', count: 1 });
      // A model that cannot be used is reported, the parent's choice stands, and the plan is still the LLM's.
      embeddings = { dir: brokenEmbeddings, file: 'model.onnx' };
      const broken = await planning.planWithReport('a river forest', { exampleCandidates: candidates, examples: given });
      expect(broken.report.planner).toBe('llm');
      expect(broken.llm?.examples).toMatchObject({ by: 'parent', count: 1, problem: expect.stringMatching(/not a usable embedding model: model\.onnx: no usable output/) });
    } finally {
      await planning.close();
    }
  });

  it('falls back to the rule-based planner visibly when the LLM fails, but never after a cancel', async () => {
    const { modelPath: _path, ...processOptions } = base();
    const reasons: string[] = [];
    const planning = new StoryboardPlanning({
      resolveModel: async () => ({ name: 'no-heads.gguf', path: brokenPath }),
      process: processOptions,
      onFallback: (r) => reasons.push(r),
    });
    try {
      const seen: PlannedScene[] = [];
      const out = await planning.planWithReport('A quiet lake', { onScene: (s) => seen.push(s) });
      expect(out.report).toMatchObject({ planner: 'rule-based', model: 'no-heads.gguf', llm_scenes: 0, fallback_reason: expect.stringMatching(/^the LLM planner \(no-heads\.gguf\) failed: /) });
      expect(reasons).toEqual([out.report.fallback_reason]);
      expect(out.plan).toEqual(new RuleBasedPlanner().planSync('A quiet lake'));
      expect(seen).toEqual(out.plan.scenes);

      const controller = new AbortController();
      controller.abort();
      await expect(planning.planWithReport('A quiet lake', { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      await planning.close();
    }
  });
});
