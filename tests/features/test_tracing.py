"""OpenTelemetry server spans (`tracing = true`), read from the SDK's in-memory exporter."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from tests.conftest import make_project

from approutes import create_app
from approutes.dev.reloader import reload_project
from approutes.errors import SettingsError
from approutes.testing import TestClient

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

ROUTES = {
    "approutes.toml": "tracing = true\n",
    "app/api/users/[id]/route.py": """
        async def GET(request, ctx):
            return {"id": ctx.params["id"]}
    """,
    "app/api/boom/route.py": """
        async def GET():
            raise RuntimeError("the database is down")
    """,
    "app/api/teapot/route.py": """
        from approutes import HTTPError

        async def GET():
            raise HTTPError(418, "short and stout")
    """,
    "app/api/nested/route.py": """
        from opentelemetry import trace

        tracer = trace.get_tracer("the-app")

        async def GET():
            with tracer.start_as_current_span("query users"):
                pass
            return {"ok": True}

        def POST():
            with tracer.start_as_current_span("sync work"):
                pass
            return {"ok": True}
    """,
    "app/api/stream/route.py": """
        from opentelemetry import trace

        from approutes import Response

        async def GET():
            async def chunks():
                yield b"first "
                with trace.get_tracer("the-app").start_as_current_span("last chunk"):
                    span = trace.get_current_span().get_span_context()
                    yield format(span.span_id, "016x").encode()

            return Response(chunks())
    """,
}


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    """The process's TracerProvider, once: OpenTelemetry allows setting it a single time."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    return memory


@pytest.fixture
def client(tmp_path: Path, exporter: InMemorySpanExporter) -> Iterator[TestClient]:
    with TestClient(make_project(tmp_path, ROUTES)) as test_client:
        exporter.clear()
        yield test_client


def server_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER]


def only_server_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    spans = server_spans(exporter)
    assert len(spans) == 1, [span.name for span in spans]
    return spans[0]


