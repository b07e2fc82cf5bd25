"""WebSocket echo scenario of `make bench`: round trips a second, approutes vs a raw ASGI app.

Usage: .venv/bin/python bench/ws_echo.py OUT_DIR [--rounds 5] [--warmup 2] [--duration 6]
       [--connections 50] [--targets raw-uvicorn,approutes-uvicorn,...] [--node-dir DIR]

Each target is one server with one worker pinned to CPU 1 (taskset, as the shared harness pins
its servers): the raw echo app of `ws_raw_app.py` and approutes' echo route
(`ws_project/app/ws/echo/route.py`, through `approutes start`), each on uvicorn and on granian,
all from this repository's virtualenv so that both sides of a pair run the same server code.
The load is `ws_client.cjs` on CPU 0: CONNECTIONS sockets, each sending a 32-byte text and
waiting for its echo before the next. Its `ws` package is installed into DIR (a scratch
folder) on first use. Rounds interleave the targets as the harness's `--rounds` does; each
round gives one timed run per target, and the median over rounds is reported.

The client must not be the bottleneck: each run records the client's CPU time and the
server's (its whole process tree) as shares of their cores, and how busy the server's core
was (other processes included: this machine is shared, and taskset keeps the server on its
core but not others off it). Messages per server CPU second (messages/s over the server's
share) is what the server does with a whole core; its ratio is steadier than the ratio of
messages/s when other work takes part of the core during some runs.

Writes OUT_DIR/ws_echo.json (every run) and OUT_DIR/ws_echo.md (the table); bench/goals.py
reads the JSON for its WebSocket row. A target that does not start or does not echo is
recorded as failed and the others still run, as the harness does with a failing scenario.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
APPROUTES = str(Path(PYTHON).with_name("approutes"))
PATH = "/ws/echo"
MESSAGE = "x" * 32
WS_PACKAGE = "ws@8"
STARTUP_TIMEOUT_S = 60.0
PAIRS = (("approutes-uvicorn", "raw-uvicorn"), ("approutes-granian", "raw-granian"))
# NOTE: uvicorn's sans-I/O protocol on the websockets package, named explicitly: "auto" picks
# the package's legacy protocol, which the websockets project deprecates. As approutes
# configures it: no permessage-deflate (the client offers none either).
UVICORN_WS = "websockets-sansio"


def _targets() -> dict[str, list[str]]:
    """Each target's command, before `--port PORT`; run with BENCH_DIR as the working folder.

    Each raw app sits next to its approutes peer, so a pair's runs are close in time.
    """
    host = ["--host", "127.0.0.1"]
    return {
        "raw-uvicorn": [
            PYTHON, "-m", "uvicorn", "ws_raw_app:app", *host, "--loop", "uvloop",
            "--http", "httptools", "--ws", UVICORN_WS, "--ws-per-message-deflate", "false",
            "--no-access-log", "--log-level", "warning",
        ],
        "approutes-uvicorn": [
            APPROUTES, "start", "ws_project", *host, "--workers", "1", "--server", "uvicorn",
        ],
        "raw-granian": [
            PYTHON, "-m", "granian", "--interface", "asgi", *host, "--workers", "1",
            "--http", "1", "--loop", "uvloop", "--no-access-log", "--log-level", "warning",
            "ws_raw_app:app",
        ],
        "approutes-granian": [
            APPROUTES, "start", "ws_project", *host, "--workers", "1", "--server", "granian",
        ],
    }  # fmt: skip


@dataclass
class Run:
    """One timed run of the client against one target."""

    messages_per_s: float
    round_trips: int
    seconds: float
    client_cpu_share: float
    server_cpu_share: float
    server_core_busy: float
    client_core_busy: float
    wrong_echoes: int
    failed_sockets: int
    round: int


@dataclass
class TargetResult:
    """Every run of one target, pooled over rounds."""

    target: str
    command: str
    runs: list[Run] = field(default_factory=list)
    problem: str = ""

    def summary(self) -> dict[str, float]:
        """Median messages/s over the runs, its spread, and the median CPU shares."""
        if not self.runs:
            return {}
        rates = [r.messages_per_s for r in self.runs]
        return {
            "messages_per_s_median": statistics.median(rates),
            "messages_per_s_min": min(rates),
            "messages_per_s_max": max(rates),
            "client_cpu_share_median": statistics.median(r.client_cpu_share for r in self.runs),
            "server_cpu_share_median": statistics.median(r.server_cpu_share for r in self.runs),
            "server_core_busy_median": statistics.median(r.server_core_busy for r in self.runs),
            "client_core_busy_median": statistics.median(r.client_core_busy for r in self.runs),
            "messages_per_server_cpu_s_median": statistics.median(
                r.messages_per_s / r.server_cpu_share for r in self.runs
            ),
            "errors": sum(r.wrong_echoes + r.failed_sockets for r in self.runs),
        }


def log(message: str) -> None:
    """A progress line on standard error."""
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def core_ticks(cpu: int) -> tuple[int, int]:
    """(busy, total) clock ticks of one CPU since boot, from /proc/stat.

    Idle and iowait are not busy; steal is (the server could not run then), and so is the
    time of other processes and of the kernel's network work (softirq) on that CPU.
    """
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            ticks = [int(value) for value in line.split()[1:9]]
            idle = ticks[3] + ticks[4]
            return sum(ticks) - idle, sum(ticks)
    raise RuntimeError(f"no cpu{cpu} in /proc/stat")


def _busy_share(start: tuple[int, int], end: tuple[int, int]) -> float:
    """How busy a CPU was between two `core_ticks` readings, 0 to 1."""
    return (end[0] - start[0]) / max(end[1] - start[1], 1)


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) of `root` and every descendant, read from /proc."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                stats[int(entry.name)] = fields
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    ticks, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            ticks += int(stats[pid][11]) + int(stats[pid][12])  # utime, stime
        todo.extend(children.get(pid, []))
    return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def serving(command: list[str], cpu: int) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """Start `command --port PORT` pinned to `cpu` in its own session; stop its group after."""
    port = free_port()
    with tempfile.NamedTemporaryFile(prefix="ws-bench-", suffix=".log", delete=False) as log_file:
        process = subprocess.Popen(
            ["taskset", "-c", str(cpu), *command, "--port", str(port)],
            cwd=BENCH_DIR,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process, port, Path(log_file.name)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # a granian worker left behind
            os.killpg(process.pid, signal.SIGKILL)
        Path(log_file.name).unlink()


def wait_echoing(process: subprocess.Popen[bytes], port: int, log_path: Path) -> str:
    """Empty once one socket gets its message back; else what went wrong."""
    from websockets.exceptions import WebSocketException  # noqa: PLC0415
    from websockets.sync.client import connect  # noqa: PLC0415

    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    problem = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = [line.strip() for line in log_path.read_text(errors="replace").splitlines()]
            return f"server exited with {process.returncode}: " + " / ".join(tail[-6:])
        try:
            with connect(f"ws://127.0.0.1:{port}{PATH}", open_timeout=5) as ws:
                ws.send(MESSAGE)
                echo = ws.recv(timeout=5)
            return "" if echo == MESSAGE else f"echo differs: {echo!r}"
        except ConnectionRefusedError:
            time.sleep(0.02)
        except (OSError, TimeoutError, WebSocketException) as error:
            problem = f"{type(error).__name__}: {error}"
            time.sleep(0.2)
    return problem


def run_client(port: int, server_pid: int, args: argparse.Namespace, round_number: int) -> Run:
    """One timed run of ws_client.cjs against `port`, with both sides' CPU shares."""
    command = [
        "taskset", "-c", str(args.client_cpu), "node", str(BENCH_DIR / "ws_client.cjs"),
        f"ws://127.0.0.1:{port}{PATH}", str(args.connections), str(args.warmup),
        str(args.duration), str(len(MESSAGE)),
    ]  # fmt: skip
    env = dict(os.environ, NODE_PATH=str(Path(args.node_dir) / "node_modules"))
    client = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    cpu_start = cpu_end = started = ended = 0.0
    core_start = core_end = client_start = client_end = (0, 0)
    data: dict[str, float] = {}
    for line in client.stdout or ():
        if line.startswith("WINDOW_START"):
            cpu_start, started = tree_cpu_s(server_pid), time.monotonic()
            core_start = core_ticks(args.server_cpu)
            client_start = core_ticks(args.client_cpu)
        elif line.startswith("WS_JSON "):
            cpu_end, ended = tree_cpu_s(server_pid), time.monotonic()
            core_end = core_ticks(args.server_cpu)
            client_end = core_ticks(args.client_cpu)
            data = json.loads(line.removeprefix("WS_JSON "))
    if client.wait() != 0 or not data:
        raise RuntimeError(f"the client failed ({client.returncode})")
    return Run(
        messages_per_s=data["messages_per_s"],
        round_trips=int(data["round_trips"]),
        seconds=data["seconds"],
        client_cpu_share=data["client_cpu_share"],
        server_cpu_share=(cpu_end - cpu_start) / (ended - started),
        server_core_busy=_busy_share(core_start, core_end),
        client_core_busy=_busy_share(client_start, client_end),
        wrong_echoes=int(data["wrong_echoes"]),
        failed_sockets=int(data["failed_sockets"]),
        round=round_number,
    )


