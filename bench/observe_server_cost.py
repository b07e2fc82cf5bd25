"""What tracing and metrics cost a request through `approutes start --server uvicorn`.

Runs the server under callgrind on a one-route project, once with 500 and once with 2,500
keep-alive requests of `GET /api/users/123` (bench S2's request), and prints the difference
in instructions divided by 2,000: the serving process's instructions a request, as in
bench/RESULTS.md. Tracing uses an OpenTelemetry SDK provider set in the project's
`instrumentation.py`, with a span processor that drops the spans.

Usage: python bench/observe_server_cost.py [off|metrics|tracing|both ...]
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

APPROUTES = Path(sys.executable).parent / "approutes"
ROUTE = 'async def GET(request, ctx):\n    return {"id": ctx.params["id"]}\n'
SETTINGS = {
    "off": "",
    "metrics": 'metrics_path = "/metrics"\n',
    "tracing": "tracing = true\n",
    "both": 'tracing = true\nmetrics_path = "/metrics"\n',
}
INSTRUMENTATION = """
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult


class Drop(SpanExporter):
    def export(self, spans):
        return SpanExportResult.SUCCESS


def register():
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(Drop()))
    trace.set_tracer_provider(provider)
"""


def project(kind: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix=f"observe-server-{kind}-"))
    route = root / "app" / "api" / "users" / "[id]" / "route.py"
    route.parent.mkdir(parents=True)
    route.write_text(ROUTE)
    (root / "approutes.toml").write_text(SETTINGS[kind])
    if "tracing" in SETTINGS[kind]:
        (root / "instrumentation.py").write_text(INSTRUMENTATION)
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def instructions(kind: str, requests: int) -> int:
    """Instructions of a server that answered `requests` (and a first one), start to exit."""
    port = free_port()
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        str(APPROUTES),
        "start",
        str(project(kind)),
        "--server",
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        deadline = time.monotonic() + 120
        while True:
            try:
                client.get("/api/users/1")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for _ in range(requests):
            client.get("/api/users/123").raise_for_status()
    server.send_signal(signal.SIGINT)
    _, errors = server.communicate(timeout=120)
    found = re.search(rb"Collected : (\d+)", errors)
    if found is None:
        raise RuntimeError(errors.decode(errors="replace"))
    return int(found.group(1))


def main() -> None:
    for kind in sys.argv[1:] or list(SETTINGS):
        per_request = (instructions(kind, 2500) - instructions(kind, 500)) / 2000
        print(f"{kind:8} {per_request / 1000:7.1f}k instructions a request", flush=True)


if __name__ == "__main__":
    main()
