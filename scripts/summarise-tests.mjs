// Adds up the JSON reports that every Vitest run writes into reports/ and prints one closing line
// ("tests: N passed, N failed") for the whole run, so CI reads a single count.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'reports';
const expected = ['shared', 'filter', 'inference', 'server', 'server-postgres', 'studio', 'cross-app', 'cross-app-postgres'];
let passed = 0;
let failed = 0;
let skipped = 0;
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
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
