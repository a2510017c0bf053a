#!/usr/bin/env bash
# One command on a fresh machine: install, build and start the studio on its embedded defaults
# (SQLite in ./data, in-process queue, whatever is in ./models) on http://localhost:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec npm start
