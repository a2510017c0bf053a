#!/usr/bin/env bash
# One command on a fresh machine: install everything (with Chromium for the browser test) and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
export REELCRAFT_WITH_BROWSER=1
SECONDS=0
bash scripts/install.sh
echo "==> install took ${SECONDS} s"
export NX_NO_CLOUD=true NX_DAEMON=false

# The API tests also run against the local PostgreSQL (127.0.0.1:5432, database test).
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "==> starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "error: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
fi

rm -rf reports && mkdir -p reports
status=0
echo "==> lint"
npx nx run-many -t lint --outputStyle=static || status=1
npx eslint scripts test || status=1
echo "==> type-check"
# Every package's typecheck covers its specs too (the studio's runs svelte-check).
npx nx run-many -t typecheck --outputStyle=static || status=1
npx tsc -p test/tsconfig.json || status=1
# REELCRAFT_TEST_DB names the database of the server suites (apps/server/src/testing/test-app.ts):
# this pass runs them on SQLite and the next on PostgreSQL, so the specs that compare both run
# each leg once. The repository and migration specs under src/ check both databases in this pass.
echo "==> unit and API tests (server API suites on SQLite)"
REELCRAFT_TEST_DB=sqlite npx nx run-many -t test --parallel=1 --outputStyle=static || status=1
echo "==> server API suites on PostgreSQL"
pg_started=$SECONDS
(cd apps/server && REELCRAFT_TEST_DB=postgres npx vitest run test/ --outputFile.json=../../reports/server-postgres.json) || status=1
echo "==> server API suites on PostgreSQL took $((SECONDS - pg_started)) s"
echo "==> cross-app tests (restart recovery, browser)"
npx vitest run --config test/vitest.config.ts || status=1
echo "==> cross-app restart tests on PostgreSQL"
REELCRAFT_TEST_DB=postgres npx vitest run --config test/vitest.config.ts collab-restart restart-recovery --outputFile.json=../reports/cross-app-postgres.json || status=1
node scripts/summarise-tests.mjs reports || status=1
echo "==> install + tests took ${SECONDS} s"
exit $status
