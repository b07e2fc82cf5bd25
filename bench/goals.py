"""The issue's performance goals, checked against one `make bench` run.

Usage: python3 bench/goals.py RESULTS_DIR   (the JSON files of approutes, approutes-granian,
raw-asgi-uvicorn and raw-asgi-granian, and ws-echo/ws_echo.json of bench/ws_echo.py when it
ran); prints a markdown table. Standard library only.
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
RSS_GOAL_MIB = 45
WS_GOAL = 0.8
# bench/ws_echo.py's targets, in the order of PAIRS.
WS_PAIRS = (("approutes-granian", "raw-granian"), ("approutes-uvicorn", "raw-uvicorn"))


def main() -> None:
    folder = Path(sys.argv[1])
    runs = {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}
    rps = {name: _medians(result) for name, result in runs.items()}
    print("| goal | " + " | ".join(f"{a} / {b} | met" for a, b in PAIRS) + " |")
    print("| --- |" + " ---: | :-: |" * len(PAIRS))
    measured = set.intersection(*(set(rps[name]) for pair in PAIRS for name in pair))
    for scenario, goal in RATIO_GOALS.items():
        if scenario not in measured:  # a run limited with --scenarios
            continue
        cells = []
        for target, floor in PAIRS:
            ours, raw = rps[target][scenario], rps[floor][scenario]
            ratio = ours / raw
            cells.append(f"{ours:,.0f} / {raw:,.0f} = **{ratio:.2f}x** | {_mark(ratio >= goal)}")
        print(f"| {scenario} >= {goal}x | " + " | ".join(cells) + " |")
    ws_echo = folder / "ws-echo" / "ws_echo.json"
    if ws_echo.exists():
        _print_ws_row(json.loads(ws_echo.read_text()))
    if not {"S2", "S5"} <= measured:
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
        rss = max(a["rss_after_warmup_kib"] for a in runs[target]["apps"]) / 1024
        floor_rss = max(a["rss_after_warmup_kib"] for a in runs[floor]["apps"]) / 1024
        cells.append(f"{rss:.0f} MiB (raw: {floor_rss:.0f}) | {_mark(rss < RSS_GOAL_MIB)}")
    print(f"| RSS < {RSS_GOAL_MIB} MiB | " + " | ".join(cells) + " |")


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
