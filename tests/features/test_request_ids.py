"""Request ids in-process: the `request_id()` helper, the `x-request-id` response header, and
which `X-Request-ID` a request may bring (only through a trusted proxy, and only a sane one).

The live servers' logs are in tests/server/test_logs_live.py.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import pytest
from tests.conftest import make_project

from approutes.errors import OutsideRequestError
from approutes.headers import request_id
from approutes.testing import TestClient, call_route

if TYPE_CHECKING:
    from pathlib import Path

ROUTES = {
    "app/api/id/route.py": """
        from approutes.headers import request_id

        async def GET():
            return {"id": request_id(), "again": request_id()}
    """,
    "app/api/sync-id/route.py": """
        from approutes.headers import request_id

        def GET():
            return {"id": request_id()}
    """,
    "app/api/plain/route.py": """
        async def GET():
            return {"plain": True}
    """,
    "app/api/logs/route.py": """
        import logging

        async def GET():
            logging.getLogger("shop").warning("payment declined")
            return {"logged": True}
    """,
}
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path, ROUTES)


@pytest.fixture
def behind_proxy(tmp_path: Path) -> Path:
    return make_project(tmp_path, {**ROUTES, "approutes.toml": "trust_proxy = true\n"})


@pytest.mark.parametrize("path", ["/api/id", "/api/sync-id"], ids=["async", "sync"])
def test_the_helper_returns_the_id_the_response_carries(project: Path, path: str) -> None:
    with TestClient(project) as client:
        first, second = client.get(path), client.get(path)

    assert HEX_ID.match(first.json()["id"])
    assert first.headers["x-request-id"] == first.json()["id"]
    assert second.json()["id"] != first.json()["id"]


def test_the_id_stays_the_same_within_one_request(project: Path) -> None:
    with TestClient(project) as client:
        body = client.get("/api/id").json()

    assert body["id"] == body["again"]


def test_without_access_logging_an_unused_id_is_never_made(project: Path) -> None:
    with TestClient(project) as client:
        response = client.get("/api/plain")

    assert "x-request-id" not in response.headers


def test_with_access_logging_every_response_carries_an_id(project: Path) -> None:
    with TestClient(project) as client:
        client.app.access_log = True  # what `approutes start` sets in each worker
        response = client.get("/api/plain")

    assert HEX_ID.match(response.headers["x-request-id"])


def test_a_line_logged_during_a_request_makes_the_id_the_response_returns(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from approutes.cli.log_setup import RequestIdFilter  # noqa: PLC0415

    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="shop"), TestClient(project) as client:
        response = client.get("/api/logs")

    [record] = [r for r in caplog.records if r.name == "shop"]
    assert getattr(record, "request_id", None) == response.headers["x-request-id"]


def test_a_trusted_proxys_request_id_is_kept(behind_proxy: Path) -> None:
    with TestClient(behind_proxy) as client:
        response = client.get("/api/id", headers={"X-Request-ID": "edge-1b2c:42/a"})

    assert response.json()["id"] == "edge-1b2c:42/a"
    assert response.headers["x-request-id"] == "edge-1b2c:42/a"


def test_a_clients_request_id_is_ignored_without_a_trusted_proxy(project: Path) -> None:
    with TestClient(project) as client:
        response = client.get("/api/id", headers={"X-Request-ID": "picked-by-client"})

    assert HEX_ID.match(response.json()["id"])
    assert response.headers["x-request-id"] == response.json()["id"]


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param("has a space", id="space"),
        pytest.param("x" * 129, id="too-long"),
        pytest.param("tab\there", id="control-character"),
        pytest.param("caf\u00e9", id="not-ascii"),
        pytest.param("", id="empty"),
    ],
)
def test_an_invalid_request_id_from_a_trusted_proxy_is_replaced(
    behind_proxy: Path, sent: str
) -> None:
    with TestClient(behind_proxy) as client:
        response = client.get("/api/id", headers={"X-Request-ID": sent.encode("latin-1")})

    assert HEX_ID.match(response.json()["id"])
    assert response.headers["x-request-id"] == response.json()["id"]


def test_the_longest_valid_request_id_is_kept(behind_proxy: Path) -> None:
    longest = "a" * 128
    with TestClient(behind_proxy) as client:
        response = client.get("/api/id", headers={"X-Request-ID": longest})

    assert response.json()["id"] == longest


@pytest.mark.anyio
async def test_call_route_gives_the_handler_an_id() -> None:
    async def GET() -> dict[str, str]:  # noqa: N802 - a route handler's name
        return {"id": request_id()}

    called = await call_route(GET)

    assert HEX_ID.match(called.json()["id"])


def test_the_helper_outside_a_request_says_so() -> None:
    with pytest.raises(OutsideRequestError, match=r"request_id\(\) was called outside a request"):
        request_id()
