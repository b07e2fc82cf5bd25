#!/usr/bin/env python3
"""S7-S10, the real-work scenarios (issue #21), run by the shared harness's own machinery.

The shared harness (../shared/bench, copied to a scratch folder by bench/run.sh) knows S1-S6
only. This script loads that copy's harness/run.py as a module and reuses its start-up,
correctness check, wrk runs, RSS readings, round merging and JSON output; it adds:

- the scenarios S7 (sync handler + SQLite), S8 (typed POST), S9 (middleware, CORS, JWT,
  headers rule; the request carries Origin and Authorization) and S10 (S2 on two workers,
  against S10w1, the same server with one worker; both may use both CPUs);
- request headers: each scenario's are sent by the check and by wrk (realwork_wrk.lua);
- response headers a scenario must carry (S9: proof that the front half ran);
- per target, only the scenarios its folder's SCENARIOS file lists;
- BENCH_WORKERS for start.sh, and the CPUs a scenario's server may use.

Usage: realwork.py --harness SCRATCH_HARNESS_DIR TARGET... [--rounds N] [--quick] --out DIR
Targets are folder names in bench/peers/. Standard library only, like the harness.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import ModuleType

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"
PAYLOADS = HERE / "payloads"
ALL_SCENARIOS = ("S7", "S8", "S9", "S10")
# S10 and S10w1: both servers may use both cores, and wrk shares them (CPU 0).
BOTH_CPUS = "0,1"


def load_harness(folder: Path) -> ModuleType:
    """The scratch copy's harness/run.py as a module (it must be in sys.modules for dataclasses)."""
    spec = importlib.util.spec_from_file_location("bench_harness", folder / "harness" / "run.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no harness/run.py in {folder}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_harness"] = module
    spec.loader.exec_module(module)
    return module


def build_scenarios(h: ModuleType) -> list[Any]:
    """S7-S10 as the harness's Scenario, with the fields the harness lacks."""

    @dataclasses.dataclass(frozen=True)
    class RealScenario(h.Scenario):  # type: ignore[name-defined,misc]
        family: str = ""  # the name in SCENARIOS files: S10w1 belongs to S10
        headers: tuple[tuple[str, str], ...] = ()
        expect_headers: tuple[str, ...] = ()
        workers: int = 1
        server_cpus: str = ""

    token = (PAYLOADS / "token.txt").read_text().strip()
    users = ("GET", "/api/users/123", b'{"id":"123"}')
    return [
        RealScenario(
            "S7", "sync def + SQLite row", "GET", "/api/items/42",
            (PAYLOADS / "item-42.json").read_bytes(), family="S7",
        ),
        RealScenario(
            "S8", "typed POST 1 KB -> model", "POST", "/api/orders",
            (PAYLOADS / "order-receipt.json").read_bytes(),
            body_file=PAYLOADS / "order.json", family="S8",
        ),
        RealScenario(
            "S9", "middleware+CORS+JWT+headers", "GET", "/api/front/123",
            b'{"id":"123","user":"ada"}', family="S9",
            headers=(("Origin", "https://app.example.com"), ("Authorization", f"Bearer {token}")),
            expect_headers=("x-frontend", "x-content-type-options", "access-control-allow-origin"),
        ),
        RealScenario("S10w1", "S2, 1 worker, 2 cores", *users, family="S10", server_cpus=BOTH_CPUS),
        RealScenario(
            "S10", "S2, 2 workers, 2 cores", *users, family="S10", workers=2, server_cpus=BOTH_CPUS
        ),
    ]  # fmt: skip


def served(target: Path) -> set[str]:
    """The scenario families a target serves: its SCENARIOS file (all of them without one)."""
    listing = target / "SCENARIOS"
    return set(listing.read_text().split()) if listing.exists() else set(ALL_SCENARIOS)


