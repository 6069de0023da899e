#!/usr/bin/env bash
# Create .venv and install the project with its test and dev tools; re-run only when pyproject changes.
# With --browser, also install Debian's chromium for the browser tests (never a downloaded browser).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> creating .venv and installing the project (about a minute the first time)"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip 2>/dev/null || true
  .venv/bin/python -m pip install --quiet -e '.[test,dev]'
  rm -f .venv/.installed-* && touch "$stamp"
fi

if [ "${1:-}" = "--browser" ] && { [ ! -f .node/node_modules/axe-core/axe.min.js ] \
    || [ ! -f .node/node_modules/reveal.js/dist/reveal.js ]; }; then
  # from the npm registry, into .node/: axe-core, injected by the accessibility browser test, and
  # reveal.js, the slide deck (served from another origin) that embeds the playground in a browser test
  if command -v npm >/dev/null 2>&1; then
    echo "==> installing axe-core and reveal.js for the browser tests"
    npm install --prefix .node --no-audit --no-fund --silent axe-core@4 reveal.js@6 >/dev/null
  fi
fi

if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "==> installing Debian's chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
