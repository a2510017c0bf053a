// Adds up the JSON reports that every Vitest run writes into reports/ and prints one closing line
// ("tests: N passed, N failed") for the whole run, so CI reads a single count, after the name and
// first message line of every failed test (CI keeps only the log's tail, far from the failure).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'reports';
const expected = ['shared', 'filter', 'inference', 'server', 'server-postgres', 'studio', 'cross-app', 'cross-app-postgres'];
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
for (const name of expected) {
  if (!files.includes(`${name}.json`)) {
    console.error(`missing test report: ${name}.json (that test run crashed or did not start)`);
    failed += 1;
  }
}
for (const file of files) {
  const r = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrors ?? 0);
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  console.log(`${file.replace(/\.json$/, '').padEnd(10)} ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  for (const suite of r.testResults ?? []) {
    for (const t of suite.assertionResults ?? []) {
      if (t.status !== 'failed') continue;
      const first = String(t.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300);
      failures.push(`${file.replace(/\.json$/, '')}: ${suite.name} > ${t.fullName}\n    ${first}`);
    }
    // A file that failed to load has no assertions, only a message.
    if (suite.status === 'failed' && !(suite.assertionResults ?? []).length) failures.push(`${file.replace(/\.json$/, '')}: ${suite.name}\n    ${String(suite.message ?? '').split('\n')[0]}`);
  }
}
if (failures.length) console.log(`failed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
