"""What tracing and metrics cost a request, in-process (no server, no sockets).

Drives the ASGI app of a one-route project directly, N requests of `GET /api/users/42`, for
each of: both off (the default), metrics on, tracing on (OpenTelemetry SDK provider with a
span processor that drops spans), both on. Prints microseconds a request (best of 5 runs).
Run under callgrind for instruction counts:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null python bench/observe_cost.py off 2000

Usage: python bench/observe_cost.py [off|metrics|tracing|both|all] [requests]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from approutes import create_app

if TYPE_CHECKING:
    from collections.abc import MutableMapping

ROUTE = 'async def GET(request, ctx):\n    return {"id": ctx.params["id"]}\n'
SETTINGS = {
    "off": "",
    "metrics": 'metrics_path = "/metrics"\n',
    "tracing": "tracing = true\n",
    "both": 'tracing = true\nmetrics_path = "/metrics"\n',
}


def project(kind: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix=f"observe-{kind}-"))
    route = root / "app" / "api" / "users" / "[id]" / "route.py"
    route.parent.mkdir(parents=True)
    route.write_text(ROUTE)
    (root / "approutes.toml").write_text(SETTINGS[kind])
    return root


def install_tracer_provider() -> None:
    class Drop(SpanExporter):
        def export(self, spans: object) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(Drop()))
    trace.set_tracer_provider(provider)


async def run(kind: str, requests: int) -> float:
    app = create_app(project(kind))
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/users/42",
        "raw_path": b"/api/users/42",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 3000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        return None

    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(requests):
            await app(dict(scope), receive, send)
        best = min(best, (time.perf_counter() - started) / requests)
    return best * 1e6


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    if which in ("tracing", "both", "all"):
        install_tracer_provider()
    kinds = list(SETTINGS) if which == "all" else [which]
    for kind in kinds:
        micros = asyncio.run(run(kind, requests))
        print(f"{kind:8} {micros:6.2f} µs a request")


if __name__ == "__main__":
    main()
