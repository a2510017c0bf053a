// LLM planner benchmark: what a storyboard costs on this machine with random-weight GGUF models
// written on the fly (the tiny test model and a larger one), loaded through the package's own
// LlmPlanner with 1 thread (and 2 for the larger model, in a short no-grammar probe, to show the
// thread effect on small boxes).
// For each: load time; tokens/s of plan() (JSON-schema grammar) against a plain chat completion
// without grammar on the same model, with the same system prompt, request, sampling and token
// budget, in the same run; and the planner's overhead = wall time of plan() minus the time of its
// generation call (lastGeneration.ms: node-llama-cpp's promptWithMeta, i.e. prompt evaluation,
// sampling with the grammar and the per-chunk scene scanning), as a share of the wall time.
// Needs `npm run build` first. It prints numbers and whether the targets are met; it never fails on
// a time. The CLIP tokenizer's throughput is in bench.mjs (benchDiffusion), not repeated here.
//
//   node scripts/planner-bench.mjs          (also run by `npm run bench`)
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, isMain, ratioAtMost } from './bench-report.mjs';

const require = createRequire(import.meta.url);
const inference = require('../libs/inference/dist/index.js');
const runtime = require('../libs/inference/dist/planner/llama-runtime.js');
const { fillTemplate, loadPlannerTemplate } = require('../libs/inference/dist/planner/prompt-templates.js');
const { CAMERA_MOVES, CAMERA_SHOTS, LIMITS } = require('@reelcraft/shared');

const TARGETS = { overheadShare: 0.05 };
const PROMPT = 'A short video about a forest expedition, with a river and small animals';
const WARMUP_PROMPT = 'A day at the seaside';
/** Shorter fields than the defaults (as in the planner's tests), so a plan stays a few hundred tokens. */
const GEN_LIMITS = { description: 100, subtitle: 24, title: 24 };
const CONTEXT_SIZE = 2048;
const TEMPERATURE = 0.6;
const MODELS = {
  tiny: { label: 'tiny (64 emb, 2 layers)', options: { seed: 1 } },
  larger: {
    label: 'larger (512 emb, 8 layers, ff 1536)',
    options: { seed: 2, embedding: 512, layers: 8, heads: 8, feedForward: 1536, contextLength: 1024, name: 'reelcraft-bench-larger' },
  },
};
/** Full runs: plan() with the grammar against the no-grammar baseline. */
const RUNS = [
  ['tiny', 1],
  ['larger', 1],
];
/**
 * The thread effect on the larger model, no grammar, a short budget: on this 2-core box 2 threads
 * ran 1.4× to 4.5× slower than 1 (the more other load, the worse), so a full plan on 2 threads
 * could take most of a minute.
 */
const THREAD_PROBE = { model: 'larger', threads: [1, 2], tokens: 64 };

/** The planner's system prompt, filled the way LlmPlanner fills it, for the no-grammar baseline. */
function systemText(language) {
  return fillTemplate(loadPlannerTemplate(language).system, {
    maxDescription: GEN_LIMITS.description,
    maxSubtitle: GEN_LIMITS.subtitle,
    shots: CAMERA_SHOTS.join(', '),
    moves: CAMERA_MOVES.join(', '),
    minDuration: LIMITS.sceneDurationSec.min,
    maxDuration: LIMITS.sceneDurationSec.max,
    minScenes: LIMITS.scenes.min,
    maxScenes: LIMITS.scenes.max,
  });
}

/** plan() with the storyboard grammar, after a warm-up call (grammar compiled, system prompt cached). */
async function benchPlanner(modelPath, threads) {
  const planner = await inference.LlmPlanner.load({ modelPath, threads, contextSize: CONTEXT_SIZE, temperature: TEMPERATURE, limits: GEN_LIMITS });
  try {
    await planner.plan(WARMUP_PROMPT);
    const t0 = performance.now();
    const plan = await planner.plan(PROMPT);
    const wallMs = performance.now() - t0;
    return { loadMs: planner.info.loadMs, wallMs, generation: planner.lastGeneration, scenes: plan.scenes.length };
  } finally {
    await planner.dispose();
  }
}

/**
 * The baseline: the same model file, system prompt, request, temperature and token budget through
 * a LlamaChatSession with no grammar, timed the way LlmPlanner times its generation call.
 */
