#!/usr/bin/env bash
# Set up (first time only) and start the playground on http://127.0.0.1:8000 (HOST/PORT override).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/nn-playground --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" "$@"
