"""Responses as the client receives them: JSON, text, bytes, streams, redirects, cookies."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import pytest
from tests.conftest import client_for, make_project

from approutes.testing import TestClient

if TYPE_CHECKING:
    from pathlib import Path

ROUTE = "app/api/x/route.py"


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # create_app puts each project root first on sys.path; undo that after every test.
    monkeypatch.setattr(sys, "path", [*sys.path])


def handler_returning(expression: str, *, imports: str = "") -> str:
    return (
        "from approutes import NextResponse, Response\n"
        f"{imports}\n\n"
        "async def GET(request):\n"
        f"    return {expression}\n"
    )


async def get(
    tmp_path: Path, source: str, *, route: str = ROUTE, path: str = "/api/x"
) -> httpx.Response:
    """Build a project with `source` as `route` and answer one GET of `path`."""
    root = make_project(tmp_path, {route: source})
    async with client_for(root) as client:
        return await client.get(path)


# --- JSON -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_next_response_json_sends_status_headers_and_json(tmp_path: Path) -> None:
    source = handler_returning(
        'NextResponse.json({"error": "User not found"}, status=404, '
        'headers={"x-request-id": "abc", "Cache-Control": "no-store"})'
    )
    response = await get(tmp_path, source)

    assert response.status_code == 404
    assert response.json() == {"error": "User not found"}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"] == "abc"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-length"] == str(len(response.content))


@pytest.mark.anyio
@pytest.mark.parametrize("status", [201, 299, 418, 599])
async def test_any_status_from_200_to_599_passes_through(tmp_path: Path, status: int) -> None:
    source = handler_returning(f'Response.json({{"status": {status}}}, status={status})')
    response = await get(tmp_path, source)

    assert response.status_code == status
    assert response.json() == {"status": status}


@pytest.mark.anyio
async def test_json_serialises_python_values_beyond_plain_json(tmp_path: Path) -> None:
    source = """
    import dataclasses
    import enum
    from datetime import date, datetime, timezone
    from decimal import Decimal
    from uuid import UUID

    from pydantic import BaseModel

    from approutes import NextResponse

    class Color(enum.Enum):
        RED = "red"

    class Level(enum.IntEnum):
        HIGH = 3

    @dataclasses.dataclass
    class Point:
        x: int
        y: int

    class User(BaseModel):
        name: str
        joined: date

    async def GET():
        return NextResponse.json(
            {
                "point": Point(1, 2),
                "at": datetime(2024, 5, 17, 12, 30, tzinfo=timezone.utc),
                "day": date(2024, 5, 17),
                "id": UUID("12345678-1234-5678-1234-567812345678"),
                "price": Decimal("9.50"),
                "count": Decimal("3"),
                "color": Color.RED,
                "level": Level.HIGH,
                "tags": {"only"},
                "frozen": frozenset({"one"}),
                "user": User(name="Ada", joined=date(1843, 1, 1)),
                "nested": [Point(3, 4)],
            }
        )
    """
    response = await get(tmp_path, source)

    assert response.status_code == 200
    assert response.json() == {
        "point": {"x": 1, "y": 2},
        "at": "2024-05-17T12:30:00+00:00",
        "day": "2024-05-17",
        "id": "12345678-1234-5678-1234-567812345678",
        "price": 9.5,
        "count": 3,
        "color": "red",
        "level": 3,
        "tags": ["only"],
        "frozen": ["one"],
        "user": {"name": "Ada", "joined": "1843-01-01"},
        "nested": [{"x": 3, "y": 4}],
    }


@pytest.mark.anyio
async def test_a_value_json_cannot_serialise_is_a_500(tmp_path: Path) -> None:
    source = handler_returning('NextResponse.json({"obj": object()})')
    response = await get(tmp_path, source)

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}


# --- text, bytes, empty ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_str_body_is_utf8_text_plain(tmp_path: Path) -> None:
    response = await get(tmp_path, handler_returning('Response("héllo")'))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.content == "héllo".encode()
    assert response.headers["content-length"] == str(len("héllo".encode()))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("expression", "content_type"),
    [
        pytest.param(
            'NextResponse.json({"a": 1}, headers={"content-type": "application/problem+json"})',
            "application/problem+json",
            id="json",
        ),
        pytest.param(
            'Response("<p>hi</p>", headers={"Content-Type": "text/html"})',
            "text/html",
            id="str-body",
        ),
    ],
)
async def test_a_content_type_given_by_the_handler_is_kept(
    tmp_path: Path, expression: str, content_type: str
) -> None:
    response = await get(tmp_path, handler_returning(expression))

    assert response.headers.get_list("content-type") == [content_type]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("expression", "status", "content"),
    [
        pytest.param('Response(b"\\x00\\x01binary")', 200, b"\x00\x01binary", id="bytes"),
        pytest.param(
            'NextResponse(bytearray(b"\\x00\\x01binary"))', 200, b"\x00\x01binary", id="bytearray"
        ),
        pytest.param("Response(None, status=202)", 202, b"", id="none-body-is-empty"),
        pytest.param("Response(status=204)", 204, b"", id="a-204-without-a-body-is-fine"),
    ],
)
async def test_a_bytes_or_empty_body_is_sent_as_is_with_no_content_type(
    tmp_path: Path, expression: str, status: int, content: bytes
) -> None:
    response = await get(tmp_path, handler_returning(expression))

    assert response.status_code == status
    assert response.content == content
    assert "content-type" not in response.headers


@pytest.mark.anyio
@pytest.mark.parametrize(
    "expression",
    [
        'Response("body", status=204)',
        'Response("body", status=205)',
        'Response(b"body", status=304)',
        "Response(status=99)",
        "Response(status=100)",
        "Response(status=199)",
        "Response(status=600)",
        'NextResponse.json({"a": 1}, status=204)',
        'NextResponse.redirect("/a", 200)',
    ],
    ids=[
        "204-body",
        "205-body",
        "304-body",
        "99",
        "100",
        "199",
        "600",
        "json-204",
        "a-redirect-with-a-non-redirect-status",
    ],
)
async def test_a_response_the_web_constructor_refuses_is_a_500(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, expression: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="approutes.error"):
        response = await get(tmp_path, handler_returning(expression))

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert ROUTE in caplog.text
    assert "ValueError" in caplog.text


# --- headers --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_set_cookie_lines_are_never_joined_and_other_repeats_are(tmp_path: Path) -> None:
    source = """
    from approutes import Response

    async def GET():
        response = Response("ok")
        response.headers.append("set-cookie", "a=1; Path=/")
        response.headers.append("set-cookie", "b=2; Path=/")
        response.headers.append("x-multi", "one")
        response.headers.append("x-multi", "two")
        return response
    """
    response = await get(tmp_path, source)

    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.headers["x-multi"] == "one, two"


# --- streams --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_an_async_generator_body_is_streamed_whole(tmp_path: Path) -> None:
    source = """
    import asyncio

    from approutes import Response

    async def chunks():
        for i in range(5):
            await asyncio.sleep(0)
            yield f"line {i}\\n" if i % 2 else f"line {i}\\n".encode()

    async def GET():
        return Response(chunks(), headers={"content-type": "text/plain"})
    """
    response = await get(tmp_path, source)

    assert response.status_code == 200
    assert response.text == "".join(f"line {i}\n" for i in range(5))
    assert response.headers["content-type"] == "text/plain"
    assert "content-length" not in response.headers


@pytest.mark.anyio
async def test_a_sync_generator_body_is_streamed_whole(tmp_path: Path) -> None:
    source = """
    import threading

    from approutes import Response

    def chunks():
        for i in range(3):
            yield f"{i}:{threading.current_thread() is threading.main_thread()};"

    async def GET():
        return Response(chunks())
    """
    response = await get(tmp_path, source)

    assert response.status_code == 200
    assert response.text == "0:False;1:False;2:False;"
    assert "content-type" not in response.headers


@pytest.mark.anyio
async def test_a_list_of_chunks_is_sent_whole(tmp_path: Path) -> None:
    source = handler_returning('Response(["a", b"b", "c"])')
    response = await get(tmp_path, source)

    assert response.content == b"abc"


@pytest.mark.anyio
async def test_a_stream_that_raises_midway_is_cut_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = """
    from pathlib import Path

    from approutes import Response
    from approutes.server import after

    AFTER_LOG = Path(__file__).with_name("after.log")

    async def chunks():
        yield "first;"
        raise RuntimeError("stream broke")

    def note():
        with AFTER_LOG.open("a") as log:
            log.write("after\\n")

    async def GET():
        after(note)
        return Response(chunks())
    """
    ok = handler_returning('{"ok": True}')
    root = make_project(tmp_path, {ROUTE: source, "app/api/ok/route.py": ok})
    with caplog.at_level(logging.ERROR, logger="approutes.error"):
        async with TestClient(root) as client:
            # As from a real server: the head and the first chunk, then a broken transfer.
            async with client.stream("GET", "/api/x") as broken:
                received: list[bytes] = []
                with pytest.raises(httpx.RemoteProtocolError, match="cut midway"):
                    await read_into(received, broken)
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("/api/x")
            served = await client.get("/api/ok")

    assert broken.status_code == 200
    assert received == [b"first;"]
    assert served.json() == {"ok": True}
    assert (root / "app/api/x/after.log").read_text() == "after\nafter\n"
    message = f"streamed body from {ROUTE} raised midway; response cut"
    assert [r.getMessage() for r in caplog.records].count(message) == 2
    assert caplog.text.count("RuntimeError: stream broke") == 2


# --- redirects ------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("route", "path", "expression", "status", "location"),
    [
        pytest.param(
            "app/api/old/route.py",
            "/api/old?x=1",
            'NextResponse.redirect("/api/hello")',
            307,
            "http://localhost:3000/api/hello",
            id="a-path-against-the-request-url",
        ),
        pytest.param(
            "app/api/old/here/route.py",
            "/api/old/here",
            'NextResponse.redirect("../new/place", 308)',
            308,
            "http://localhost:3000/api/new/place",
            id="a-relative-path-like-a-browser",
        ),
    ],
)
async def test_next_response_redirect_resolves_its_location_to_an_absolute_url(
    tmp_path: Path, route: str, path: str, expression: str, status: int, location: str
) -> None:
    response = await get(tmp_path, handler_returning(expression), route=route, path=path)

    assert response.status_code == status
    assert urlsplit(response.headers["location"]).scheme == "http"
    assert urlsplit(response.headers["location"]).netloc
    assert response.headers["location"] == location
    assert response.content == b""


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("expression", "status", "location"),
    [
        ('NextResponse.redirect("https://example.com/a?b=1")', 307, "https://example.com/a?b=1"),
        ('Response.redirect("https://example.com/a?b=1", 302)', 302, "https://example.com/a?b=1"),
        (
            'NextResponse.redirect(request.next_url.origin + "/a?b=1", 301)',
            301,
            "http://localhost:3000/a?b=1",
        ),
    ],
    ids=["next-response", "response-302", "built-from-next-url"],
)
async def test_a_redirect_to_an_absolute_url_sends_it_as_given(
    tmp_path: Path, expression: str, status: int, location: str
) -> None:
    response = await get(tmp_path, handler_returning(expression))

    assert response.status_code == status
    assert response.headers["location"] == location
    assert response.content == b""


# --- response cookies -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_response_cookies_set_with_max_age_gives_expires_and_max_age(
    tmp_path: Path,
) -> None:
    source = """
    from approutes import NextResponse

    async def GET():
        response = NextResponse.json({"ok": True})
        response.cookies.set("session", "abc", max_age=3600, http_only=True, same_site="Strict")
        return response
    """
    response = await get(tmp_path, source)

    (line,) = response.headers.get_list("set-cookie")
    parts = line.split("; ")
    assert parts[0] == "session=abc"
    assert parts[1] == "Path=/"
    assert parts[2].startswith("Expires=")
    assert parts[3:] == ["Max-Age=3600", "HttpOnly", "SameSite=strict"]
    expires = parsedate_to_datetime(parts[2].removeprefix("Expires="))
    assert 3500 < (expires - datetime.now(UTC)).total_seconds() <= 3600


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("calls", "set_cookie"),
    [
        pytest.param(
            [
                'cookies.set("token", "t 1;x")',
                'cookies.delete("old")',
                'cookies.set("token", "final")',
            ],
            ["old=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "token=final; Path=/"],
            id="setting-a-cookie-twice-keeps-the-last-and-delete-expires-it",
        ),
        pytest.param(
            ['cookies.set("token", "t 1;x", secure=True)'],
            ["token=t%201%3Bx; Path=/; Secure"],
            id="a-cookie-value-is-percent-encoded",
        ),
    ],
)
async def test_response_cookies_calls_become_set_cookie_lines(
    tmp_path: Path, calls: list[str], set_cookie: list[str]
) -> None:
    source = (
        "from approutes import Response\n\n"
        "async def GET():\n"
        '    response = Response("ok")\n'
        + "".join(f"    response.{call}\n" for call in calls)
        + "    return response\n"
    )
    response = await get(tmp_path, source)

    assert response.headers.get_list("set-cookie") == set_cookie


async def read_into(received: list[bytes], response: httpx.Response) -> None:
    """Append each chunk of `response` to `received` as it is read."""
    async for chunk in response.aiter_bytes():
        received.append(chunk)
