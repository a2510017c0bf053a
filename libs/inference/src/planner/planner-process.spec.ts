import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { StoryboardPlanSchema, type PlannedScene } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGguf } from '../testing/tiny-gguf';
import { isAbortError } from '../util/abort';
import { PlannerProcess, PlannerProcessError, type PlannerProcessOptions } from './planner-process-client';
import { parseParentToPlanner, parsePlannerToParent } from './planner-protocol';
import { TEMPLATES_DIR } from './prompt-templates';
import { RuleBasedPlanner } from './rule-based-planner';
import { StoryboardPlanning } from './storyboard-planning';

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
