"""Per-request cost of S7-S9 in-process: approutes' ASGI app against the raw app, no server.

Usage: python bench/realwork_cost.py {S7,S8,S9} [REQUESTS] [--profile] [--only {approutes,raw}]

Prints microseconds per request for each app (best of 5 rounds) and their ratio; with
`--profile`, the 25 functions with the most own time (cProfile) in approutes' requests, then
in the raw app's. Run it with the repository's virtualenv (approutes, PyJWT, pydantic, orjson);
the SQLite file comes from `python bench/peers/common/benchwork.py`. S7's handler runs in a
worker thread, which cProfile does not follow: its profile shows the event loop's side only.

For instruction counts, run one app (`--only`, one round) under `valgrind --tool=callgrind`
with two request counts and divide the difference, as bench/access_log_cost.py says.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "peers" / "common"), str(HERE / "peers" / "raw-asgi-uvicorn")]

from benchwork import TOKEN  # noqa: E402

from approutes import create_app  # noqa: E402

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
ORDER = (HERE / "payloads" / "order.json").read_bytes()
REQUESTS: dict[str, tuple[str, str, list[tuple[bytes, bytes]], bytes]] = {
    "S7": ("GET", "/api/items/42", [], b""),
    "S8": ("POST", "/api/orders", [(b"content-type", b"application/json")], ORDER),
    "S9": (
        "GET",
        "/api/front/123",
        [(b"origin", b"https://app.example.com"), (b"authorization", f"Bearer {TOKEN}".encode())],
        b"",
    ),
}


async def _send(message: dict[str, Any]) -> None:
    if message["type"] == "http.response.start" and message["status"] != 200:
        raise SystemExit(f"status {message['status']}")


async def _run(app: App, scenario: str, requests: int) -> float:
    method, path, headers, body = REQUESTS[scenario]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [
            (b"host", b"localhost:3000"),
            (b"user-agent", b"bench"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 3000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    started = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), receive, _send)
    return (time.perf_counter() - started) / requests * 1e6


def main() -> None:
    """Measure both apps, print the result (and the profiles)."""
    scenario = sys.argv[1]
    numbers = [a for a in sys.argv[2:] if a.isdigit()]
    requests = int(numbers[0]) if numbers else 5_000
    import app as raw  # noqa: PLC0415 - bench/peers/raw-asgi-uvicorn/app.py

    apps: dict[str, App] = {
        "approutes": create_app(HERE / "peers" / "approutes" / "project"),
        "raw": raw.app,
    }
    if "--only" in sys.argv:
        only = sys.argv[sys.argv.index("--only") + 1]
        micros = asyncio.run(_run(apps[only], scenario, requests))
        print(f"{scenario} {only}: {micros:.1f} us/request ({requests} requests, one round)")
        return
    timings = {
        name: min(asyncio.run(_run(app, scenario, requests)) for _ in range(5))
        for name, app in apps.items()
    }
    for name, micros in timings.items():
        print(f"{scenario} {name}: {micros:.1f} us/request ({requests} requests)")
    print(f"{scenario} raw / approutes: {timings['raw'] / timings['approutes']:.2f}x")
    if "--profile" in sys.argv:
        for name, app in apps.items():
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(_run(app, scenario, requests))
            profiler.disable()
            print(f"\n### {name}, {requests} requests, by own time")
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
