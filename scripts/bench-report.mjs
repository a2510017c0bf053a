// What every benchmark shares: the shape of a result (one figure beside its baseline from the same
// run, their ratio, the target and whether it is met), the machine it ran on, the report that
// `npm run bench` writes (bench/report.md and bench/report.json), and the small statistics and
// process helpers the benches would otherwise each write again.
//
// A bench's run() prints its own tables as before and returns a list of results made by compare()
// (or one skipped() when a service it needs does not answer). Nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem, release, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------------
// Statistics

/**
 * The q-quantile of ascending `sorted` (nearest rank, index ⌊q·total⌋). `total` may exceed the
 * samples held: those missing never arrived and count as infinitely late, so a backlog cannot
 * flatter a p99. NaN when nothing was expected.
 */
export function percentile(sorted, q, total = sorted.length) {
  if (!total) return NaN;
  const i = Math.min(total - 1, Math.floor(q * total));
  return i < sorted.length ? sorted[i] : Infinity;
}

/** The median (the mean of the two middle values when there is an even number). */
export function median(values) {
  if (!values.length) return NaN;
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** Count, p50, p99 and max of a list of latencies. */
export function summary(values) {
  const sorted = Float64Array.from(values).sort();
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

// ---------------------------------------------------------------------------------------------
// Process helpers

/** Whether the module at `metaUrl` is the script node was started with (not imported by bench.mjs). */
export const isMain = (metaUrl) => Boolean(process.argv[1]) && pathToFileURL(process.argv[1]).href === metaUrl;

/** A TCP port free on loopback at the time of asking. */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Targets and results

const OPS = {
  '<=': { text: '≤', holds: (v, l) => v <= l },
  '<': { text: '<', holds: (v, l) => v < l },
  '>=': { text: '≥', holds: (v, l) => v >= l },
  '>': { text: '>', holds: (v, l) => v > l },
};

/** One check of a target: `on` the figure itself or on its ratio to the baseline. */
function check(on, op, limit, text) {
  return { on, op, limit, ...(text ? { text } : {}) };
}
export const valueAtMost = (limit, text) => check('value', '<=', limit, text);
export const valueAtLeast = (limit, text) => check('value', '>=', limit, text);
export const ratioAtMost = (limit, text) => check('ratio', '<=', limit, text);
export const ratioBelow = (limit, text) => check('ratio', '<', limit, text);
export const ratioAtLeast = (limit, text) => check('ratio', '>=', limit, text);

/** Whether `c` holds; false when the number it checks is not a number (nothing measured is not a pass). */
export function holds(c, { value, ratio }) {
  const v = c.on === 'ratio' ? ratio : value;
  if (typeof v !== 'number' || Number.isNaN(v)) return false;
  return OPS[c.op].holds(v, c.limit);
}

/** How a figure of `unit` reads: a few significant digits, thousands grouped, "lost" for ∞. */
export function formatValue(v, unit = '') {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  if (v === Infinity) return 'lost';
  if (v === -Infinity) return '−∞';
  const a = Math.abs(v);
  const digits = a === 0 || a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.01 ? 3 : 4;
  const text = v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (!unit) return text;
  return unit === '%' ? `${text} %` : `${text} ${unit}`;
}

/** A ratio as a factor (0.25×), or as a share (0.5 %) when the figure is a part of its baseline. */
export function formatRatio(ratio, asShare = false) {
  if (typeof ratio !== 'number' || Number.isNaN(ratio)) return 'n/a';
  if (ratio === Infinity) return '∞';
  return asShare ? formatValue(ratio * 100, '%') : `${formatValue(ratio)}×`;
}

/** "ratio ≤ 1.2×", "≤ 30 ms", "share ≤ 5 %", or the check's own words. A limit is written as given, to 3 decimals at most. */
export function formatCheck(c, unit = '', asShare = false) {
  if (c.text) return c.text;
  const op = OPS[c.op].text;
  const limit = (v, u) => {
    const text = v.toLocaleString('en', { maximumFractionDigits: 3 });
    return u === '%' ? `${text} %` : u ? `${text} ${u}` : text;
  };
  if (c.on === 'value') return `${op} ${limit(c.limit, unit)}`;
  return asShare ? `share ${op} ${limit(c.limit * 100, '%')}` : `ratio ${op} ${limit(c.limit)}×`;
}

/**
 * One figure beside its baseline from the same run.
 *   bench, figure: which bench and what was measured ("p99, 50 editors in one document");
 *   value, unit: the figure (lower or higher may be better: the target says which is wanted);
 *   baseline, baselineLabel: what it is compared with, measured in the same run, and what that is;
 *   ratio: value / baseline unless given (e.g. when a baseline of 0 ms must be read as 1 ms);
 *   share: the figure is a part of its baseline (overhead of a whole): the ratio reads as a percentage;
 *   target: checks that must all hold (valueAtMost, ratioAtMost, …); none: no target, met is null;
 *   note: anything a reader needs to read the row right.
 */
export function compare({ bench, figure, value, unit = '', baseline, baselineLabel, ratio, share = false, target = [], note }) {
  const r = ratio ?? value / baseline;
  const checks = [].concat(target);
  return {
    bench,
    figure,
    value,
    unit,
    baseline,
    baselineLabel,
    ratio: r,
    ...(share ? { share: true } : {}),
    target: checks.length ? { text: checks.map((c) => formatCheck(c, unit, share)).join(', '), checks } : null,
    met: checks.length ? checks.every((c) => holds(c, { value, ratio: r })) : null,
    ...(note ? { note } : {}),
  };
}

/** A bench that did not run, and why (a service it needs does not answer): a row of the report, never a silent gap. */
export function skipped(bench, reason) {
  console.log(`\n${bench}: skipped, ${reason}`);
  return { bench, skipped: reason };
}

/** A bench that threw: the report still gets written, with this row saying what went wrong. */
export function failed(bench, error) {
  const message = String(error?.message ?? error).split('\n')[0].slice(0, 300);
  return { bench, failed: message };
}

// ---------------------------------------------------------------------------------------------
// The machine

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return '';
  }
}

