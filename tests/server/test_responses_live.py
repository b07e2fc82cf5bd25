"""Responses through a real server process (uvicorn and granian), as a client sees them.

Streams flushed chunk by chunk, disconnects that stop iterators, streams that break midway,
server-sent events, cookies, `headers()` / `cookies()`, navigation helpers, `after()` and JSON
serialisation. The server is another process: handler and test meet through files in a probe
directory (`PROBE_DIR`), and the server's output is read as it is written.
"""

from __future__ import annotations

import re
import socket
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.live_server import (
    CLIENT_TIMEOUT,
    PING,
    PROBE,
    SERVERS,
    http_request,
    new_token,
    project_server,
    send_then_close,
    wait_until,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.live_server import LiveServer

pytestmark = pytest.mark.timeout(60)


# --- the project --------------------------------------------------------------------------

# Chunk 2 comes only once the test has created `<token>.go`, which it does after reading
# chunk 1: without flushing, the client would wait for chunk 1 until its timeout.
STREAM_ASYNC = """
    from approutes import Response
    from lib.probe import wait_for


    async def GET(request):
        token = request.search_params.get("token")

        async def chunks():
            yield "chunk 1\\n"
            yield "chunk 2\\n" if await wait_for(f"{token}.go") else "gave up waiting\\n"
            yield "end\\n"

        return Response(chunks(), headers={"content-type": "text/plain; charset=utf-8"})
"""

STREAM_SYNC = """
    from approutes import Response
    from lib.probe import wait_for_sync


    def GET(request):
        token = request.search_params.get("token")

        def chunks():
            yield b"chunk 1\\n"
            yield b"chunk 2\\n" if wait_for_sync(f"{token}.go") else b"gave up waiting\\n"
            yield b"end\\n"

        return Response(chunks(), headers={"content-type": "text/plain; charset=utf-8"})
"""

STREAM_FOREVER = """
    import asyncio
    import time

    from approutes import Response
    from lib.probe import mark


    async def GET(request):
        token = request.search_params.get("token")
        if request.search_params.get("kind") == "sync":

            def ticks():
                try:
                    while True:
                        yield "tick\\n"
                        time.sleep(0.05)
                finally:
                    mark(f"{token}.closed")

            return Response(ticks())

        async def aticks():
            try:
                while True:
                    yield "tick\\n"
                    await asyncio.sleep(0.05)
            finally:
                mark(f"{token}.closed")

        return Response(aticks())
"""

BROKEN_ASYNC = """
    from approutes import Response


    async def GET():
        async def chunks():
            yield "before 1\\n"
            yield "before 2\\n"
            raise RuntimeError("async stream broke midway")

        return Response(chunks())
"""

BROKEN_SYNC = """
    from approutes import Response


    def GET():
        def chunks():
            yield "before 1\\n"
            yield "before 2\\n"
            raise RuntimeError("sync stream broke midway")

        return Response(chunks())
"""

SSE_FRAMES = """
    from approutes import sse


    async def GET():
        async def events():
            yield "hello"
            yield "line one\\nline two"
            yield {"event": "tick", "id": "7", "retry": 1500, "data": {"n": 1, "ok": True}}
            yield {"data": "plain text"}
            yield {"comment": "just a comment"}

        return sse(events())
"""

SSE_KEEP_ALIVE = """
    from approutes import sse
    from lib.probe import wait_for


    async def GET(request):
        token = request.search_params.get("token")

        async def events():
            yield "first"
            # The test creates `<token>.go` once it has seen keep-alives.
            yield "second" if await wait_for(f"{token}.go") else "gave up waiting"

        return sse(events(), keep_alive=0.2)
"""

SSE_FOREVER = """
    import asyncio
    import time

    from approutes import sse
    from lib.probe import mark


    async def GET(request):
        token = request.search_params.get("token")
        if request.search_params.get("kind") == "sync":

            def ticks():
                try:
                    n = 0
                    while True:
                        n += 1
                        yield {"event": "tick", "data": {"n": n}}
                        time.sleep(0.05)
                finally:
                    mark(f"{token}.closed")

            return sse(ticks())

        async def aticks():
            try:
                n = 0
                while True:
                    n += 1
                    yield {"event": "tick", "data": {"n": n}}
                    await asyncio.sleep(0.05)
            finally:
                mark(f"{token}.closed")

        return sse(aticks())
"""

COOKIES_ALL = """
    from datetime import datetime, timezone

    from approutes import NextResponse


    async def GET():
        response = NextResponse.json({"ok": True})
        response.cookies.set(
            "full",
            "v1",
            max_age=3600,
            expires=datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
            path="/api",
            domain="example.com",
            secure=True,
            http_only=True,
            same_site="strict",
            partitioned=True,
        )
        response.cookies.set("plain", "1")
        response.cookies.set("aged", "2", max_age=60)
        response.cookies.set("odd", "a b;c=d,é")
        response.cookies.set("lax", "3", same_site="lax", secure=True)
        response.cookies.delete("gone")
        return response
"""

COOKIES_BAD_NAME = """
    from approutes import NextResponse


    async def GET(request):
        response = NextResponse.json({"ok": True})
        response.cookies.set(request.search_params.get("name"), "1")
        return response
"""

HELPERS_ASYNC = """
    import asyncio

    from approutes.headers import cookies, headers


    def on_event_loop():
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True


    async def GET():
        cookies().set("seen", "async")
        return {
            "on_event_loop": on_event_loop(),
            "probe": headers().get("x-probe"),
            "theme": cookies().get("theme").value,
        }
"""

HELPERS_SYNC = """
    import asyncio

    from approutes.headers import cookies, headers


    def on_event_loop():
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True


    def GET():
        cookies().set("seen", "sync")
        return {
            "on_event_loop": on_event_loop(),
            "probe": headers().get("x-probe"),
            "theme": cookies().get("theme").value,
        }
"""

HELPERS_REDIRECT = """
    from approutes import NextResponse
    from approutes.headers import cookies


    async def GET():
        cookies().set("flash", "saved")
        return NextResponse.redirect("/done")
"""

HELPERS_STREAMED = """
    from approutes import Response
    from approutes.headers import cookies


    def GET():
        cookies().set("streamed", "yes")

        def chunks():
            yield "part 1\\n"
            yield "part 2\\n"

        response = Response(chunks())
        response.cookies.set("own", "1")
        return response
"""

NAV_REDIRECT = """
    from approutes.headers import cookies
    from approutes.navigation import redirect


    async def GET():
        cookies().set("kept", "1")
        redirect("/x")
"""

NAV_PERMANENT = """
    from approutes.navigation import permanent_redirect


    def GET():
        permanent_redirect("/api/v2/items")
"""

NAV_MISSING = """
    from approutes.headers import cookies
    from approutes.navigation import not_found


    async def GET():
        cookies().set("dropped", "1")
        not_found()
"""

NAV_RELATIVE = """
    from approutes import NextResponse


    async def GET():
        return NextResponse.redirect("/relative?from=nav")
"""

NAV_ABSOLUTE = """
    from approutes import NextResponse


    async def GET():
        return NextResponse.redirect("https://example.com/a", status=302)
"""

NAV_INJECTED = """
    from approutes import NextResponse
    from approutes.navigation import redirect


    async def GET(request):
        target = "/a\\r\\nSet-Cookie: injected=1"
        if request.search_params.get("kind") == "navigation":
            redirect(target)
        return NextResponse.redirect(target)
"""

AFTER_SLOW = """
    import asyncio
    import time

    from approutes.server import after
    from lib.probe import mark


    async def GET(request):
        token = request.search_params.get("token")
        if request.search_params.get("kind") == "sync":

            def later():
                time.sleep(0.5)
                mark(f"{token}.after")

        else:

            async def later():
                await asyncio.sleep(0.5)
                mark(f"{token}.after")

        after(later)
        return {"body": "x" * 10000}
"""

AFTER_FAILING = """
    from approutes.server import after
    from lib.probe import mark


    def GET(request):
        token = request.search_params.get("token")

        def sync_boom():
            raise RuntimeError("sync after() callback failed")

        async def async_boom():
            raise RuntimeError("async after() callback failed")

        def still_runs():
            mark(f"{token}.after")

        after(sync_boom)
        after(async_boom)
        after(still_runs)
        return {"ok": True}
"""

JSON_TYPES = """
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


    async def GET(request):
        data = {
            "point": Point(1, 2),
            "user": User(name="Ada", joined=date(1843, 1, 1)),
            "at": datetime(2024, 5, 17, 12, 30, 15, tzinfo=timezone.utc),
            "naive": datetime(2024, 5, 17, 12, 30),
            "day": date(2024, 5, 17),
            "id": UUID("12345678-1234-5678-1234-567812345678"),
            "price": Decimal("9.50"),
            "count": Decimal("3"),
            "color": Color.RED,
            "level": Level.HIGH,
            "tags": {"only"},
            "nested": [Point(3, 4)],
        }
        if request.search_params.get("kind") == "dict":
            return data
        return NextResponse.json(data)
"""

JSON_WIDGET = """
    from approutes import NextResponse


    class Widget:
        pass


    async def GET():
        return NextResponse.json({"widget": Widget()})
"""

ROUTES = {
    "lib/__init__.py": "",
    "lib/probe.py": PROBE,
    "app/ping/route.py": PING,
    "app/stream/async/route.py": STREAM_ASYNC,
    "app/stream/sync/route.py": STREAM_SYNC,
    "app/stream/forever/route.py": STREAM_FOREVER,
    "app/stream/broken_async/route.py": BROKEN_ASYNC,
    "app/stream/broken_sync/route.py": BROKEN_SYNC,
    "app/sse/frames/route.py": SSE_FRAMES,
    "app/sse/keep_alive/route.py": SSE_KEEP_ALIVE,
    "app/sse/forever/route.py": SSE_FOREVER,
    "app/cookies/all/route.py": COOKIES_ALL,
    "app/cookies/bad_name/route.py": COOKIES_BAD_NAME,
    "app/helpers/async/route.py": HELPERS_ASYNC,
    "app/helpers/sync/route.py": HELPERS_SYNC,
    "app/helpers/redirect/route.py": HELPERS_REDIRECT,
    "app/helpers/streamed/route.py": HELPERS_STREAMED,
    "app/nav/redirect/route.py": NAV_REDIRECT,
    "app/nav/permanent/route.py": NAV_PERMANENT,
    "app/nav/missing/route.py": NAV_MISSING,
    "app/nav/relative/route.py": NAV_RELATIVE,
    "app/nav/absolute/route.py": NAV_ABSOLUTE,
    "app/nav/injected/route.py": NAV_INJECTED,
    "app/after/slow/route.py": AFTER_SLOW,
    "app/after/failing/route.py": AFTER_FAILING,
    "app/json/types/route.py": JSON_TYPES,
    "app/json/widget/route.py": JSON_WIDGET,
}

# --- the server ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with project_server(tmp_path_factory, "responses", request.param, ROUTES, probe=True) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    # NOTE: one client per test, so no cookie jar carries cookies from one test to the next.
    with server.client() as http:
        yield http


def _first_bytes_then_disconnect(server: LiveServer, path: str, wanted: bytes) -> bytes:
    """GET `path` on a raw socket, read until `wanted` arrives, then close the connection."""
    return send_then_close(
        server.port, http_request("GET", path, keep_alive=True), read_until=wanted
    )


# --- 1. streaming flushes each chunk as it is produced ------------------------------------


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_each_streamed_chunk_reaches_the_client_before_the_next_is_produced(
    server: LiveServer, client: httpx.Client, kind: str
) -> None:
    token = new_token()
    # NOTE: identity, to see the chunks as written (test_public_files_live.py reads a
    # compressed stream chunk by chunk).
    identity = {"accept-encoding": "identity"}
    with client.stream(
        "GET", f"/stream/{kind}", params={"token": token}, headers=identity
    ) as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        chunks = response.iter_raw()
        # Chunk 2 waits for the go file, which only this read unblocks: an unflushed chunk 1
        # would end in a ReadTimeout here.
        first = next(chunks)
        assert first == b"chunk 1\n"
        server.marker(f"{token}.go").touch()
        rest = b"".join(chunks)
    assert rest == b"chunk 2\nend\n"


# --- 2. a client that disconnects mid-stream stops the iterator ---------------------------


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_client_that_disconnects_mid_stream_stops_the_iterator(
    server: LiveServer, kind: str
) -> None:
    token = new_token()
    path = f"/stream/forever?kind={kind}&token={token}"
    received = _first_bytes_then_disconnect(server, path, b"tick\n")

    assert received.startswith(b"HTTP/1.1 200")
    assert b"tick\n" in received
    closed = server.marker(f"{token}.closed")
    wait_until(closed.exists, f"the {kind} iterator's finally runs after the disconnect")
    assert "raised midway" not in server.log.text()
    server.assert_serving()


# --- 3. an iterator that raises midway ----------------------------------------------------


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_stream_that_raises_midway_is_cut_and_logged_once(
    server: LiveServer, client: httpx.Client, kind: str
) -> None:
    route_file = f"app/stream/broken_{kind}/route.py"
    received: list[bytes] = []
    with client.stream("GET", f"/stream/broken_{kind}") as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        # Cut without the chunked terminator: httpx sees an incomplete body, not a whole one.
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
            received.extend(response.iter_raw())
    assert b"".join(received) == b"before 1\nbefore 2\n"

    server.assert_serving()
    message = f"streamed body from {route_file} raised midway; response cut"
    log = server.log.wait_for(message)
    assert log.count(message) == 1
    assert log.count(f"RuntimeError: {kind} stream broke midway") == 1


# --- 4. server-sent events ----------------------------------------------------------------


def test_sse_frames_each_kind_of_event_with_the_event_stream_headers(
    client: httpx.Client,
) -> None:
    response = client.get("/sse/frames")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert "content-length" not in response.headers
    assert response.content == (
        b"data: hello\n\n"
        b"data: line one\ndata: line two\n\n"
        b'event: tick\nid: 7\nretry: 1500\ndata: {"n":1,"ok":true}\n\n'
        b"data: plain text\n\n"
        b": just a comment\n\n"
    )


def test_sse_sends_keep_alive_comments_while_the_next_event_is_pending(
    server: LiveServer, client: httpx.Client
) -> None:
    token = new_token()
    received = b""
    with client.stream("GET", "/sse/keep_alive", params={"token": token}) as response:
        assert response.status_code == 200
        for chunk in response.iter_raw():
            received += chunk
            if received.count(b": keep-alive\n\n") == 2:
                # The second event is still pending; it comes once it is let go.
                server.marker(f"{token}.go").touch()

    match = re.fullmatch(rb"data: first\n\n((?:: keep-alive\n\n)+)data: second\n\n", received)
    assert match is not None, received
    assert match.group(1).count(b": keep-alive\n\n") >= 2


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_client_that_disconnects_stops_the_sse_generator(server: LiveServer, kind: str) -> None:
    token = new_token()
    path = f"/sse/forever?kind={kind}&token={token}"
    first_event = b'event: tick\ndata: {"n":1}\n\n'
    received = _first_bytes_then_disconnect(server, path, first_event)

    assert received.startswith(b"HTTP/1.1 200")
    assert first_event in received
    closed = server.marker(f"{token}.closed")
    wait_until(closed.exists, f"the {kind} SSE generator's finally runs after the disconnect")
    server.assert_serving()


# --- 5. cookies on the response -----------------------------------------------------------


def test_every_cookie_attribute_reaches_the_client_as_its_own_set_cookie_line(
    client: httpx.Client,
) -> None:
    response = client.get("/cookies/all")
    sent_at = time.time()

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    lines = response.headers.get_list("set-cookie")
    assert len(lines) == 6, lines
    full, plain, aged, odd, lax, gone = lines
    assert full == (
        "full=v1; Path=/api; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=3600; "
        "Domain=example.com; Secure; HttpOnly; SameSite=strict; Partitioned"
    )
    assert plain == "plain=1; Path=/"
    aged_match = re.fullmatch(r"aged=2; Path=/; Expires=([^;]+); Max-Age=60", aged)
    assert aged_match is not None, aged
    expires = parsedate_to_datetime(aged_match.group(1)).timestamp()
    assert sent_at + 60 - 5 <= expires <= sent_at + 60 + 5
    assert odd == "odd=a%20b%3Bc%3Dd%2C%C3%A9; Path=/"
    assert lax == "lax=3; Path=/; Secure; SameSite=lax"
    assert gone == "gone=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    # A real cookie jar reads the percent-encoded value back whole.
    assert client.cookies.get("odd") == "a%20b%3Bc%3Dd%2C%C3%A9"
    assert client.cookies.get("plain") == "1"


@pytest.mark.parametrize("name", ["a b", "a;b"])
def test_a_cookie_name_that_is_not_a_token_is_a_logged_500(
    server: LiveServer, client: httpx.Client, name: str
) -> None:
    response = client.get("/cookies/bad_name", params={"name": name})

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers
    message = f"cookie name {name!r} is not a valid HTTP token"
    log = server.log.wait_for(message)
    assert "unhandled ValueError in app/cookies/bad_name/route.py" in log
    assert log.count(message) == 1


# --- 6. headers() and cookies() -----------------------------------------------------------


@pytest.mark.parametrize(("kind", "on_event_loop"), [("async", True), ("sync", False)])
def test_headers_and_cookies_read_the_request_and_cookies_set_reaches_a_dict_response(
    client: httpx.Client, kind: str, on_event_loop: bool
) -> None:
    response = client.get(
        f"/helpers/{kind}", headers={"x-probe": f"probe-{kind}", "cookie": "theme=dark; other=1"}
    )

    assert response.status_code == 200
    assert response.json() == {
        "on_event_loop": on_event_loop,
        "probe": f"probe-{kind}",
        "theme": "dark",
    }
    assert response.headers["content-type"] == "application/json"
    assert response.headers.get_list("set-cookie") == [f"seen={kind}; Path=/"]


def test_cookies_set_reaches_a_next_response_redirect(
    server: LiveServer, client: httpx.Client
) -> None:
    response = client.get("/helpers/redirect")

    assert response.status_code == 307
    assert response.headers["location"] == f"http://localhost:{server.port}/done"
    assert response.headers.get_list("set-cookie") == ["flash=saved; Path=/"]


def test_cookies_set_reaches_a_streamed_response_after_its_own_cookies(
    client: httpx.Client,
) -> None:
    with client.stream("GET", "/helpers/streamed") as response:
        body = response.read()

    assert response.status_code == 200
    assert body == b"part 1\npart 2\n"
    assert response.headers.get_list("set-cookie") == ["own=1; Path=/", "streamed=yes; Path=/"]


# --- 7. navigation helpers and redirects --------------------------------------------------


def test_redirect_is_a_307_to_the_url_as_given_keeping_cookies(client: httpx.Client) -> None:
    response = client.get("/nav/redirect")

    assert response.status_code == 307
    assert response.headers["location"] == "/x"
    assert response.headers.get_list("set-cookie") == ["kept=1; Path=/"]
    assert response.content == b""


def test_permanent_redirect_is_a_308(client: httpx.Client) -> None:
    response = client.get("/nav/permanent")

    assert response.status_code == 308
    assert response.headers["location"] == "/api/v2/items"


def test_not_found_is_the_404_json_and_drops_cookies(client: httpx.Client) -> None:
    response = client.get("/nav/missing")

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}
    assert response.headers["content-type"] == "application/json"
    assert "set-cookie" not in response.headers


