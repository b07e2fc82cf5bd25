"""The issues' performance goals, checked against one `make bench` run.

Usage: python3 bench/goals.py RESULTS_DIR   (the JSON files of approutes, approutes-granian,
raw-asgi-uvicorn and raw-asgi-granian, ws-echo/ws_echo.json of bench/ws_echo.py and
realwork/*.json of bench/realwork.py when they ran); prints markdown tables. A goal whose
numbers are missing is "not measured", never an error. Standard library only.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

RATIO_GOALS = {"S1": 0.8, "S2": 0.8, "S3": 0.8, "S4": 0.7, "S5": 0.8, "S6": 0.7}
PAIRS = (("approutes-granian", "raw-asgi-granian"), ("approutes", "raw-asgi-uvicorn"))
STARTUP_GOAL_S = 0.5
# Issue #21: RSS warm with 1,000 routes within this of the raw app on the same server.
RSS_MARGIN_MIB = 10
UVICORN_S4_GOAL = 0.8
WS_GOAL = 0.8
# bench/ws_echo.py's targets, in the order of PAIRS.
WS_PAIRS = (("approutes-granian", "raw-granian"), ("approutes-uvicorn", "raw-uvicorn"))


def main() -> None:
    folder = Path(sys.argv[1])
    runs = {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}
    rps = {name: _medians(result) for name, result in runs.items()}
    _print_s1_s6(folder, runs, rps)
    _print_realwork(folder / "realwork", rps)


def _print_s1_s6(  # noqa: C901 - one table, row by row
    folder: Path, runs: dict[str, Any], rps: dict[str, dict[str, float]]
) -> None:
    """S1-S6 over the raw app on each server, the WebSocket echo, start-up and RSS."""
    print("| goal | " + " | ".join(f"{a} / {b} | met" for a, b in PAIRS) + " |")
    print("| --- |" + " ---: | :-: |" * len(PAIRS))
    measured = set.intersection(*(set(rps.get(name, {})) for pair in PAIRS for name in pair))
    for scenario, goal in RATIO_GOALS.items():
        if scenario not in measured:  # a run limited with --scenarios, or a target that failed
            print(
                f"| {scenario} >= {goal}x | "
                + " | ".join("not measured | not measured" for _ in PAIRS)
                + " |"
            )
            if scenario == "S4":
                _print_uvicorn_s4(rps)
            continue
        cells = []
        for target, floor in PAIRS:
            ours, raw = rps[target][scenario], rps[floor][scenario]
            ratio = ours / raw
            cells.append(f"{ours:,.0f} / {raw:,.0f} = **{ratio:.2f}x** | {_mark(ratio >= goal)}")
        print(f"| {scenario} >= {goal}x | " + " | ".join(cells) + " |")
        if scenario == "S4":
            _print_uvicorn_s4(rps)
    ws_echo = folder / "ws-echo" / "ws_echo.json"
    if ws_echo.exists():
        _print_ws_row(json.loads(ws_echo.read_text()))
    if not {"S2", "S5"} <= measured:
        for label in (
            "S5 not more than 5 % below S2",
            f"start-up < {STARTUP_GOAL_S} s, 1,000 routes",
            f"RSS warm, 1,000 routes, within {RSS_MARGIN_MIB} MiB of the raw app",
        ):
            print(f"| {label} | " + " | ".join("not measured | not measured" for _ in PAIRS) + " |")
        return
    cells = []
    for target, _ in PAIRS:
        s2, s5 = rps[target]["S2"], rps[target]["S5"]
        change = s5 / s2 - 1
        cells.append(f"{s5:,.0f} vs {s2:,.0f} ({change:+.0%}) | {_mark(change >= -0.05)}")
    print("| S5 not more than 5 % below S2 | " + " | ".join(cells) + " |")
    cells = []
    for target, _ in PAIRS:
        large = next(a for a in runs[target]["apps"] if a["extra_routes"] == 1000)
        startup = statistics.median(large["startup_s"])
        cells.append(f"{startup:.2f} s | {_mark(startup < STARTUP_GOAL_S)}")
    print(f"| start-up < {STARTUP_GOAL_S} s, 1,000 routes | " + " | ".join(cells) + " |")
    cells = []
    for target, floor in PAIRS:
        rss, floor_rss = _large_app_rss(runs[target]), _large_app_rss(runs[floor])
        if rss is None or floor_rss is None:
            cells.append("not measured | not measured")
            continue
        cells.append(
            f"{rss:.1f} MiB (raw: {floor_rss:.1f}, {rss - floor_rss:+.1f}) | "
            f"{_mark(rss - floor_rss <= RSS_MARGIN_MIB)}"
        )
    print(
        f"| RSS warm, 1,000 routes, within {RSS_MARGIN_MIB} MiB of the raw app | "
        + " | ".join(cells)
        + " |"
    )


def _print_uvicorn_s4(rps: dict[str, dict[str, float]]) -> None:
    """Issue #21: uvicorn S4 >= 0.8x (granian's row has no such goal)."""
    cells = []
    for target, floor in PAIRS:
        if target != "approutes":
            cells.append("- | -")
            continue
        ours, raw = rps.get(target, {}).get("S4"), rps.get(floor, {}).get("S4")
        if ours is None or raw is None:
            cells.append("not measured | not measured")
            continue
        cells.append(
            f"{ours:,.0f} / {raw:,.0f} = **{ours / raw:.2f}x** | "
            f"{_mark(ours / raw >= UVICORN_S4_GOAL)}"
        )
    print(f"| S4 on uvicorn >= {UVICORN_S4_GOAL}x | " + " | ".join(cells) + " |")


