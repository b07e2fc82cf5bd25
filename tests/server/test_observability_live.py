"""Traces and metrics through `approutes start` on uvicorn and granian, as deployed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.conftest import make_project, server_process
from tests.live_server import SERVERS, live_server, wait_until

if TYPE_CHECKING:
    from pathlib import Path

# NOTE: the project's own instrumentation.py sets up OpenTelemetry, as a user would; its
# exporter writes each finished span as a JSON line to the file named by SPANS_FILE.
INSTRUMENTATION = """
    import json
    import os

    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult


    class FileExporter(SpanExporter):
        def export(self, spans):
            with open(os.environ["SPANS_FILE"], "a", encoding="utf-8") as out:
                for span in spans:
                    parent = span.parent
                    out.write(json.dumps({
                        "name": span.name,
                        "kind": span.kind.name,
                        "trace_id": format(span.context.trace_id, "032x"),
                        "span_id": format(span.context.span_id, "016x"),
                        "parent_id": format(parent.span_id, "016x") if parent else None,
                        "attributes": dict(span.attributes),
                    }) + "\\n")
            return SpanExportResult.SUCCESS


    def register():
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(FileExporter()))
        trace.set_tracer_provider(provider)
"""

TRACED = {
    "approutes.toml": "tracing = true\n",
    "instrumentation.py": INSTRUMENTATION,
    "app/ping/route.py": "async def GET():\n    return {'pong': True}\n",
    "app/api/users/[id]/route.py": """
        from opentelemetry import trace

        async def GET(request, ctx):
            with trace.get_tracer("the-app").start_as_current_span("load user"):
                return {"id": ctx.params["id"]}
    """,
}

COUNTED = {
    "approutes.toml": 'metrics_path = "/metrics"\n',
    "app/ping/route.py": "async def GET():\n    return {'pong': True}\n",
    "app/api/pid/route.py": """
        import os

        async def GET():
            return {"pid": os.getpid()}
    """,
}


def read_spans(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("kind", SERVERS)
def test_a_live_server_exports_the_request_span_as_a_child_of_traceparent(
    tmp_path: Path, kind: str
) -> None:
    root = make_project(tmp_path / "project", TRACED)
    spans_file = tmp_path / "spans.jsonl"
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    parent_id = "b7ad6b7169203331"

    with (
        live_server(root, kind, {"SPANS_FILE": str(spans_file)}) as server,
        server.client() as http,
    ):
        response = http.get(
            "/api/users/42", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"}
        )
        assert response.status_code == 200
        wait_until(
            lambda: any(s["kind"] == "SERVER" for s in read_spans(spans_file)),
            "the request span is exported",
        )

    spans = [s for s in read_spans(spans_file) if s["trace_id"] == trace_id]
    (server_span,) = [s for s in spans if s["kind"] == "SERVER"]
    (child,) = [s for s in spans if s["name"] == "load user"]
    assert server_span["name"] == "GET /api/users/[id]"
    assert server_span["parent_id"] == parent_id
    assert server_span["attributes"] == {
        "http.request.method": "GET",
        "http.route": "/api/users/[id]",
        "http.response.status_code": 200,
        "url.path": "/api/users/42",
        "url.scheme": "http",
        "network.protocol.version": "1.1",
    }
    assert child["parent_id"] == server_span["span_id"]


def requests_total(response: httpx.Response, route: str) -> float:
    assert response.status_code == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == "approutes_requests_total" and sample.labels["route"] == route
    )


@pytest.mark.parametrize("kind", SERVERS)
def test_with_two_workers_every_scrape_shows_the_requests_of_both(
    tmp_path: Path, kind: str
) -> None:
    root = make_project(tmp_path / "project", COUNTED)
    temp = tmp_path / "tmp"
    temp.mkdir()
    args = ("--server", kind, "--workers", "2")

    with server_process(root, *args, env={"TMPDIR": str(temp)}) as (base, _):
        pids: set[int] = set()
        sent = 0
        # NOTE: a new connection per request, so that either worker may accept it; go on
        # until both have answered, and at least 20 times.
        while (len(pids) < 2 or sent < 20) and sent < 2000:
            with httpx.Client(base_url=base, timeout=5.0) as http:
                pids.add(http.get("/api/pid").json()["pid"])
            sent += 1
        assert len(pids) == 2, f"one worker answered all {sent} requests"
        (shared,) = temp.glob("approutes-metrics-*")
        assert list(shared.glob("*.db")), "the workers write their numbers to the shared folder"

        totals = set()
        for _ in range(10):
            with httpx.Client(base_url=base, timeout=5.0) as http:
                totals.add(requests_total(http.get("/metrics"), "/api/pid"))

    assert totals == {sent}
    assert list(temp.iterdir()) == [], "the shared folder is removed when the server stops"
