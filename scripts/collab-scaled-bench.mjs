// Yjs propagation across instances (issue 14): 50 stock y-websocket editors typing into one
// storyboard document, half connected to instance A and half to instance B (two built servers on
// one PostgreSQL schema, joined by Redis: each update is stored by the instance that received it,
// then relayed to the other on the document's channel), against the same 50 editors on one
// instance on the same database without Redis. Target: two-instance p99 ≤ 2× one-instance p99.
//
// The load itself is collab-bench.mjs's (its client processes, typing rate, warm-up, clock offsets
// and latency = receive − send of every character at every other editor); only the servers
// differ. Rounds of both configurations are interleaved, each into a new, empty document.
// Needs `npm run build`, PostgreSQL at BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test)
// and Redis at REDIS_URL (default redis://127.0.0.1:6379); skipped with a message when either does
// not answer. Prints the figures, never fails on a time; the last line, `BENCH_JSON {…}`, is for reports.
//
//   node scripts/collab-scaled-bench.mjs          (also run by `npm run bench`)
//   COLLAB_BENCH_SECONDS=5 COLLAB_SCALED_ROUNDS=1 node scripts/collab-scaled-bench.mjs   (quicker, noisier)
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_PASSWORD, EDITORS, api, forkRole, freePort, killAll, loadRun, ms, plannedProject, pool, startOurServer, stopProcess } from './collab-bench.mjs';
import { redisAnswers } from './fanout-bench.mjs';
import { compare, ratioAtMost, skipped } from './bench-report.mjs';

const require = createRequire(import.meta.url);
const SELF = fileURLToPath(import.meta.url);
const ROUNDS = Number(process.env.COLLAB_SCALED_ROUNDS || 3);
const TARGET_RATIO = 2;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const PG_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Runs `sql` on PostgreSQL; false when it does not answer. */
async function pg(sql) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query(sql);
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function run() {
  const schema = `collab_scaled_bench_${process.pid}`;
  if (!(await redisAnswers(REDIS_URL))) return [skipped('collab-scaled', `no Redis answers at ${REDIS_URL} (set REDIS_URL)`)];
  if (!(await pg(`CREATE SCHEMA IF NOT EXISTS "${schema}"`))) return [skipped('collab-scaled', `no PostgreSQL answers at ${PG_URL} (set BENCH_PG_URL)`)];
  const prefix = `reelcraft-bench-collab:${process.pid}:`;
  const dirs = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'reelcraft-collab-scaled-'));
    dirs.push(d);
    return d;
  };
  const db = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema };
  try {
    // One after the other: the first migrates the schema and makes the admin.
    const single = await startOurServer(dataDir(), await freePort(), db);
    const a = await startOurServer(dataDir(), await freePort(), { ...db, REDIS_URL, REDIS_PREFIX: prefix });
    const b = await startOurServer(dataDir(), await freePort(), { ...db, REDIS_URL, REDIS_PREFIX: prefix });
    const clients = [forkRole('client'), forkRole('client')];
    const url = (server) => `ws://127.0.0.1:${server.port}/collab`;
    const base = `http://127.0.0.1:${single.port}`;
    const token = (await api(base, 'POST', '/api/users/login', null, { username: 'admin', password: ADMIN_PASSWORD })).token;
    const project = (name) => plannedProject(base, token, name);
    const one = [];
    const two = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['one', 'two'] : ['two', 'one'];
      for (const who of order) {
        const rooms = [await project(`scaled bench round ${round + 1} ${who}`)];
        if (who === 'one') one.push({ server: 'one instance', ...(await loadRun({ label: who, server: single, url: url(single), rooms, params: { token }, clients })) });
        else two.push({ server: 'two instances, Redis', ...(await loadRun({ label: who, server: a, urls: [url(a), url(b)], rooms, params: { token }, clients })) });
      }
    }
    const [p1, p2] = [pool(one), pool(two)];
    const ratio = p2.p99 / p1.p99;
    console.log(`\nYjs propagation, ${EDITORS} editors in one document, ${ROUNDS} round(s) per configuration pooled, PostgreSQL persistence (ms):`);
    console.table(
      [p1, p2].map((r) => ({ server: r.server, 'chars sent': r.sends, receipts: r.received, delivered: `${(r.delivered * 100).toFixed(1)} %`, p50: ms(r.p50), p99: ms(r.p99), max: ms(r.max) })),
    );
    console.log(`  p99 two instances / one instance: ${ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×) — ${ratio <= TARGET_RATIO ? 'MET' : 'NOT MET'}`);
    console.log(`BENCH_JSON ${JSON.stringify({ bench: 'collab-scaled', editors: EDITORS, rounds: ROUNDS, one: { p50: p1.p50, p99: p1.p99, max: p1.max }, two: { p50: p2.p50, p99: p2.p99, max: p2.max }, p99_ratio: Number(ratio.toFixed(2)) })}`);
    await Promise.all([single, a, b].map((s) => stopProcess(s.child, 'SIGTERM')));
    const bench = 'collab-scaled';
    const baselineLabel = 'all on one instance, same PostgreSQL, no Redis';
    return [
      compare({ bench, figure: `Yjs propagation, ${EDITORS} editors in one document, half on a second instance through Redis, p99`, value: p2.p99, unit: 'ms', baseline: p1.p99, baselineLabel, target: ratioAtMost(TARGET_RATIO) }),
      compare({ bench, figure: 'the same, p50', value: p2.p50, unit: 'ms', baseline: p1.p50, baselineLabel }),
    ];
  } finally {
    killAll();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await pg(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}

if (process.argv[1] === SELF) await run();