def _large_app_rss(result: dict[str, Any]) -> float | None:
    """MiB after warm-up of the app with 1,000 extra routes (S5's), or None."""
    large = [a for a in result["apps"] if a["extra_routes"] == 1000 and a["rss_after_warmup_kib"]]
    return large[0]["rss_after_warmup_kib"] / 1024 if large else None


# (target, reference, goal): S7-S9 over the raw app on the same server and over the peers (uvicorn).
REALWORK_GOALS = {
    "S7": (0.8, {"fastapi": 1.5}),
    "S8": (0.8, {"fastapi": 2.0, "litestar": 1.2}),
    "S9": (0.6, {"fastapi": 2.0}),
}


def _print_realwork(folder: Path, s1_s6: dict[str, dict[str, float]]) -> None:
    """Issue #21's goals for S7-S10 (bench/realwork.py), each met, not met or not measured."""
    runs = (
        {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}
        if folder.is_dir()
        else {}
    )
    rps = {name: _medians(result) for name, result in runs.items()}
    print()
    print("| S7-S10 goal (issue #21) | measured | met |")
    print("| --- | ---: | :-: |")
    for scenario, (raw_goal, peer_goals) in REALWORK_GOALS.items():
        for target, floor in PAIRS:
            _ratio_row(
                f"{scenario} {target} >= {raw_goal}x {floor}",
                rps,
                scenario,
                target,
                floor,
                raw_goal,
            )
        for peer, goal in peer_goals.items():
            _ratio_row(
                f"{scenario} approutes >= {goal}x {peer}", rps, scenario, "approutes", peer, goal
            )
    for target, floor in PAIRS:
        label = f"S10 scaling 1 -> 2 workers, {target} >= {floor}'s"
        ours, raw = _scaling(rps.get(target, {})), _scaling(rps.get(floor, {}))
        if ours is None or raw is None:
            print(f"| {label} | not measured | not measured |")
            continue
        print(f"| {label} | **{ours:.2f}x** vs {raw:.2f}x | {_mark(ours >= raw)} |")


def _ratio_row(
    label: str,
    rps: dict[str, dict[str, float]],
    scenario: str,
    target: str,
    reference: str,
    goal: float,
) -> None:
    ours, theirs = rps.get(target, {}).get(scenario), rps.get(reference, {}).get(scenario)
    if ours is None or theirs is None:
        print(f"| {label} | not measured | not measured |")
        return
    print(
        f"| {label} | {ours:,.0f} / {theirs:,.0f} = **{ours / theirs:.2f}x** | "
        f"{_mark(ours / theirs >= goal)} |"
    )


def _scaling(medians: dict[str, float]) -> float | None:
    """S10 (two workers) over S10w1 (one worker), both free to use both cores."""
    if "S10" not in medians or "S10w1" not in medians:
        return None
    return medians["S10"] / medians["S10w1"]


def _print_ws_row(record: dict[str, Any]) -> None:
    """The WebSocket echo goal: messages/s of approutes' echo route over the raw app's."""
    summaries = {t["target"]: t["summary"] for t in record["targets"] if t["summary"]}
    cells = []
    for target, floor in WS_PAIRS:
        if target not in summaries or floor not in summaries:
            cells.append("not measured | not met")
            continue
        ours, raw = summaries[target], summaries[floor]
        ratio = ours["messages_per_s_median"] / raw["messages_per_s_median"]
        # NOTE: messages per CPU second of the server, beside: what each does with a whole
        # core, when other work on this shared machine takes part of it during a run.
        per_cpu = ours["messages_per_server_cpu_s_median"] / raw["messages_per_server_cpu_s_median"]
        cells.append(
            f"{ours['messages_per_s_median']:,.0f} / {raw['messages_per_s_median']:,.0f} = "
            f"**{ratio:.2f}x** (per server CPU second: {per_cpu:.2f}x) | {_mark(ratio >= WS_GOAL)}"
        )
    print(f"| WebSocket echo (messages/s) >= {WS_GOAL}x | " + " | ".join(cells) + " |")


def _medians(result: dict[str, Any]) -> dict[str, float]:
    scenarios = result["scenarios"]
    return {s["scenario"]: s["summary"]["rps_median"] for s in scenarios if s.get("ok")}


def _mark(met: bool) -> str:
    return "met" if met else "not met"


if __name__ == "__main__":
    main()