def install(h: ModuleType) -> None:
    """Teach the loaded harness request headers, expected response headers and groups."""
    h.LUA_SCRIPT = HERE / "realwork_wrk.lua"
    plain_run_wrk = h.run_wrk
    plain_measure_app = h.measure_app

    def check_response(port: int, scenario: Any) -> tuple[str, list[tuple[str, str]]]:
        body = scenario.body_file.read_bytes() if scenario.body_file else None
        headers = dict(scenario.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request(scenario.method, scenario.path, body=body, headers=headers)
            response = conn.getresponse()
            status, got, content = response.status, response.getheaders(), response.read()
        finally:
            conn.close()
        if status != 200:
            return f"status {status}, body {content[:200]!r}", got
        if content != scenario.expected:
            return f"body differs: got {content[:120]!r}... ({len(content)} bytes)", got
        names = {name.lower() for name, _ in got}
        missing = [name for name in scenario.expect_headers if name not in names]
        if missing:
            return f"response lacks {', '.join(missing)}", got
        return "", got

    def run_wrk(port: int, scenario: Any, seconds: int, settings: Any) -> tuple[Any, str]:
        os.environ["BENCH_HEADERS"] = "\n".join(f"{k}: {v}" for k, v in scenario.headers)
        stats, command = plain_run_wrk(port, scenario, seconds, settings)
        if scenario.headers:
            names = ", ".join(k for k, _ in scenario.headers)
            command = f"BENCH_HEADERS=<{names}, one a line> {command}"
        return stats, command

    def measure_target(
        target: Path, scenarios: list[Any], settings: Any
    ) -> tuple[list[Any], list[Any]]:
        h.log(f"== {target.name}")
        wanted = [s for s in scenarios if s.family in served(target)]
        apps: list[Any] = []
        results: list[Any] = []
        groups = sorted({(s.workers, s.server_cpus) for s in wanted})
        for workers, cpus in groups:
            group = [s for s in wanted if (s.workers, s.server_cpus) == (workers, cpus)]
            h.log(
                f" {workers} worker(s), CPUs {cpus or settings.server_cpu}: "
                + ", ".join(s.name for s in group)
            )
            os.environ["BENCH_WORKERS"] = str(workers)
            local = dataclasses.replace(settings, server_cpu=cpus or settings.server_cpu)
            app, group_results = plain_measure_app(target, 0, group, local)
            apps.append(app)
            results.extend(group_results)
        results.sort(key=lambda r: r.scenario)
        return apps, results

    h.check_response = check_response
    h.run_wrk = run_wrk
    h.measure_target = measure_target


def check_only(h: ModuleType) -> None:
    """Make the harness check each scenario's answer and skip its load and timing."""

    def measure_scenario(server: Any, scenario: Any, settings: Any, problem: str) -> Any:
        result = h.ScenarioResult(scenario.name, scenario.title, ok=False, problem=problem)
        if not problem:
            result.problem, result.response_headers = h.check_response(server.port, scenario)
        result.ok = not result.problem
        h.log(f"  {scenario.name}: {'ok' if result.ok else 'FAILED: ' + result.problem}")
        return result

    h.measure_scenario = measure_scenario


def main() -> None:  # noqa: C901 - the options, then the rounds
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("targets", nargs="+", help="folder names in bench/peers/")
    parser.add_argument(
        "--harness", type=Path, required=True, help="the scratch copy of ../shared/bench"
    )
    parser.add_argument(
        "--scenarios", default=",".join(ALL_SCENARIOS), help="comma-separated subset"
    )
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--startup-trials", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="1 s warm-up, one 3 s run, 1 round")
    parser.add_argument(
        "--check",
        action="store_true",
        help="start each target and check every answer; no load, no JSON",
    )
    parser.add_argument("--out", type=Path, default=None, help="folder for the JSON results")
    parser.add_argument(
        "--venv",
        default=os.environ.get("BENCH_VENV", str(Path(tempfile.gettempdir()) / "bench-venv")),
    )
    args = parser.parse_args()
    if args.quick:
        args.warmup, args.duration, args.runs, args.rounds = 1, 3, 1, 1
    h = load_harness(args.harness.resolve())
    install(h)
    if args.check:
        check_only(h)
        args.rounds = 1
    elif args.out is None:
        parser.error("--out is required unless --check")
    settings = h.Settings(
        rounds=args.rounds, warmup_s=args.warmup, duration_s=args.duration, runs=args.runs,
        connections=64, threads=1, startup_trials=args.startup_trials, server_cpu=1,
        client_cpu=0, python=str(Path(args.venv) / "bin" / "python"),
    )  # fmt: skip
    wanted = set(args.scenarios.split(","))
    scenarios = [s for s in build_scenarios(h) if s.family in wanted]
    os.sched_setaffinity(0, {settings.client_cpu})
    paths = [PEERS / name for name in args.targets]
    for path in paths:
        if not (path / "start.sh").exists():
            raise SystemExit(f"unknown target {path.name!r}: no start.sh in {path}")
    if args.check:
        for path in paths:
            h.measure_target(path, scenarios, settings)
        return
    out = args.out.resolve()
    rounds: dict[Path, list[Any]] = {p: [] for p in paths}
    for number in range(args.rounds):
        if args.rounds > 1:
            h.log(f"#### round {number + 1}/{args.rounds}")
        for path in paths:
            rounds[path].append(h.measure_target(path, scenarios, settings))
    for path in paths:
        apps, results = h.merge_rounds(rounds[path])
        h.write_result(path, apps, results, settings, out)
        record = json.loads((out / f"{path.name}.json").read_text())
        record["scenario_definitions"] = {
            s.name: {"workers": s.workers, "server_cpus": s.server_cpus or str(settings.server_cpu),
                     "headers": [name for name, _ in s.headers], "path": s.path, "method": s.method}
            for s in scenarios
        }  # fmt: skip
        text = json.dumps(record, indent=1) + "\n"
        # NOTE: the commands name this repository's files as bench/..., not by machine path.
        for prefix in (os.path.relpath(HERE, args.harness.resolve()), str(HERE)):
            text = text.replace(prefix, "bench")
        (out / f"{path.name}.json").write_text(text)


if __name__ == "__main__":
    main()
