#!/usr/bin/env bash
# Raw ASGI app for S7-S10 (app.py) on uvicorn (httptools + uvloop), BENCH_WORKERS workers.
# Usage: start.sh PORT   (env: BENCH_PYTHON, BENCH_WORKERS (default 1))
set -euo pipefail
cd "$(dirname "$0")"
port="${1:?usage: start.sh PORT}"
python="${BENCH_PYTHON:-${BENCH_VENV:-${TMPDIR:-/tmp}/bench-venv}/bin/python}"
export PYTHONPATH="$PWD/../common${PYTHONPATH:+:$PYTHONPATH}"
workers=()
[ "${BENCH_WORKERS:-1}" = 1 ] || workers=(--workers "$BENCH_WORKERS")
exec "$python" -m uvicorn app:app --host 127.0.0.1 --port "$port" "${workers[@]}" \
  --loop uvloop --http httptools --no-access-log --log-level warning
