"""Per-request cost of `approutes start`'s access log, in-process: the ASGI app, no server.

Usage: python bench/access_log_cost.py PROJECT {off,text,json} [REQUESTS] [PATH] [BODY_FILE]

Prints microseconds per request (best of 5 rounds). With BODY_FILE, each request is a POST of
that file as `application/json` (uvicorn S4: the shared harness's `payloads/echo.json` to
`/api/echo`), otherwise a GET. For instruction counts, run it under
`valgrind --tool=callgrind` with two request counts and divide the difference. The log goes
to standard error: send it to /dev/null (or a file) as a server's log would go.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from approutes import create_app


async def _send(message: dict[str, Any]) -> None:
    return None


async def _run(app: Any, path: str, requests: int, body: bytes | None) -> float:
    headers = [(b"host", b"localhost:3000"), (b"user-agent", b"bench")]
    if body is not None:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    message = {"type": "http.request", "body": body or b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return message

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET" if body is None else "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 3000),
    }
    started = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), receive, _send)
    return (time.perf_counter() - started) / requests * 1e6


def main() -> None:
    """Measure, and print the result."""
    project, mode = sys.argv[1], sys.argv[2]
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
    path = sys.argv[4] if len(sys.argv) > 4 else "/api/hello"
    body = Path(sys.argv[5]).read_bytes() if len(sys.argv) > 5 else None
    app = create_app(project)
    if mode != "off":
        from approutes.cli.log_setup import configure_logging  # noqa: PLC0415

        configure_logging("json" if mode == "json" else "text")
        app.access_log = True
    best = min(asyncio.run(_run(app, path, requests, body)) for _ in range(5))
    print(f"{mode}: {best:.2f} us/request ({path}, {requests} requests)")


if __name__ == "__main__":
    main()
