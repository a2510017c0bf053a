// Scene queue benchmark: scene jobs through the scaled mode's BullMQ queue on Redis (the scene
// scheduler → BullSceneRunner → Redis → SceneConsumer → render process) against the embedded mode
// (the scene scheduler → the server's own render processes), in the same run, on the same kind of
// warm render processes. Each scene is one frame at 16x16, so the queue itself is timed, not the
// drawing. Figures: jobs/s over a batch of JOBS queued at once (target: BullMQ ≥ 0.8× embedded),
// and the dispatch latency of each job, from the scheduler handing it out to a render process
// receiving it (p50/p99). Needs `npm run build` and a Redis (REDIS_URL, default the local one);
// skipped without one. Never fails on a time. Last line: `BENCH_JSON {…}`.
//
//   node scripts/queue-bench.mjs          (also run by `npm run bench`)
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers } from './fanout-bench.mjs';
import { compare, isMain, percentile, ratioAtLeast, skipped } from './bench-report.mjs';

const require = createRequire(import.meta.url);
const { RENDER_WORKER_PATH } = require('../libs/inference/dist/index.js');
const { newScene } = require('../libs/shared/dist/cjs/index.js');
const { RenderWorkerPool } = require('../apps/server/dist/renders/worker-pool.js');
const { SceneScheduler } = require('../apps/server/dist/renders/scene-scheduler.js');
const { BullSceneRunner } = require('../apps/server/dist/scene-queue/bull-scene-runner.js');
const { SceneConsumer } = require('../apps/server/dist/scene-queue/scene-consumer.js');
const { sharedPlacement } = require('../apps/server/dist/scene-queue/shared-placement.js');

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const JOBS = Number(process.env.QUEUE_BENCH_JOBS ?? 120);
const ROUNDS = 3;
const SLOTS = 2;

const pct = (xs, p) => percentile(Float64Array.from(xs).sort(), p / 100);

