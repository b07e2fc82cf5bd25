"""Per-request cost of `approutes start`'s access log, in-process: the ASGI app, no server.

Usage: python bench/access_log_cost.py PROJECT {off,text,json} [REQUESTS] [PATH]

Prints microseconds per request (best of 5 rounds). For instruction counts, run it under
`valgrind --tool=callgrind` with two request counts and divide the difference. The log goes
to standard error: send it to /dev/null (or a file) as a server's log would go.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from approutes import create_app


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    return None


async def _run(app: Any, path: str, requests: int) -> float:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"localhost:3000"), (b"user-agent", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 3000),
    }
    started = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), _receive, _send)
    return (time.perf_counter() - started) / requests * 1e6


def main() -> None:
    """Measure, and print the result."""
    project, mode = sys.argv[1], sys.argv[2]
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
    path = sys.argv[4] if len(sys.argv) > 4 else "/api/hello"
    app = create_app(project)
    if mode != "off":
        from approutes.cli.log_setup import configure_logging  # noqa: PLC0415

        configure_logging("json" if mode == "json" else "text")
        app.access_log = True
    best = min(asyncio.run(_run(app, path, requests)) for _ in range(5))
    print(f"{mode}: {best:.2f} us/request ({path}, {requests} requests)")


if __name__ == "__main__":
    main()