async function benchPlain(modelPath, threads, maxTokens) {
  const { LlamaChatSession } = await runtime.loadNodeLlamaCpp();
  const llama = await runtime.getLlamaInstance(false);
  const model = await llama.loadModel({ modelPath });
  try {
    const context = await model.createContext({ contextSize: CONTEXT_SIZE, threads, sequences: 1 });
    const session = new LlamaChatSession({ contextSequence: context.getSequence() });
    const history = [{ type: 'system', text: systemText('en') }];
    const template = loadPlannerTemplate('en');
    const ask = async (prompt, budget) => {
      session.setChatHistory(history);
      let tokens = 0;
      const t0 = performance.now();
      const response = await session.promptWithMeta(fillTemplate(template.request, { prompt, language: 'en' }), {
        maxTokens: budget,
        temperature: TEMPERATURE,
        seed: 1,
        onToken: (t) => (tokens += t.length),
      });
      const ms = performance.now() - t0;
      return { tokens, ms, tokensPerSecond: tokens / (ms / 1000), stopReason: response.stopReason };
    };
    await ask(WARMUP_PROMPT, 8); // caches the system prompt, as the planner's warm-up call does
    const result = await ask(PROMPT, maxTokens);
    session.dispose();
    await context.dispose();
    return result;
  } finally {
    await model.dispose();
  }
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-bench-llm-'));
  try {
    const files = {};
    const made = [];
    for (const [key, { label, options }] of Object.entries(MODELS)) {
      const t0 = performance.now();
      const path = join(dir, `${key}.gguf`);
      const info = await inference.writeTinyGguf(path, options);
      files[key] = path;
      made.push(`${label}: ${(info.bytes / 1024 / 1024).toFixed(1)} MB, ${info.vocabSize} tokens, written in ${Math.round(performance.now() - t0)} ms`);
    }
    const t0 = performance.now();
    await runtime.getLlamaInstance(false);
    const backendMs = performance.now() - t0;

    const rows = [];
    for (const [key, threads] of RUNS) {
      const planned = await benchPlanner(files[key], threads);
      const gen = planned.generation;
      const plain = await benchPlain(files[key], threads, gen.tokens);
      const overheadMs = planned.wallMs - gen.ms;
      rows.push({ key, threads, planned, gen, plain, overheadMs, overheadShare: overheadMs / planned.wallMs });
    }
    const probes = [];
    for (const threads of THREAD_PROBE.threads) {
      const planner = await inference.LlmPlanner.load({ modelPath: files[THREAD_PROBE.model], threads, contextSize: CONTEXT_SIZE });
      const loadMs = planner.info.loadMs;
      await planner.dispose();
      probes.push({ threads, loadMs, plain: await benchPlain(files[THREAD_PROBE.model], threads, THREAD_PROBE.tokens) });
    }

    console.log(`\nLLM planner (node-llama-cpp, CPU, ${cpus().length} cores; random-weight GGUFs; context ${CONTEXT_SIZE}, temperature ${TEMPERATURE}, field limits ${JSON.stringify(GEN_LIMITS)}):`);
    for (const line of made) console.log(`  ${line}`);
    console.log(`  native backend (getLlama, once per process): ${Math.round(backendMs)} ms, not counted in the load times below`);
    console.table(
      rows.map((r) => ({
        model: r.key,
        threads: r.threads,
        'load (ms)': Math.round(r.planned.loadMs),
        tokens: r.gen.tokens,
        'no grammar tok/s': r.plain.tokensPerSecond.toFixed(0),
        'grammar tok/s': r.gen.tokensPerSecond.toFixed(0),
        'grammar / none': (r.gen.tokensPerSecond / r.plain.tokensPerSecond).toFixed(2),
        'plan() wall (ms)': Math.round(r.planned.wallMs),
        'generation (ms)': Math.round(r.gen.ms),
        'overhead (ms)': r.overheadMs.toFixed(1),
        'overhead share': `${(r.overheadShare * 100).toFixed(1)} %`,
        scenes: r.planned.scenes,
      })),
    );
    console.log('tokens/s = generated tokens / time of the generation call (request evaluation + sampling); the baseline had the same budget and stopped by:');
    console.log(`  ${rows.map((r) => `${r.key}@${r.threads}: ${r.plain.tokens} tokens, ${r.plain.stopReason}`).join('; ')}`);
    for (const r of rows) {
      const ratio = r.gen.tokensPerSecond / r.plain.tokensPerSecond;
      const met = r.overheadShare <= TARGETS.overheadShare;
      console.log(
        `${r.key}, ${r.threads} thread${r.threads > 1 ? 's' : ''}: grammar runs at ${(ratio * 100).toFixed(0)} % of the no-grammar speed; ` +
          `planner overhead ${(r.overheadShare * 100).toFixed(1)} % of plan() (target ≤ ${TARGETS.overheadShare * 100} %): ${met ? 'met' : 'NOT met'}`,
      );
    }
    console.log(`\nThread effect, ${THREAD_PROBE.model} model, no grammar, ${THREAD_PROBE.tokens}-token budget, ${cpus().length} cores:`);
    console.table(
      probes.map((p) => ({
        threads: p.threads,
        'load (ms)': Math.round(p.loadMs),
        tokens: p.plain.tokens,
        'generation (ms)': Math.round(p.plain.ms),
        'tok/s': p.plain.tokensPerSecond.toFixed(1),
      })),
    );
    const [first, ...others] = probes;
    for (const p of others) console.log(`${p.threads} threads vs ${first.threads}: ×${(p.plain.tokensPerSecond / first.plain.tokensPerSecond).toFixed(2)} tokens/s`);

    const bench = 'planner';
    return [
      ...rows.flatMap((r) => [
        compare({
          bench,
          figure: `plan() with the JSON-schema grammar, ${r.key} model, ${r.threads} thread`,
          value: r.gen.tokensPerSecond,
          unit: 'tok/s',
          baseline: r.plain.tokensPerSecond,
          baselineLabel: 'a plain chat completion without grammar, same model, prompt and budget',
        }),
        compare({
          bench,
          figure: `planner overhead outside the generation call, ${r.key} model`,
          value: r.overheadMs,
          unit: 'ms',
          baseline: r.planned.wallMs,
          baselineLabel: 'the whole plan()',
          share: true,
          target: ratioAtMost(TARGETS.overheadShare),
        }),
      ]),
      ...others.map((p) =>
        compare({
          bench,
          figure: `${THREAD_PROBE.model} model, no grammar, ${p.threads} threads on ${cpus().length} cores`,
          value: p.plain.tokensPerSecond,
          unit: 'tok/s',
          baseline: first.plain.tokensPerSecond,
          baselineLabel: `${first.threads} thread`,
        }),
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await run();
