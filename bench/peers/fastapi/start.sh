#!/usr/bin/env bash
# fastapi peer for the real-work scenarios (app.py) on uvicorn (httptools + uvloop), one worker.
# Usage: start.sh PORT   (env: BENCH_PYTHON)
set -euo pipefail
cd "$(dirname "$0")"
port="${1:?usage: start.sh PORT}"
python="${BENCH_PYTHON:-${BENCH_VENV:-${TMPDIR:-/tmp}/bench-venv}/bin/python}"
export PYTHONPATH="$PWD/../common${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" -m uvicorn app:app --host 127.0.0.1 --port "$port" \
  --loop uvloop --http httptools --no-access-log --log-level warning
