"""The entrypoint remembers the raw paths it found canonical: a repeat is answered alike.

The second request for a path skips its decoding and checks (PERF), so these tests ask each
path more than once and expect the first answer every time: the same route, the same 308 for
a path that is not canonical, the same 400 for a refused one, and a bounded memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.conftest import make_project

from approutes import create_app

if TYPE_CHECKING:
    from collections.abc import MutableMapping
    from pathlib import Path

    from approutes.asgi.entrypoint import AsgiEntrypoint

ROUTES = {
    "app/api/users/[id]/route.py": """
        from approutes import NextResponse

        async def GET(request, context):
            return NextResponse.json({"id": context.params["id"]})
    """,
}


@pytest.fixture
def app(tmp_path: Path) -> AsgiEntrypoint:
    return create_app(make_project(tmp_path, ROUTES))


async def _status_and_location(app: AsgiEntrypoint, raw_path: bytes) -> tuple[int, str | None]:
    """Send one GET of `raw_path` as a server would, and return its status and Location."""
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path.decode("latin-1"),
        "raw_path": raw_path,
        "query_string": b"",
        "headers": [(b"host", b"localhost:3000")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 3000),
    }
    await app(scope, receive, send)
    headers = dict(sent[0]["headers"])
    location = headers.get(b"location")
    return sent[0]["status"], None if location is None else location.decode()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("raw_path", "expected"),
    [
        pytest.param(b"/api/users/7", (200, None), id="canonical"),
        pytest.param(b"/api/users/7/", (308, "/api/users/7"), id="trailing-slash"),
        pytest.param(b"/api/./users/7", (200, None), id="dot-segment-resolved"),
        pytest.param(b"/api//users/7", (308, "/api/users/7"), id="double-slash"),
        pytest.param(b"/api/users/\\evil", (400, None), id="backslash"),
        pytest.param(b"api/users/7", (400, None), id="no-leading-slash"),
    ],
)
async def test_a_path_asked_again_gets_the_first_answer(
    app: AsgiEntrypoint, raw_path: bytes, expected: tuple[int, str | None]
) -> None:
    answers = [await _status_and_location(app, raw_path) for _ in range(3)]

    assert answers == [expected] * 3


@pytest.mark.anyio
async def test_a_remembered_path_still_needs_exactly_one_host(app: AsgiEntrypoint) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as client:
        first = await client.get("/api/users/7")
        # NOTE: httpx sends the Host it is given; two of them come from the raw headers.
        twice = await client.get("/api/users/7", headers=[("host", "a"), ("host", "b")])

    assert first.status_code == 200
    assert twice.status_code == 400


@pytest.mark.anyio
async def test_the_remembered_paths_are_bounded(app: AsgiEntrypoint) -> None:
    for user in range(3000):
        status, _ = await _status_and_location(app, f"/api/users/{user}".encode())
        assert status == 200
    long_path = b"/api/users/" + b"x" * 400
    assert (await _status_and_location(app, long_path))[0] == 200

    remembered = app._canonical_paths  # NOTE: private: the bound is the point of this test
    assert 0 < len(remembered) <= 1024
    assert long_path not in remembered