/** Queues JOBS one-frame scenes at once through `scheduler`; jobs/s and each job's dispatch latency. */
async function batch(scheduler, pool, dir, tag) {
  const handedOut = new Map();
  const latencies = [];
  // The moment the scheduler hands a job to its runner (the pool itself, or the BullMQ runner).
  const runner = scheduler.pool;
  const run = runner.run;
  runner.run = function (job, ...rest) {
    handedOut.set(job.jobId, performance.now());
    return run.call(this, job, ...rest);
  };
  const onJobStart = (e) => {
    const t = handedOut.get(e.jobId);
    if (t !== undefined) latencies.push(performance.now() - t);
  };
  pool.on('job-start', onJobStart);
  const t0 = performance.now();
  const signal = new AbortController().signal;
  setMaxListeners(0, signal);
  await Promise.all(
    Array.from({ length: JOBS }, (_, i) =>
      scheduler.submit({
        job: { taskId: `bench-${tag}`, scene: { ...newScene({ description: `a lighthouse ${i}` }), scene_number: (i % 50) + 1, duration_sec: 1 }, title: 'Queue', caption: false, width: 16, height: 16, fps: 1 },
        outRoot: join(dir, tag),
        ownerId: `user-${i % 3}`,
        priority: 0,
        taskCreatedAt: new Date(),
        order: i,
        signal,
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  runner.run = run;
  pool.off('job-start', onJobStart);
  return { jobsPerSecond: JOBS / seconds, latencies };
}

export async function run() {
  if (!(await redisAnswers(REDIS_URL))) return [skipped('queue', `no Redis answers at ${REDIS_URL} (set REDIS_URL)`)];
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-queue-bench-'));
  const prefix = `reelcraft-bench:queue:${process.pid}:`;
  const redis = { url: REDIS_URL, prefix };
  const newPool = () => new RenderWorkerPool({ entryPath: RENDER_WORKER_PATH, size: () => SLOTS, memoryLimitMb: () => 0 });
  const embeddedPool = newPool();
  const embedded = new SceneScheduler(embeddedPool);
  const consumerPool = newPool();
  const consumer = new SceneConsumer({ redis, pool: consumerPool, slots: SLOTS, placement: sharedPlacement(dir), modelsDir: join(dir, 'models'), lockMs: 15_000 });
  const runner = new BullSceneRunner({ redis, dataDir: dir, modelsDir: join(dir, 'models'), liveSlots: async () => SLOTS, refreshMs: 250 });
  const bull = new SceneScheduler(runner);
  const results = { embedded: [], bullmq: [] };
  try {
    await Promise.all([consumer.ready(), runner.ready()]);
    // Warm both: render processes started and modules loaded before anything is timed.
    await batch(embedded, embeddedPool, dir, 'warm-e');
    await batch(bull, consumerPool, dir, 'warm-b');
    for (let r = 0; r < ROUNDS; r++) {
      results.embedded.push(await batch(embedded, embeddedPool, dir, `e${r}`));
      results.bullmq.push(await batch(bull, consumerPool, dir, `b${r}`));
    }
  } finally {
    await consumer.close();
    await runner.close();
    await Promise.all([embeddedPool.close(), consumerPool.close()]);
    const Redis = require('ioredis');
    const r = new Redis(REDIS_URL);
    // The queue's keys of this run (BullMQ keeps finished jobs for an hour).
    for (let cursor = '0'; ; ) {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await r.del(...keys);
      if ((cursor = next) === '0') break;
    }
    await r.quit();
    rmSync(dir, { recursive: true, force: true });
  }
  const sum = (k) => {
    const rounds = results[k];
    const lat = rounds.flatMap((x) => x.latencies);
    return { jobs_per_s: +(rounds.reduce((a, x) => a + x.jobsPerSecond, 0) / rounds.length).toFixed(1), dispatch_p50_ms: +pct(lat, 50).toFixed(2), dispatch_p99_ms: +pct(lat, 99).toFixed(2) };
  };
  const e = sum('embedded');
  const b = sum('bullmq');
  const ratio = b.jobs_per_s / e.jobs_per_s;
  console.log(`\nscene queue, ${JOBS} one-frame 16x16 scenes queued at once on ${SLOTS} render processes (mean of ${ROUNDS} interleaved rounds, ${cpus().length} CPUs):`);
  console.log(`  embedded (baseline): ${e.jobs_per_s} jobs/s, dispatch p50 ${e.dispatch_p50_ms} ms, p99 ${e.dispatch_p99_ms} ms`);
  console.log(`  BullMQ on Redis:     ${b.jobs_per_s} jobs/s, dispatch p50 ${b.dispatch_p50_ms} ms, p99 ${b.dispatch_p99_ms} ms`);
  console.log(`  throughput ratio ${ratio.toFixed(2)}× (target ≥ 0.8×: ${ratio >= 0.8 ? 'met' : 'not met'})`);
  const json = { bench: 'scene-queue', date: new Date().toISOString(), cpus: cpus().length, node: process.version, jobs: JOBS, rounds: ROUNDS, slots: SLOTS, embedded: e, bullmq: b, throughput_ratio: +ratio.toFixed(3), target: 0.8 };
  console.log(`BENCH_JSON ${JSON.stringify(json)}`);
  const bench = 'queue';
  const baselineLabel = 'embedded mode: the server’s own render processes';
  return [
    compare({ bench, figure: `scene jobs through BullMQ on Redis, ${JOBS} one-frame scenes queued at once, ${SLOTS} render processes`, value: b.jobs_per_s, unit: 'jobs/s', baseline: e.jobs_per_s, baselineLabel, target: ratioAtLeast(0.8) }),
    compare({ bench, figure: 'dispatch latency through BullMQ, p99', value: b.dispatch_p99_ms, unit: 'ms', baseline: e.dispatch_p99_ms, baselineLabel }),
  ];
}

if (isMain(import.meta.url)) await run();
