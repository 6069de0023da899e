#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up, lint, JS unit tests, Python tests (engine,
# API, fuzzing, teaching claims, and browser tests against a real server in Debian's chromium).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser || exit 1

status=0
echo "==> ruff"
.venv/bin/ruff check app tests bench || status=1

if command -v node >/dev/null 2>&1 && ls tests/js/*.test.mjs >/dev/null 2>&1; then
  echo "==> node --test (DOM-free front-end modules)"
  node --test tests/js/ || status=1
fi

echo "==> pytest"
.venv/bin/python -m pytest "$@"
rc=$?
# pytest exits 5 when it collected nothing: a selection with no tests is not a failure here,
# but it is said out loud.
if [ $rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi
[ $rc -eq 0 ] || status=$rc
exit $status
