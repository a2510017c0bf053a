import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compare,
  describeMachine,
  failed,
  formatValue,
  markdownReport,
  markdownTable,
  median,
  percentile,
  ratioAtLeast,
  ratioAtMost,
  ratioBelow,
  rowCells,
  skipped,
  summary,
  tally,
  valueAtMost,
  writeReport,
  type Result,
} from '../scripts/bench-report.mjs';
import { ROOT } from './support/server-process';

/** The report `npm run bench` writes (scripts/bench-report.mjs): figures, baselines, ratios, targets. */
describe('bench report', () => {
  it('sets each figure beside its baseline, with the ratio and whether every check of the target holds', () => {
    const spec = { bench: 'collab', figure: 'p99', value: 6, unit: 'ms', baseline: 5, baselineLabel: 'reference', target: [ratioAtMost(1.2), valueAtMost(30)] };
    expect(compare(spec)).toMatchObject({ ratio: 1.2, met: true, target: { text: 'ratio ≤ 1.2×, ≤ 30 ms' } });
    expect(compare({ ...spec, value: 6.1 }).met).toBe(false);
    expect(compare({ ...spec, value: 31, baseline: 100 }).met).toBe(false);

    const throughput = compare({ bench: 'queue', figure: 'jobs/s', value: 40, unit: 'jobs/s', baseline: 50, baselineLabel: 'embedded', target: ratioAtLeast(0.8) });
    expect(throughput).toMatchObject({ ratio: 0.8, met: true, target: { text: 'ratio ≥ 0.8×' } });
    expect(compare({ bench: 'filter', figure: 'median', value: 1, baseline: 1, baselineLabel: 'mint', target: ratioBelow(1) }).met).toBe(false);

    const noTarget = compare({ bench: 'worker-pool', figure: 'warm', value: 200, unit: 'ms', baseline: 1000, baselineLabel: 'cold' });
    expect(noTarget).toMatchObject({ ratio: 0.2, target: null, met: null });
  });

  it('never counts a figure that was not measured, or was lost, as meeting its target', () => {
    expect(compare({ bench: 'b', figure: 'f', value: NaN, baseline: 1, baselineLabel: 'x', target: valueAtMost(30) }).met).toBe(false);
    expect(compare({ bench: 'b', figure: 'f', value: Infinity, baseline: 5, baselineLabel: 'x', target: ratioAtMost(1.2) }).met).toBe(false);
    expect(formatValue(Infinity, 'ms')).toBe('lost');
    expect(formatValue(NaN, 'ms')).toBe('n/a');
  });

  it('reads a share of the baseline as a percentage, and a given ratio instead of value / baseline', () => {
    const overhead = compare({ bench: 'planner', figure: 'overhead', value: 4, unit: 'ms', baseline: 200, baselineLabel: 'plan()', share: true, target: ratioAtMost(0.05) });
    expect(overhead.target?.text).toBe('share ≤ 5 %');
    expect(rowCells(overhead)[4]).toBe('2.00 %');
    expect(compare({ bench: 'fanout', figure: 'p99', value: 2, baseline: 0, baselineLabel: 'one', ratio: 2 / Math.max(1, 0) }).ratio).toBe(2);
  });

  it('writes figures with a few significant digits and their unit', () => {
    expect(formatValue(1234.4, 'ms')).toBe('1,234 ms');
    expect(formatValue(12.34, 's')).toBe('12.3 s');
    expect(formatValue(1.234, 's')).toBe('1.23 s');
    expect(formatValue(0.4087, 'ms')).toBe('0.409 ms');
    expect(formatValue(12.5, '%')).toBe('12.5 %');
  });

  it('takes percentiles by nearest rank, a missing sample counting as infinitely late', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(51);
    expect(percentile(sorted, 0.99)).toBe(100);
    expect(percentile(sorted.subarray(0, 98), 0.99, 100)).toBe(Infinity);
    expect(percentile([], 0.5)).toBeNaN();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(summary([5, 1, 4, 2, 3])).toEqual({ n: 5, p50: 3, p99: 5, max: 5 });
  });

  it('writes skipped and failed benches as rows of the table, never as a gap', () => {
    const results: Result[] = [
      compare({ bench: 'render', figure: 'a | b', value: 2, unit: 's', baseline: 10, baselineLabel: 'hand-written', target: ratioAtMost(0.25) }),
      compare({ bench: 'render', figure: 're-render', value: 5, unit: 's', baseline: 10, baselineLabel: 'full', target: ratioAtMost(1 / 6, 'ratio ≤ 1/6') }),
      skipped('fanout', 'no Redis answers at redis://127.0.0.1:6379'),
      failed('preview', new Error('server exited with 1\nstack…')),
    ];
    const lines = markdownTable(results).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[2]).toBe('| render | a \\| b | 2.00 s | 10.0 s (hand-written) | 0.200× | ratio ≤ 0.25× | yes |');
    expect(lines[3]).toContain('| ratio ≤ 1/6 | **no** |');
    expect(lines[4]).toBe('| fanout | — | skipped: no Redis answers at redis://127.0.0.1:6379 |  |  |  | — |');
    expect(lines[5]).toBe('| preview | — | failed: server exited with 1 |  |  |  | — |');
    expect(tally(results)).toEqual({ figures: 2, targets: 2, met: 1, missed: 1, skipped: 1, failed: 1 });
  });

  it('names the machine, the commit and the date, and writes report.md and report.json', () => {
    const machine = describeMachine();
    expect(machine.cores).toBe(cpus().length);
    expect(machine.commit).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim());
    expect(machine.node).toBe(process.version);
    expect(machine.loadAverage).toHaveLength(3);
    expect(Date.parse(machine.date)).not.toBeNaN();

    const dir = mkdtempSync(join(tmpdir(), 'bench-report-spec-'));
    try {
      const results: Result[] = [compare({ bench: 'collab', figure: 'p99', value: Infinity, unit: 'ms', baseline: 5, baselineLabel: 'reference', target: valueAtMost(30) }), skipped('queue', 'no Redis')];
      const report = { machine, results, durations: { collab: 400, queue: 0.1 }, totalSeconds: 400.1 };
      const { md, json } = writeReport(dir, report);
      expect(readFileSync(md, 'utf8')).toBe(markdownReport(report));
      expect(readFileSync(md, 'utf8')).toContain(`${machine.cores} × ${machine.cpu}`);
      expect(readFileSync(md, 'utf8')).toContain('Time per bench: collab 6 min 40 s, queue 0 s.');
      const parsed = JSON.parse(readFileSync(json, 'utf8'));
      expect(parsed.machine).toEqual(machine);
      expect(parsed.results[0]).toMatchObject({ value: 'Infinity', met: false, target: { text: '≤ 30 ms' } });
      expect(parsed.results[1]).toEqual({ bench: 'queue', skipped: 'no Redis' });
      expect(parsed.tally).toMatchObject({ figures: 1, missed: 1, skipped: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