def test_a_relative_next_response_redirect_resolves_against_the_request_url(
    server: LiveServer, client: httpx.Client
) -> None:
    response = client.get("/nav/relative")

    assert response.status_code == 307
    assert response.headers["location"] == f"http://localhost:{server.port}/relative?from=nav"


def test_an_absolute_next_response_redirect_is_kept_as_is(client: httpx.Client) -> None:
    response = client.get("/nav/absolute")

    assert response.status_code == 302
    assert response.headers["location"] == "https://example.com/a"


@pytest.mark.parametrize("kind", ["navigation", "next_response"])
def test_a_redirect_target_with_a_line_break_is_a_500_without_an_injected_header(
    server: LiveServer, kind: str
) -> None:
    # A raw socket: the exact bytes of the head, whatever a client library would make of them.
    path = f"/nav/injected?kind={kind}"
    with socket.create_connection(("127.0.0.1", server.port), timeout=CLIENT_TIMEOUT) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()
        )
        raw = b""
        while piece := sock.recv(65536):
            raw += piece
    head, _, body = raw.partition(b"\r\n\r\n")

    assert head.startswith(b"HTTP/1.1 500")
    assert b"injected" not in raw.lower()
    assert b"set-cookie" not in head.lower()
    assert b"location" not in head.lower()
    assert body == b'{"error":"Internal Server Error"}'
    server.assert_serving()


