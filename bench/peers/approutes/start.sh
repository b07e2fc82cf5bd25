#!/usr/bin/env bash
# approutes (approutes start on project/, uvicorn unless APPROUTES_SERVER says otherwise): S7-S10.
# Usage: start.sh PORT   (env: APPROUTES_BIN, APPROUTES_SERVER, BENCH_WORKERS (default 1))
set -euo pipefail
cd "$(dirname "$0")"
port="${1:?usage: start.sh PORT}"
export PYTHONPATH="$PWD/../common${PYTHONPATH:+:$PYTHONPATH}"
server=()
[ -z "${APPROUTES_SERVER:-}" ] || server=(--server "$APPROUTES_SERVER")
exec "${APPROUTES_BIN:-approutes}" start project --host 127.0.0.1 --port "$port" \
  --workers "${BENCH_WORKERS:-1}" "${server[@]}"
