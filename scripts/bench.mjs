// npm run bench: every benchmark of the project, one after the other in this process, each figure
// beside a baseline measured in the same run; then bench/report.md and bench/report.json (the
// table: figure, baseline, ratio, target, met; and the machine, date and commit). Needs
// `npm run build` first; PostgreSQL and Redis for the scaled benches, which are reported as
// skipped (with the reason) when they do not answer. Numbers only: nothing here fails on a time,
// but the exit code is 1 when a bench threw (its row says why; the others still run).
//
//   npm run bench                                  all of them, then the report (20 minutes on 2 idle cores)
//   node scripts/bench.mjs filter render           only the named benches: their table is printed,
//                                                  bench/report.* are left as the last full run wrote them
//   node scripts/bench.mjs filter --report         the same, and the report written from those alone
//   node scripts/bench.mjs --list                  the names
import { join } from 'node:path';
import { ROOT, describeMachine, failed, loadAverage, markdownTable, timePerBench, writeReport } from './bench-report.mjs';

/** In the order they run: the in-process ones first, then the ones that start servers. */
const BENCHES = {
  pipeline: './pipeline-bench.mjs',
  diffusion: './diffusion-bench.mjs',
  planner: './planner-bench.mjs',
  collab: './collab-bench.mjs',
  filter: './filter-bench.mjs',
  render: './render-bench.mjs',
  preview: './preview-bench.mjs',
  'worker-pool': './worker-pool-bench.mjs',
  fanout: './fanout-bench.mjs',
  'collab-scaled': './collab-scaled-bench.mjs',
  queue: './queue-bench.mjs',
  load: './load-bench.mjs',
};

const args = process.argv.slice(2);
if (args.includes('--list')) {
  console.log(Object.keys(BENCHES).join('\n'));
  process.exit(0);
}
const named = args.filter((a) => !a.startsWith('--'));
const unknown = named.filter((n) => !BENCHES[n]);
if (unknown.length) {
  console.error(`unknown bench: ${unknown.join(', ')}; one of: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const chosen = named.length ? named : Object.keys(BENCHES);
const writeFiles = !named.length || args.includes('--report');

const machine = describeMachine();
console.log(`Reelcraft bench — ${machine.date} — ${machine.cores} × ${machine.cpu} — node ${machine.node} — GPU: ${machine.gpus.join('; ') || 'none detected'}`);
console.log(`benches: ${chosen.join(', ')}`);

const results = [];
const durations = {};
// A promise a bench forgot to handle must not end the whole run: it fails that bench only.
let stray = [];
process.on('unhandledRejection', (err) => {
  console.error('\nunhandled rejection:', err);
  stray.push(err);
});
const t0 = performance.now();
for (const name of chosen) {
  const started = performance.now();
  stray = [];
  try {
    const { run } = await import(BENCHES[name]);
    const rows = await run();
    if (!Array.isArray(rows) || !rows.length) throw new Error(`${BENCHES[name]} run() returned no results`);
    if (stray.length) throw new Error(`unhandled rejection during the bench: ${stray[0]?.message ?? stray[0]}`);
    results.push(...rows);
  } catch (err) {
    console.error(`\n${name} bench failed:`, err);
    results.push(failed(name, err));
  }
  durations[name] = (performance.now() - started) / 1000;
}
const report = { machine, results, durations, totalSeconds: (performance.now() - t0) / 1000, loadAverageAtEnd: loadAverage() };

console.log(`\n${markdownTable(results)}\n`);
if (writeFiles) {
  const { md, json } = writeReport(join(ROOT, 'bench'), report);
  console.log(`written: ${md}, ${json}`);
} else {
  console.log(timePerBench(durations));
  console.log('(a partial run: bench/report.md and report.json left as they were; add --report to write them)');
}
if (results.some((r) => r.failed)) process.exitCode = 1;
