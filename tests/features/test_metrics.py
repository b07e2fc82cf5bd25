"""Prometheus request metrics at `metrics_path`: per method, route template and status."""

from __future__ import annotations

import asyncio
import itertools
import sys
from typing import TYPE_CHECKING

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.conftest import make_project

from approutes import create_app
from approutes.errors import SettingsError
from approutes.observability.observer import Observer
from approutes.testing import TestClient

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import httpx

    from approutes.asgi.interface import Message

ROUTES = {
    "approutes.toml": 'metrics_path = "/metrics"\n',
    "app/api/users/[id]/route.py": """
        async def GET(request, ctx):
            return {"id": ctx.params["id"]}

        async def DELETE(request, ctx):
            return {"deleted": ctx.params["id"]}
    """,
    "app/api/boom/route.py": """
        async def GET():
            raise RuntimeError("down")
    """,
}


class StepClock:
    """A clock that moves a quarter of a second each time it is read."""

    def __init__(self) -> None:
        self.ticks = itertools.count()

    def __call__(self) -> float:
        return next(self.ticks) * 0.25


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(make_project(tmp_path, ROUTES)) as test_client:
        yield test_client


def samples(response: httpx.Response) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The scraped samples by (name, labels)."""
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def labels(method: str, route: str, status: str, **more: str) -> frozenset[tuple[str, str]]:
    return frozenset({"method": method, "route": route, "status": status, **more}.items())


def test_requests_are_counted_by_method_route_template_and_status(client: TestClient) -> None:
    for user in ("1", "2", "3"):
        client.get(f"/api/users/{user}")
    client.delete("/api/users/9")
    client.get("/api/boom")
    client.get("/api/missing")

    found = samples(client.get("/metrics"))

    total = "approutes_requests_total"
    assert found[total, labels("GET", "/api/users/[id]", "200")] == 3
    assert found[total, labels("DELETE", "/api/users/[id]", "200")] == 1
    assert found[total, labels("GET", "/api/boom", "500")] == 1
    assert found[total, labels("GET", "", "404")] == 1
    assert sum(value for (name, _), value in found.items() if name == total) == 6


def test_the_scrape_itself_is_not_counted(client: TestClient) -> None:
    client.get("/metrics")

    found = samples(client.get("/metrics"))

    assert not [name for name, _ in found if name == "approutes_requests_total"]


def test_durations_go_into_a_histogram_from_the_request_to_the_end_of_its_body(
    tmp_path: Path,
) -> None:
    with TestClient(make_project(tmp_path, ROUTES)) as client:
        observer = client.app.observer
        assert isinstance(observer, Observer)
        observer.clock = StepClock()
        client.get("/api/users/1")  # read at the start and when the body is sent: 0.25 s
        client.get("/api/users/2")

        found = samples(client.get("/metrics"))

    route = ("GET", "/api/users/[id]", "200")
    histogram = "approutes_request_duration_seconds"
    assert found[f"{histogram}_count", labels(*route)] == 2
    assert found[f"{histogram}_sum", labels(*route)] == 0.5
    assert found[f"{histogram}_bucket", labels(*route, le="0.1")] == 0
    assert found[f"{histogram}_bucket", labels(*route, le="0.25")] == 2


def test_an_unknown_method_is_counted_as_other(client: TestClient) -> None:
    client.request("PROPFIND", "/api/users/1")

    found = samples(client.get("/metrics"))

    assert found["approutes_requests_total", labels("_OTHER", "/api/users/[id]", "405")] == 1


def test_head_gets_the_headers_and_other_methods_are_refused(client: TestClient) -> None:
    head = client.head("/metrics")
    post = client.post("/metrics")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["cache-control"] == "no-store"
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"


def test_with_metrics_off_the_path_is_an_ordinary_404(tmp_path: Path) -> None:
    files = {k: v for k, v in ROUTES.items() if k != "approutes.toml"}
    with TestClient(make_project(tmp_path, files)) as client:
        assert client.app.observer is None
        assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize(
    ("route_file", "pattern"),
    [
        pytest.param("app/metrics/route.py", "/metrics", id="static"),
        pytest.param("app/[section]/route.py", "/[section]", id="dynamic"),
        pytest.param("app/(ops)/metrics/route.py", "/metrics", id="in-a-route-group"),
    ],
)
def test_a_metrics_path_a_route_also_serves_stops_start_up_naming_both(
    tmp_path: Path, route_file: str, pattern: str
) -> None:
    make_project(
        tmp_path,
        {
            "approutes.toml": 'metrics_path = "/metrics"\n',
            route_file: "async def GET():\n    return {}\n",
        },
    )

    with pytest.raises(SettingsError) as caught:
        create_app(tmp_path)

    error = caught.value
    assert error.code == "metrics-path-conflict"
    assert error.files == (route_file,)
    assert "metrics_path = '/metrics'" in error.problem
    assert pattern in error.problem


def test_a_metrics_path_under_the_base_path_is_checked_against_the_routes(
    tmp_path: Path,
) -> None:
    make_project(
        tmp_path,
        {
            "approutes.toml": 'base_path = "/shop"\nmetrics_path = "/shop/metrics"\n',
            "app/metrics/route.py": "async def GET():\n    return {}\n",
        },
    )

    with pytest.raises(SettingsError, match="/shop/metrics"):
        create_app(tmp_path)


def test_a_metrics_path_outside_the_base_path_is_answered(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {
            "approutes.toml": 'base_path = "/shop"\nmetrics_path = "/metrics"\n',
            "app/metrics/route.py": "async def GET():\n    return {}\n",
        },
    )
    with TestClient(tmp_path) as client:
        client.get("/shop/metrics")

        found = samples(client.get("/metrics"))

    assert found["approutes_requests_total", labels("GET", "/metrics", "200")] == 1


@pytest.mark.parametrize(
    "value",
    ['"metrics"', '"/metrics/"', '"/"', '"/a//b"', '"/a/../b"', '"/m?x=1"', "true"],
)
def test_a_metrics_path_that_is_not_a_plain_path_stops_start_up(tmp_path: Path, value: str) -> None:
    make_project(tmp_path, {"approutes.toml": f"metrics_path = {value}\n"})

    with pytest.raises(SettingsError) as caught:
        create_app(tmp_path)

    assert caught.value.code == "bad-setting-value"
    assert caught.value.files == ("approutes.toml",)
    assert "metrics_path" in caught.value.problem


def test_metrics_without_prometheus_client_installed_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # as if it were not installed
    make_project(tmp_path, {"approutes.toml": 'metrics_path = "/metrics"\n'})

    with pytest.raises(SettingsError) as caught:
        create_app(tmp_path)

    assert caught.value.files == ("approutes.toml",)
    assert "pip install 'approutes[metrics]'" in caught.value.problem


def test_head_of_the_metrics_sends_no_body_on_the_wire(tmp_path: Path) -> None:
    app = create_app(make_project(tmp_path, ROUTES))
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "HEAD",
        "scheme": "http",
        "path": "/metrics",
        "raw_path": b"/metrics",
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
    }
    asyncio.run(app(scope, receive, send))

    start, body = sent
    assert start["status"] == 200
    assert int(dict(start["headers"])[b"content-length"]) > 0
    assert body == {"type": "http.response.body", "body": b""}