def test_the_span_is_named_by_the_route_template_not_the_path(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    assert client.get("/api/users/42").status_code == 200

    span = only_server_span(exporter)
    assert span.name == "GET /api/users/[id]"
    assert span.attributes is not None
    assert dict(span.attributes) == {
        "http.request.method": "GET",
        "http.route": "/api/users/[id]",
        "http.response.status_code": 200,
        "url.path": "/api/users/42",
        "url.scheme": "http",
        "network.protocol.version": "1.1",
    }
    assert span.status.status_code is StatusCode.UNSET


def test_a_request_no_route_answers_is_named_by_its_method_alone(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    assert client.get("/api/no/such/thing/9f8e").status_code == 404

    span = only_server_span(exporter)
    assert span.name == "GET"
    assert span.attributes is not None
    assert "http.route" not in span.attributes
    assert span.attributes["http.response.status_code"] == 404
    assert span.status.status_code is StatusCode.UNSET  # a 4xx is the client's error


def test_an_unknown_method_is_named_http_with_the_original_kept(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    assert client.request("PROPFIND", "/api/users/1").status_code == 405

    span = only_server_span(exporter)
    assert span.name == "HTTP /api/users/[id]"
    assert span.attributes is not None
    assert span.attributes["http.request.method"] == "_OTHER"
    assert span.attributes["http.request.method_original"] == "PROPFIND"


def test_a_5xx_marks_the_span_as_an_error_with_the_exception_recorded(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    assert client.get("/api/boom").status_code == 500

    span = only_server_span(exporter)
    assert span.name == "GET /api/boom"
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "RuntimeError"
    (event,) = span.events
    assert event.name == "exception"
    assert event.attributes is not None
    assert event.attributes["exception.type"] == "RuntimeError"
    assert event.attributes["exception.message"] == "the database is down"


def test_an_http_error_below_500_is_not_a_span_error(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    assert client.get("/api/teapot").status_code == 418

    span = only_server_span(exporter)
    assert span.status.status_code is StatusCode.UNSET
    assert span.events == ()


def test_traceparent_makes_the_span_a_child_of_the_callers(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    parent_id = "00f067aa0ba902b7"
    headers = {"traceparent": f"00-{trace_id}-{parent_id}-01", "tracestate": "vendor=value"}

    assert client.get("/api/users/7", headers=headers).status_code == 200

    span = only_server_span(exporter)
    assert format(span.context.trace_id, "032x") == trace_id
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == parent_id
    assert span.parent.is_remote
    assert span.context.trace_state.get("vendor") == "value"


def test_without_traceparent_the_span_starts_a_trace(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    client.get("/api/users/7")

    assert only_server_span(exporter).parent is None


@pytest.mark.parametrize(
    ("method", "child_name"),
    [
        pytest.param("GET", "query users", id="async-handler"),
        pytest.param("POST", "sync work", id="sync-handler-in-a-thread"),
    ],
)
def test_spans_the_handler_starts_are_children_of_the_request_span(
    client: TestClient, exporter: InMemorySpanExporter, method: str, child_name: str
) -> None:
    assert client.request(method, "/api/nested").status_code == 200

    server = only_server_span(exporter)
    (child,) = [span for span in exporter.get_finished_spans() if span.name == child_name]
    assert child.parent is not None
    assert child.parent.span_id == server.context.span_id
    assert child.context.trace_id == server.context.trace_id


def test_a_streamed_body_is_sent_inside_the_request_span(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    response = client.get("/api/stream")

    server = only_server_span(exporter)
    (chunk,) = [span for span in exporter.get_finished_spans() if span.name == "last chunk"]
    assert response.text == "first " + format(chunk.context.span_id, "016x")
    assert chunk.parent is not None
    assert chunk.parent.span_id == server.context.span_id
    assert server.end_time is not None
    assert chunk.end_time is not None
    assert chunk.end_time <= server.end_time  # the request span ends once the body is sent
    assert server.name == "GET /api/stream"
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 200


def test_spans_carry_no_context_over_to_the_next_request(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    client.get("/api/users/1")
    client.get("/api/users/2")

    first, second = server_spans(exporter)
    assert second.parent is None
    assert first.context.trace_id != second.context.trace_id


def test_with_tracing_off_nothing_observes_requests(tmp_path: Path) -> None:
    files = {k: v for k, v in ROUTES.items() if k != "approutes.toml"}

    assert create_app(make_project(tmp_path, files)).observer is None


@pytest.mark.parametrize("value", ['"sometimes"', "1"])
def test_a_tracing_value_that_is_not_a_boolean_stops_start_up(tmp_path: Path, value: str) -> None:
    make_project(tmp_path, {"approutes.toml": f"tracing = {value}\n"})

    with pytest.raises(SettingsError) as caught:
        create_app(tmp_path)

    assert caught.value.files == ("approutes.toml",)
    assert "tracing" in caught.value.problem


def test_tracing_without_opentelemetry_installed_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # as if it were not installed
    make_project(tmp_path, {"approutes.toml": "tracing = true\n"})

    with pytest.raises(SettingsError) as caught:
        create_app(tmp_path)

    assert caught.value.files == ("approutes.toml",)
    assert "tracing = True" in caught.value.problem
    assert "pip install 'approutes[otel]'" in caught.value.problem


def test_a_response_from_the_proxy_is_named_by_its_method_alone(
    tmp_path: Path, exporter: InMemorySpanExporter
) -> None:
    files = {
        **ROUTES,
        "proxy.py": """
            from approutes import NextResponse

            def proxy(request):
                return NextResponse.json({"error": "no"}, status=401)

            config = {"matcher": "/api/users/:path*"}
        """,
    }
    with TestClient(make_project(tmp_path, files)) as client:
        exporter.clear()
        assert client.get("/api/users/1").status_code == 401

    span = only_server_span(exporter)
    assert span.name == "GET"
    assert span.attributes is not None
    assert "http.route" not in span.attributes


@pytest.mark.anyio
async def test_under_dev_a_route_added_by_a_reload_is_named_by_its_template(
    tmp_path: Path, exporter: InMemorySpanExporter
) -> None:
    root = make_project(tmp_path, ROUTES).resolve()
    app = create_app(root, dev=True)
    make_project(root, {"app/api/orders/[order]/route.py": "def GET():\n    return {}\n"})
    await reload_project(app, root)
    exporter.clear()

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        assert (await client.get("/api/orders/5")).status_code == 200

    assert only_server_span(exporter).name == "GET /api/orders/[order]"
