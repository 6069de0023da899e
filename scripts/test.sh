#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up, lint, JS unit tests, Python tests (engine,
# API, fuzzing, teaching claims, and browser tests against a real server in Debian's chromium).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser || exit 1

# Ray, the optional cluster extra, for tests/cluster (a real two-node cluster, ~20 s): installed
# for the test suite (~10 s the first time), not for `make run`. Without it that test is skipped
# and the pytest summary says why.
cluster_stamp=.venv/.cluster-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$cluster_stamp" ]; then
  echo "==> installing the cluster extra (Ray) for tests/cluster"
  if .venv/bin/python -m pip install --quiet -e '.[cluster]'; then
    rm -f .venv/.cluster-* && touch "$cluster_stamp"
  else
    echo "could not install the cluster extra: tests/cluster will be skipped"
  fi
fi

status=0
echo "==> ruff"
.venv/bin/ruff check app tests bench || status=1

if command -v node >/dev/null 2>&1 && ls tests/js/*.test.mjs >/dev/null 2>&1; then
  echo "==> node --test (DOM-free front-end modules)"
  node --test tests/js/ || status=1
fi

echo "==> mypy (app/, configured in pyproject.toml)"
.venv/bin/python -m mypy || status=1

echo "==> pytest, with a coverage report for app/"
# Coverage of the code the tests run in this process (the servers they start in subprocesses are
# not counted). The floor is today's figure, rounded down a little, and holds for a whole run
# only: a selection (`bash scripts/test.sh tests/nn`, `make test ARGS=...`) covers less by design.
COV_FLOOR=84
cov=(--cov=app --cov-report=term:skip-covered)
[ $# -eq 0 ] && cov+=(--cov-fail-under=$COV_FLOOR)
# a data file of this run's own: several runs may share this tree at once
export COVERAGE_FILE="${TMPDIR:-/tmp}/nnp-coverage.$$"
.venv/bin/python -m pytest "${cov[@]}" "$@"
rc=$?
rm -f "$COVERAGE_FILE" "$COVERAGE_FILE".*
# pytest exits 5 when it collected nothing: a selection with no tests is not a failure here,
# but it is said out loud.
if [ $rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi
[ $rc -eq 0 ] || status=$rc
exit $status