# --- 8. after() ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_after_runs_its_callback_once_the_response_has_been_sent(
    server: LiveServer, client: httpx.Client, kind: str
) -> None:
    token = new_token()
    marker = server.marker(f"{token}.after")
    response = client.get("/after/slow", params={"kind": kind, "token": token})

    assert response.status_code == 200
    assert response.json() == {"body": "x" * 10000}
    # The callback sleeps 0.5 s before its marker: the whole response came before it.
    assert not marker.exists()
    wait_until(marker.exists, f"the {kind} after() callback has run")


def test_after_callbacks_that_raise_change_nothing_for_the_client(
    server: LiveServer, client: httpx.Client
) -> None:
    token = new_token()
    response = client.get("/after/failing", params={"token": token})

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    # The callbacks after the failing ones still run.
    wait_until(server.marker(f"{token}.after").exists, "the last after() callback has run")
    log = server.log.wait_for("async after() callback failed")
    assert log.count("after() callback raised in app/after/failing/route.py") == 2
    assert "RuntimeError: sync after() callback failed" in log
    server.assert_serving()


# --- 9. JSON ------------------------------------------------------------------------------

EXPECTED_JSON = (
    '{"point":{"x":1,"y":2},'
    '"user":{"name":"Ada","joined":"1843-01-01"},'
    '"at":"2024-05-17T12:30:15+00:00",'
    '"naive":"2024-05-17T12:30:00",'
    '"day":"2024-05-17",'
    '"id":"12345678-1234-5678-1234-567812345678",'
    '"price":9.5,'
    '"count":3,'
    '"color":"red",'
    '"level":3,'
    '"tags":["only"],'
    '"nested":[{"x":3,"y":4}]}'
)


@pytest.mark.parametrize("kind", ["next_response", "dict"])
def test_json_serialises_python_values_to_the_exact_text_the_client_receives(
    client: httpx.Client, kind: str
) -> None:
    response = client.get("/json/types", params={"kind": kind})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text == EXPECTED_JSON
    assert response.headers["content-length"] == str(len(EXPECTED_JSON))


def test_a_value_json_cannot_serialise_is_a_500_naming_the_type_in_the_log(
    server: LiveServer, client: httpx.Client
) -> None:
    response = client.get("/json/widget")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert "Widget" not in response.text
    route_file = "app/json/widget/route.py"
    first_line = f"unhandled TypeError in {route_file}"
    log = server.log.wait_for(first_line)
    assert log.count(first_line) == 1
    record = log[log.index(first_line) :]
    # An exception line names the type (not only the handler's source quoted in the traceback).
    assert re.search(r"^TypeError: .*\bWidget\b", record, re.MULTILINE), record
    server.assert_serving()
