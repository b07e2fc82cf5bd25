#!/usr/bin/env bash
# The raw ASGI app for S7-S10 (../raw-asgi-uvicorn/app.py) on granian (ASGI, uvloop), BENCH_WORKERS workers.
# Usage: start.sh PORT   (env: BENCH_PYTHON, BENCH_WORKERS (default 1))
set -euo pipefail
cd "$(dirname "$0")/../raw-asgi-uvicorn"
port="${1:?usage: start.sh PORT}"
python="${BENCH_PYTHON:-${BENCH_VENV:-${TMPDIR:-/tmp}/bench-venv}/bin/python}"
export PYTHONPATH="$PWD/../common${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" -m granian --interface asgi --host 127.0.0.1 --port "$port" \
  --workers "${BENCH_WORKERS:-1}" --http 1 --loop uvloop --no-access-log --log-level warning app:app
