#!/usr/bin/env bash
# `make bench`: the shared harness (../shared/bench) against approutes and the raw ASGI floor.
#
# The harness is copied to a scratch folder (shared/ is read-only and prepare.sh writes the
# 1,000-route project there), its setup installs wrk and the peers' virtualenv, and the run
# interleaves the targets (--rounds) so their ratios come from the same moments.
#
# Env: BENCH_PEERS=all adds every peer (Next.js needs ~6 min of npm install + builds);
#      BENCH_ARGS overrides the run options (default: --rounds 3 --runs 1);
#      BENCH_OUT is where the JSON and report go (default: bench/results/latest);
#      WS_BENCH_ARGS overrides the WebSocket echo scenario's options (bench/ws_echo.py --help);
#      BENCH_WS=0 leaves that scenario out;
#      BENCH_REAL_ARGS overrides the options of the real-work scenarios S7-S10 (bench/realwork.py
#      --help; default: --rounds 2 --runs 1), BENCH_REAL=0 leaves them out, and
#      BENCH_REAL_PEERS=all adds their peers (FastAPI, Litestar, Starlette) without the S1-S6
#      peers (BENCH_PEERS=all adds them too).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
shared="${APPROUTES_SHARED:-$repo/../shared}/bench"
work="${TMPDIR:-/tmp}/approutes-bench"
out="${BENCH_OUT:-$repo/bench/results/latest}"
export APPROUTES_BIN="$repo/.venv/bin/approutes"
# approutes is an editable install: Python writes its bytecode only when allowed to (not under
# PYTHONDONTWRITEBYTECODE, which this machine's shells set), so each start compiled every module
# changed since the last write (granian's start-up with none written: 0.57 s, not 0.38). A
# wheel install compiles at install time; so does this.
"$repo/.venv/bin/python" -m compileall -q "$repo/src" "$repo/bench/peers"
export BENCH_VENV="${BENCH_VENV:-${TMPDIR:-/tmp}/bench-venv}"
# The `approutes` target measures uvicorn explicitly (granian, which make installs, is what
# `start --server auto` picks, and `approutes-granian` measures it), so both servers stay in
# the table.
export APPROUTES_SERVER="${APPROUTES_SERVER:-uvicorn}"
# The harness asks every target to serve "with request logging off" (its peers run uvicorn
# with --no-access-log); approutes' access log is on by default, so the shared `approutes`
# target gets it off here, as bench/peers/approutes/project does in its approutes.toml.
# APPROUTES_ACCESS_LOG=true measures it on.
export APPROUTES_ACCESS_LOG="${APPROUTES_ACCESS_LOG:-false}"

[ -d "$shared" ] || { echo "no harness at $shared" >&2; exit 1; }
rm -rf "$work"
cp -r "$shared" "$work"
chmod -R u+w "$work"

targets=(approutes approutes-granian raw-asgi-uvicorn raw-asgi-granian)
if [ "${BENCH_PEERS:-}" = all ]; then
  targets+=(starlette fastapi litestar fastapi-filebased-routing nextjs)
  "$work/setup.sh"
else
  "$work/setup.sh" approutes raw-asgi-uvicorn raw-asgi-granian
fi

mkdir -p "$out"
# shellcheck disable=SC2086 # BENCH_ARGS is a list of options
"$work/run.sh" "${targets[@]}" ${BENCH_ARGS:---rounds 3 --runs 1} --out "$out"
python3 "$work/harness/report.py" "$out"/*.json --baseline raw-asgi-uvicorn > "$out/report.md"

# The WebSocket echo scenario (~3 min): approutes' echo route against a raw ASGI echo app on
# uvicorn and on granian, the same pinning (server on CPU 1, client on CPU 0). Its own folder,
# so that the *.json above stay the harness's. It needs Node.js and npm; when it cannot run,
# goals.md has no WebSocket row and `make bench` goes on (a target that fails is recorded and
# its goal is "not measured", as the harness records a scenario that fails).
rm -rf "$out/ws-echo"
if [ "${BENCH_WS:-1}" != 0 ]; then
  # shellcheck disable=SC2086 # WS_BENCH_ARGS is a list of options
  "$repo/.venv/bin/python" "$repo/bench/ws_echo.py" "$out/ws-echo" ${WS_BENCH_ARGS:-} ||
    echo "the WebSocket echo scenario did not run (see above)" >&2
fi
# The real-work scenarios S7-S10 (issue #21, ~11 min; ~15 min with BENCH_PEERS=all): this
# repository's bench/peers/ targets, run by bench/realwork.py through the same scratch harness
# (its start-up, checks, wrk runs and JSON), into their own folder. PyJWT joins the peers'
# virtualenv (the S9 peers check the bearer token with it); the SQLite file of S7 is made here.
rm -rf "$out/realwork"
if [ "${BENCH_REAL:-1}" != 0 ]; then
  "$BENCH_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$repo/bench/peers/requirements.txt"
  "$repo/.venv/bin/python" "$repo/bench/peers/common/benchwork.py"
  real_targets=(approutes approutes-granian raw-asgi-uvicorn raw-asgi-granian)
  if [ "${BENCH_PEERS:-}" = all ] || [ "${BENCH_REAL_PEERS:-}" = all ]; then
    real_targets+=(fastapi litestar starlette)
  fi
  # shellcheck disable=SC2086 # BENCH_REAL_ARGS is a list of options
  if python3 "$repo/bench/realwork.py" --harness "$work" "${real_targets[@]}" ${BENCH_REAL_ARGS:-} \
    --out "$out/realwork"; then
    python3 "$work/harness/report.py" "$out/realwork"/*.json --baseline raw-asgi-uvicorn \
      > "$out/realwork/report.md"
  else
    echo "the real-work scenarios did not run (see above); their goals are not measured" >&2
  fi
fi
python3 "$repo/bench/goals.py" "$out" > "$out/goals.md"
cat "$out/goals.md"
echo "report: $out/report.md, S7-S10: $out/realwork/report.md, WebSocket echo: $out/ws-echo/ws_echo.md, goals: $out/goals.md"

# Dev reload latency (in-process, not a server benchmark): one route saved vs. lib/ saved.
"$repo/.venv/bin/python" "$repo/bench/reload_latency.py" | tee "$out/reload.txt"
