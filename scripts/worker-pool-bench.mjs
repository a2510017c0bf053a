// Render worker pool benchmark: what a scene costs on a render worker that stays up (the pool's
// way: the process, its modules and any diffusion pipeline are already loaded) against the same
// scene on a freshly forked worker (fork, load, then draw), measured in the same run. Scenes are
// 1 s animatics at 160x90 (drawing is cheap, so the difference is the start-up a pool saves each
// scene). Needs `npm run build` first (libs/inference/dist, libs/shared/dist). Prints medians and
// never fails on a time. The last line, `BENCH_JSON {…}`, is for reports to collect.
//
//   node scripts/worker-pool-bench.mjs          (also run by `npm run bench`)
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, isMain, median } from './bench-report.mjs';

const require = createRequire(import.meta.url);
const { SupervisedChild, RENDER_WORKER_PATH } = require('../libs/inference/dist/index.js');
const { newScene } = require('../libs/shared/dist/cjs/index.js');

const RUNS = 7;

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-pool-bench-'));
  const job = (id, n) => ({
    jobId: id,
    taskId: 'bench',
    scene: { ...newScene({ description: `a harbour at dawn, boats and gulls ${n}` }), scene_number: n, duration_sec: 1 },
    title: 'Bench',
    caption: true,
    width: 160,
    height: 90,
    fps: 8,
    outDir: join(dir, id),
  });
  /** Sends one scene job and resolves with the time until its scene-done. */
  const draw = (child, j, t0 = performance.now()) =>
    new Promise((resolve, reject) => {
      const on = (m) => {
        if (m?.job_id !== j.jobId) return;
        if (m.type === 'scene-done') resolve(performance.now() - t0);
        else if (m.type === 'failed') reject(new Error(m.message));
        else return;
        child.off('message', on);
      };
      child.on('message', on);
      child.send({ type: 'scene', job: j });
    });
  const cold = [];
  const warm = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      const child = new SupervisedChild({ name: 'render worker', entryPath: RENDER_WORKER_PATH });
      cold.push(await draw(child, job(`cold-${r}`, 1), t0));
      warm.push(await draw(child, job(`warm-${r}`, 2)));
      await child.stop(2000);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const coldMs = median(cold);
  const warmMs = median(warm);
  console.log(`render worker pool, one 1 s 160x90 animatic scene (median of ${RUNS}, ${cpus().length} CPUs):`);
  console.log(`  on a worker that stays up: ${warmMs.toFixed(0)} ms;  on a freshly forked worker (baseline): ${coldMs.toFixed(0)} ms;  saved per scene: ${(coldMs - warmMs).toFixed(0)} ms`);
  const json = { bench: 'worker-pool', date: new Date().toISOString(), cpus: cpus().length, node: process.version, runs: RUNS, warm_ms_median: +warmMs.toFixed(1), cold_ms_median: +coldMs.toFixed(1) };
  console.log(`BENCH_JSON ${JSON.stringify(json)}`);
  return [
    compare({
      bench: 'worker-pool',
      figure: `one 1 s 160×90 animatic scene on a render worker that stays up (median of ${RUNS})`,
      value: warmMs,
      unit: 'ms',
      baseline: coldMs,
      baselineLabel: 'the same scene on a freshly forked worker',
    }),
  ];
}

if (isMain(import.meta.url)) await run();