function osName() {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (pretty) return `${pretty[1]} (${type()} ${release()})`;
  } catch {
    // not Linux, or no os-release: the kernel's name will do
  }
  return `${type()} ${release()}`;
}

/** GPUs that nvidia-smi or lspci can name; none found reads "none detected". */
function gpus() {
  const nvidia = run('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader']);
  if (nvidia) return nvidia.split('\n').map((l) => l.trim()).filter(Boolean);
  const pci = run('lspci', []);
  return pci
    .split('\n')
    .filter((l) => /VGA compatible|3D controller|Display controller/.test(l))
    .map((l) => l.replace(/^\S+\s+[^:]+:\s*/, ''));
}

/** The 1, 5 and 15-minute load averages, to two decimals. */
export const loadAverage = () => loadavg().map((l) => Math.round(l * 100) / 100);

/** What the figures were measured on, and when, and from which commit. */
export function describeMachine() {
  const commit = run('git', ['rev-parse', 'HEAD']);
  const changed = run('git', ['status', '--porcelain', '--untracked-files=no']);
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    node: process.version,
    gpus: gpus(),
    commit: commit || 'unknown',
    uncommittedChanges: Boolean(changed),
    // Whatever else ran shares the cores: the figures of a busy machine are its figures.
    loadAverage: loadAverage(),
  };
}

// ---------------------------------------------------------------------------------------------
// The report

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** One table row's cells: bench | figure | value | baseline | ratio | target | met. */
export function rowCells(r) {
  if (r.skipped) return [r.bench, '—', `skipped: ${r.skipped}`, '', '', '', '—'];
  if (r.failed) return [r.bench, '—', `failed: ${r.failed}`, '', '', '', '—'];
  const figure = r.note ? `${r.figure} (${r.note})` : r.figure;
  const baseline = `${formatValue(r.baseline, r.unit)} (${r.baselineLabel})`;
  const met = r.met === null ? '—' : r.met ? 'yes' : '**no**';
  return [r.bench, figure, formatValue(r.value, r.unit), baseline, formatRatio(r.ratio, r.share), r.target?.text ?? '—', met];
}

/** The results as a Markdown table. */
export function markdownTable(results) {
  const lines = ['| bench | figure | value | baseline (same run) | ratio | target | met |', '|---|---|---|---|---|---|---|'];
  for (const r of results) lines.push(`| ${rowCells(r).map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** How many targets were met, missed, and how many benches were skipped or failed. */
export function tally(results) {
  const t = { figures: 0, targets: 0, met: 0, missed: 0, skipped: 0, failed: 0 };
  for (const r of results) {
    if (r.skipped) t.skipped++;
    else if (r.failed) t.failed++;
    else {
      t.figures++;
      if (r.met !== null) {
        t.targets++;
        if (r.met) t.met++;
        else t.missed++;
      }
    }
  }
  return t;
}

const fmtSeconds = (s) => (s >= 90 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`);

/** "Time per bench: pipeline 40 s, collab 7 min 3 s, …". */
export const timePerBench = (durations) =>
  `Time per bench: ${Object.entries(durations)
    .map(([name, s]) => `${name} ${fmtSeconds(s)}`)
    .join(', ')}.`;

/** The whole report in Markdown: the machine, the table, and how long each bench took. */
export function markdownReport({ machine, results, durations, totalSeconds, loadAverageAtEnd }) {
  const t = tally(results);
  const gpu = machine.gpus.length ? machine.gpus.join('; ') : 'none detected (the diffusion and LLM figures are CPU figures)';
  const commit = `${machine.commit.slice(0, 12)}${machine.uncommittedChanges ? ' (with uncommitted changes in the working tree)' : ''}`;
  return [
    '# Reelcraft benchmark report',
    '',
    `Written by \`npm run bench\` (scripts/bench.mjs) on ${machine.date.slice(0, 16).replace('T', ' ')} UTC; every figure beside a baseline measured in the same run.`,
    '',
    `- machine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB memory, ${machine.os}`,
    `- GPU: ${gpu}`,
    `- Node ${machine.node}; commit ${commit}`,
    `- load average (1, 5, 15 min) at the start ${machine.loadAverage.join(', ')}${loadAverageAtEnd ? `, at the end ${loadAverageAtEnd.join(', ')}` : ''} (${machine.cores} cores: above that, other processes competed for them)`,
    `- ${t.figures} figures, ${t.targets} with a target: ${t.met} met, ${t.missed} not met; ${t.skipped} bench(es) skipped, ${t.failed} failed; the whole run took ${fmtSeconds(totalSeconds)}`,
    '',
    markdownTable(results),
    '',
    `Ratio = value / baseline (a percentage where the figure is a share of its baseline). ${timePerBench(durations)}`,
    '',
  ].join('\n');
}

/** JSON has no ∞ or NaN: they are written as the strings "Infinity" and "NaN". */
const finiteOrText = (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);

/** Writes `<dir>/report.md` and `<dir>/report.json`; returns their paths. */
export function writeReport(dir, report) {
  mkdirSync(dir, { recursive: true });
  const md = join(dir, 'report.md');
  const json = join(dir, 'report.json');
  writeFileSync(md, markdownReport(report));
  writeFileSync(json, `${JSON.stringify({ ...report, tally: tally(report.results) }, finiteOrText, 2)}\n`);
  return { md, json };
}
