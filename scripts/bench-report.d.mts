// Types of scripts/bench-report.mjs, for the TypeScript that imports it (test/bench-report.spec.ts).

export const ROOT: string;

export function percentile(sorted: ArrayLike<number>, q: number, total?: number): number;
export function median(values: ArrayLike<number>): number;
export function mean(values: number[]): number;
export function summary(values: ArrayLike<number>): { n: number; p50: number; p99: number; max: number };
export function isMain(metaUrl: string): boolean;
export function freePort(): Promise<number>;

export interface Check {
  on: 'value' | 'ratio';
  op: '<=' | '<' | '>=' | '>';
  limit: number;
  text?: string;
}
export function valueAtMost(limit: number, text?: string): Check;
export function valueAtLeast(limit: number, text?: string): Check;
export function ratioAtMost(limit: number, text?: string): Check;
export function ratioBelow(limit: number, text?: string): Check;
export function ratioAtLeast(limit: number, text?: string): Check;
export function holds(check: Check, figures: { value: number; ratio: number }): boolean;

export function formatValue(v: number | null | undefined, unit?: string): string;
export function formatRatio(ratio: number, asShare?: boolean): string;
export function formatCheck(check: Check, unit?: string, asShare?: boolean): string;

export interface Comparison {
  bench: string;
  figure: string;
  value: number;
  unit: string;
  baseline: number;
  baselineLabel: string;
  ratio: number;
  share?: true;
  target: { text: string; checks: Check[] } | null;
  met: boolean | null;
  note?: string;
}
export interface Skipped {
  bench: string;
  skipped: string;
}
export interface Failed {
  bench: string;
  failed: string;
}
export type Result = Comparison | Skipped | Failed;

export function compare(args: {
  bench: string;
  figure: string;
  value: number;
  unit?: string;
  baseline: number;
  baselineLabel: string;
  ratio?: number;
  share?: boolean;
  target?: Check | Check[];
  note?: string;
}): Comparison;
export function skipped(bench: string, reason: string): Skipped;
export function failed(bench: string, error: unknown): Failed;

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  gpus: string[];
  commit: string;
  uncommittedChanges: boolean;
  loadAverage: number[];
}
export function loadAverage(): number[];
export function describeMachine(): Machine;

export interface Report {
  machine: Machine;
  results: Result[];
  durations: Record<string, number>;
  totalSeconds: number;
  loadAverageAtEnd?: number[];
}
export function rowCells(result: Result): string[];
export function markdownTable(results: Result[]): string;
export function tally(results: Result[]): { figures: number; targets: number; met: number; missed: number; skipped: number; failed: number };
export function timePerBench(durations: Record<string, number>): string;
export function markdownReport(report: Report): string;
export function writeReport(dir: string, report: Report): { md: string; json: string };