def measure(
    name: str, command: list[str], result: TargetResult, args: argparse.Namespace, round_number: int
) -> None:
    """One round of one target: start it, check the echo, time one run, stop it."""
    with serving(command, args.server_cpu) as (process, port, log_path):
        problem = wait_echoing(process, port, log_path)
        if problem:
            result.problem = result.problem or problem
            log(f"  {name}: FAILED: {problem}")
            return
        try:
            run = run_client(port, process.pid, args, round_number)
        except RuntimeError as error:
            result.problem = result.problem or str(error)
            log(f"  {name}: FAILED: {error}")
            return
    result.runs.append(run)
    log(
        f"  {name}: {run.messages_per_s:>8,.0f} messages/s, CPU client {run.client_cpu_share:.0%}"
        f" (its core busy {run.client_core_busy:.0%}), server {run.server_cpu_share:.0%} (its core"
        f" busy {run.server_core_busy:.0%}), errors {run.wrong_echoes + run.failed_sockets}"
    )


def _shown(command: list[str]) -> str:
    """`command` as a reader runs it from bench/ (the virtualenv's programs by relative path)."""
    venv = Path(PYTHON).parent
    shown = [f"../.venv/bin/{Path(a).name}" if Path(a).parent == venv else a for a in command]
    return shlex.join(shown) + " --port $PORT"


def install_client(node_dir: Path) -> str:
    """Install the `ws` package into `node_dir` unless it is there; its version."""
    package = node_dir / "node_modules" / "ws" / "package.json"
    if not package.exists():
        node_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(node_dir), "--no-audit", "--no-fund", WS_PACKAGE],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return str(json.loads(package.read_text())["version"])


def _version(module: str) -> str:
    done = subprocess.run(
        [PYTHON, "-c", f"import importlib.metadata as m; print(m.version({module!r}))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


def environment(ws_version: str) -> dict[str, object]:
    """Machine and versions, as the harness records them."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    return {
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu": cpu,
        "cpus_online": os.cpu_count(),
        "kernel": platform.release(),
        "server_python": platform.python_version(),
        "packages": {m: _version(m) for m in ("approutes", "uvicorn", "granian", "websockets")},
        "node": node.stdout.strip(),
        "ws": ws_version,
    }


def _paired_ratio(ours: TargetResult, raw: TargetResult) -> float:
    """The median over rounds of the ratio of the two runs of each round."""
    raw_runs = {run.round: run.messages_per_s for run in raw.runs}
    ratios = [r.messages_per_s / raw_runs[r.round] for r in ours.runs if r.round in raw_runs]
    return statistics.median(ratios) if ratios else float("nan")


def markdown(results: dict[str, TargetResult], args: argparse.Namespace) -> str:
    """The scenario's table: each target, then each pair's ratio."""
    lines = [
        f"## WebSocket echo: {args.connections} sockets, one {len(MESSAGE)}-byte text in flight"
        f" each, {args.rounds} rounds of {args.duration} s after {args.warmup} s",
        "",
        "| target | messages/s (median) | min | max | client CPU (its core busy) | server CPU"
        " (its core busy) | messages per server CPU second | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, result in results.items():
        s = result.summary()
        if not s:
            lines.append(f"| {name} | failed: {result.problem[:200]} | | | | | | |")
            continue
        lines.append(
            f"| {name} | {s['messages_per_s_median']:,.0f} | {s['messages_per_s_min']:,.0f} | "
            f"{s['messages_per_s_max']:,.0f} | {s['client_cpu_share_median']:.0%} "
            f"({s['client_core_busy_median']:.0%}) | {s['server_cpu_share_median']:.0%} "
            f"({s['server_core_busy_median']:.0%}) | "
            f"{s['messages_per_server_cpu_s_median']:,.0f} | {s['errors']:.0f} |"
        )
    lines += [
        "",
        "| pair | ratio of messages/s (medians) | median of the rounds' ratios | ratio of"
        " messages per server CPU second |",
        "| --- | ---: | ---: | ---: |",
    ]
    for ours, raw in PAIRS:
        if ours in results and raw in results:
            a, b = results[ours].summary(), results[raw].summary()
            if not (a and b):
                lines.append(f"| {ours} / {raw} | not measured | | |")
                continue
            rate = a["messages_per_s_median"] / b["messages_per_s_median"]
            paired = _paired_ratio(results[ours], results[raw])
            per_cpu = a["messages_per_server_cpu_s_median"] / b["messages_per_server_cpu_s_median"]
            lines.append(f"| {ours} / {raw} | {rate:.2f}x | {paired:.2f}x | {per_cpu:.2f}x |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run every round, write the JSON and the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", help="folder for ws_echo.json and ws_echo.md")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=2, help="seconds before each timed run")
    parser.add_argument("--duration", type=float, default=6, help="seconds of each timed run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--targets", default=",".join(_targets()))
    parser.add_argument("--server-cpu", type=int, default=1)
    parser.add_argument("--client-cpu", type=int, default=0)
    parser.add_argument(
        "--node-dir",
        default=str(Path(tempfile.gettempdir()) / "approutes-ws-client"),
        help="scratch folder for the client's `ws` package",
    )
    args = parser.parse_args()
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise SystemExit("the WebSocket echo scenario needs Node.js and npm on PATH")
    ws_version = install_client(Path(args.node_dir))
    commands = _targets()
    names = args.targets.split(",")
    results = {name: TargetResult(name, _shown(commands[name])) for name in names}
    for round_number in range(args.rounds):
        log(f"#### WebSocket echo, round {round_number + 1}/{args.rounds}")
        # NOTE: every other round runs the targets in reverse (A B B A), so a drift of the
        # machine's speed during a round weighs on both sides of a pair alike.
        for name in names if round_number % 2 == 0 else names[::-1]:
            measure(name, commands[name], results[name], args, round_number)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = {
        "scenario": "WebSocket echo",
        "settings": {k: v for k, v in vars(args).items() if k not in ("out", "node_dir")},
        "message_bytes": len(MESSAGE),
        "environment": environment(ws_version),
        "targets": [dict(asdict(r), summary=r.summary()) for r in results.values()],
    }
    (out / "ws_echo.json").write_text(json.dumps(record, indent=1) + "\n")
    table = markdown(results, args)
    (out / "ws_echo.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
