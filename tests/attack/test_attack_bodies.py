"""Attacks through request bodies, against real servers over raw sockets.

Each hostile body is answered with a clear 4xx within a bounded time, and the server's memory
does not grow with what the client sends: JSON bombs (deep nesting, huge numbers and
strings), bodies without a length (chunked), bodies that stall (`body_timeout`: 408), and
multipart bombs (thousands of parts, giant part headers, boundary tricks).

The project runs with `body_timeout = 1`, `body_size_limit = "64kb"` and
`upload_size_limit = "1mb"`.
"""

from __future__ import annotations

import json
import select
import socket
from typing import TYPE_CHECKING

import pytest

from tests.live_server import (
    LAST_CHUNK,
    PING,
    SERVERS,
    chunk,
    http_request,
    project_server,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.live_server import LiveServer, Pieces, RawResponse

pytestmark = pytest.mark.timeout(90)

KIB = 1024
MIB = 1024 * KIB
BODY_LIMIT = 64 * KIB
UPLOAD_LIMIT = 1 * MIB
BODY_TIMEOUT = 1.0

SETTINGS = f"""
    body_timeout = {BODY_TIMEOUT}
    body_size_limit = "64kb"
    upload_size_limit = "1mb"
"""

JSON_ROUTE = """
    async def POST(request):
        data = await request.json()
        return {"type": type(data).__name__}
"""

TEXT_ROUTE = """
    async def POST(request):
        return {"length": len(await request.text())}
"""

STREAM_ROUTE = """
    async def POST(request):
        total = 0
        async for piece in request.stream():
            total += len(piece)
        return {"received": total}
"""

FORM_ROUTE = """
    from approutes import File


    async def POST(request):
        form = await request.form_data()
        first = next(iter(form.values()), None)
        return {
            "fields": len(list(form.keys())),
            "first": first.size if isinstance(first, File) else first,
        }
"""

ROUTES = {
    "approutes.toml": SETTINGS,
    "app/ping/route.py": PING,
    "app/json/route.py": JSON_ROUTE,
    "app/text/route.py": TEXT_ROUTE,
    "app/stream/route.py": STREAM_ROUTE,
    "app/form/route.py": FORM_ROUTE,
}


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with project_server(tmp_path_factory, "bodies", request.param, ROUTES) as live:
        yield live


def _post(path: str, body: bytes, content_type: str = "application/json") -> bytes:
    return http_request("POST", path, headers=f"Content-Type: {content_type}\r\n", body=body)


def _chunked_head(path: str, content_type: str = "application/octet-stream") -> bytes:
    return http_request(
        "POST",
        path,
        headers=f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n",
    )


def _body(response: RawResponse) -> object:
    return json.loads(response.body)


# --- JSON -----------------------------------------------------------------------------------

JSON_BOMBS = [
    pytest.param(b"[" * 30000 + b"]" * 30000, 400, id="arrays-nested-30000-deep"),
    pytest.param(b'{"a":' * 10000 + b"1" + b"}" * 10000, 400, id="objects-nested-10000-deep"),
    pytest.param(b"[" * 60000, 400, id="unclosed-nesting"),
    pytest.param(b"1" * 60000, 400, id="integer-of-60000-digits"),
    pytest.param(b"-" + b"9" * 400, 400, id="integer-beyond-64-bits"),
    pytest.param(b"1e999999", 400, id="float-overflowing-to-infinity"),
    pytest.param(b"-1e999999", 400, id="negative-float-overflow"),
    pytest.param(b"0." + b"1" * 60000, 200, id="float-of-60000-digits"),
    pytest.param(b"NaN", 400, id="nan"),
    pytest.param(b'"' + b"a" * (BODY_LIMIT - 100) + b'"', 200, id="string-just-under-the-limit"),
    pytest.param(b'"' + b"a" * (BODY_LIMIT + 1) + b'"', 413, id="string-over-the-limit"),
    pytest.param(b'"' + b"\\u0000" * 10000 + b'"', 200, id="escaped-nuls"),
    pytest.param(b'"\\ud800"', 400, id="lone-surrogate-escape"),
    pytest.param(b'"\xff\xfe"', 400, id="invalid-utf8-in-a-string"),
    pytest.param(b"{" + b'"k":1,' * 9000 + b'"k":2}', 200, id="9000-duplicate-keys"),
    pytest.param(b"[" * 500 + b"]" * 500, 200, id="arrays-nested-500-deep"),
    pytest.param(b"[" * (20 * MIB // 2) + b"]" * (20 * MIB // 2), 413, id="20-MiB-of-nesting"),
]


@pytest.mark.parametrize(("body", "status"), JSON_BOMBS)
def test_json_bombs_are_answered_at_once_with_a_clear_status(
    server: LiveServer, body: bytes, status: int
) -> None:
    response = server.exchange(_post("/json", body))

    assert response.status == status, response
    if status >= 400:
        assert response.json_error() in ("Invalid JSON body", "Payload Too Large"), response


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    server: LiveServer,
) -> None:
    head = http_request(
        "POST", "/json", headers=f"Content-Type: application/json\r\nContent-Length: {MIB}\r\n"
    )

    # Only the head is sent: a server that waited for the body would answer 408 (body_timeout).
    response = server.exchange(head)

    assert response.status == 413, response


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", "99999999999999999999999999"])
def test_a_bad_content_length_is_a_4xx(server: LiveServer, length: str) -> None:
    head = http_request(
        "POST", "/json", headers=f"Content-Type: application/json\r\nContent-Length: {length}\r\n"
    )

    response = server.exchange([head, b"{}"])

    assert 400 <= response.status < 500, response
    server.assert_serving()


# --- bodies without a length ----------------------------------------------------------------


def test_a_chunked_body_without_a_length_is_read_whole(server: LiveServer) -> None:
    pieces = [chunk(b"a" * 1000) for _ in range(50)]

    response = server.exchange([_chunked_head("/stream"), *pieces, LAST_CHUNK])

    assert response.status == 200, response
    assert _body(response) == {"received": 50_000}


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/json", BODY_LIMIT), ("/text", BODY_LIMIT), ("/stream", UPLOAD_LIMIT)],
)
def test_a_chunked_body_over_the_limit_is_413_without_reading_the_rest(
    server: LiveServer, path: str, limit: int
) -> None:
    before = server.rss()
    piece = chunk(b"x" * 64 * KIB)
    # 64 MiB offered and never ended (no last chunk): the answer must come once the limit is
    # passed; a server that waited for the end would answer 408 (body_timeout) instead.
    pieces: list[Pieces] = [_chunked_head(path)]
    pieces += [piece] * 1024

    response = server.exchange(pieces)

    assert response.status == 413, response
    assert response.json_error() == "Payload Too Large"
    grown = server.rss() - before
    assert grown < limit + 32 * MIB, f"RSS grew {grown / MIB:.1f} MiB for a {limit} byte limit"
    server.assert_serving()


def test_many_chunked_bodies_over_the_limit_leave_memory_flat(server: LiveServer) -> None:
    piece = chunk(b"x" * 64 * KIB)
    pieces: list[Pieces] = [_chunked_head("/stream"), *[piece] * 40, LAST_CHUNK]
    server.exchange(pieces)  # warm up whatever buffers a first one allocates
    before = server.rss()

    for _ in range(30):
        assert server.exchange(pieces).status == 413

    grown = server.rss() - before
    assert grown < 16 * MIB, f"RSS grew {grown / MIB:.1f} MiB over 30 refused 2.5 MiB bodies"


def test_tiny_chunks_are_read_and_counted(server: LiveServer) -> None:
    pieces = [chunk(b"z") for _ in range(2000)]

    response = server.exchange([_chunked_head("/stream"), b"".join(pieces), LAST_CHUNK])

    assert response.status == 200, response
    assert _body(response) == {"received": 2000}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"zz\r\nabc\r\n0\r\n\r\n", id="size-not-hex"),
        pytest.param(b"5\r\nabc\r\n0\r\n\r\n", id="size-larger-than-the-data"),
        pytest.param(b"ffffffffffffffffffff\r\nabc\r\n", id="size-overflowing"),
        pytest.param(b"-3\r\nabc\r\n0\r\n\r\n", id="negative-size"),
    ],
)
def test_broken_chunked_framing_is_a_4xx(server: LiveServer, body: bytes) -> None:
    response = server.exchange([_chunked_head("/stream"), body], timeout=BODY_TIMEOUT + 5)

    assert 400 <= response.status < 500, response
    server.assert_serving()


def test_chunked_together_with_a_content_length_is_not_smuggled(server: LiveServer) -> None:
    # RFC 9112 §6.1: Transfer-Encoding wins; the "GET /ping" after the chunked body must not
    # become a second request answered on this connection.
    smuggled = b"GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n"
    body = b"0\r\n\r\n" + smuggled
    head = http_request(
        "POST",
        "/stream",
        headers=f"Transfer-Encoding: chunked\r\nContent-Length: {len(body)}\r\n",
    )

    response = server.exchange(head + body)

    assert response.status in (200, 400), response
    if response.status == 200:
        assert _body(response) == {"received": 0}
    server.assert_serving()


# --- bodies that stall ----------------------------------------------------------------------


def _content_length_head(path: str, length: int, content_type: str) -> bytes:
    return http_request(
        "POST",
        path,
        headers=f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n",
    )


MULTIPART = "multipart/form-data; boundary=XyZ"

STALLS = [
    pytest.param([_content_length_head("/json", 100, "application/json")], id="nothing-sent"),
    pytest.param(
        [_content_length_head("/json", 100, "application/json"), b'{"a": '], id="half-sent"
    ),
    pytest.param(
        [_content_length_head("/text", 10_000, "text/plain"), b"x" * 5000, 0.3, b"y" * 10],
        id="stall-after-a-pause",
    ),
    pytest.param([_chunked_head("/stream"), chunk(b"a" * 10)], id="chunked-stream"),
    pytest.param([_chunked_head("/json", "application/json"), chunk(b"[1,")], id="chunked-json"),
    pytest.param(
        [
            _content_length_head("/form", 1000, MULTIPART),
            b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nval',
        ],
        id="multipart-mid-part",
    ),
]


@pytest.mark.parametrize("pieces", STALLS)
def test_a_body_that_stalls_past_body_timeout_is_408(
    server: LiveServer, pieces: list[Pieces]
) -> None:
    response = server.exchange(pieces)

    assert response.status == 408, response
    assert response.json_error() == "Request Timeout"
    server.assert_serving()


def test_a_slow_body_that_keeps_coming_is_served(server: LiveServer) -> None:
    pieces: list[Pieces] = [_chunked_head("/stream")]
    for _ in range(4):
        pieces += [chunk(b"abc"), BODY_TIMEOUT / 2]
    pieces.append(LAST_CHUNK)

    response = server.exchange(pieces)

    assert response.status == 200, response
    assert _body(response) == {"received": 12}


def test_stalled_bodies_do_not_stop_other_requests(server: LiveServer) -> None:
    head = _content_length_head("/json", 100, "application/json")
    stalled = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
    try:
        for sock in stalled:
            sock.sendall(head + b"{")
        server.assert_serving()
        # Answered while every stalled body is still waiting (none has had its 408 yet).
        answered = select.select(stalled, [], [], 0)[0]
        assert answered == [], "a plain request waited on the stalls"
    finally:
        for sock in stalled:
            sock.close()


# --- multipart bombs ------------------------------------------------------------------------


def _part(name: bytes, value: bytes, headers: bytes = b"", boundary: bytes = b"XyZ") -> bytes:
    return (
        b"--"
        + boundary
        + b'\r\nContent-Disposition: form-data; name="'
        + name
        + b'"\r\n'
        + headers
        + b"\r\n"
        + value
        + b"\r\n"
    )


def _file_part(size: int) -> bytes:
    return (
        b'--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + b"z" * size + b"\r\n"
    )


END = b"--XyZ--\r\n"


def _multipart(body: bytes, boundary: bytes = b"XyZ") -> bytes:
    head = (
        b"POST /form HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        b"Content-Type: multipart/form-data; boundary=" + boundary + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    return head + body


def _boundary_trick(length: int) -> bytes:
    """A well-formed body whose boundary has `length` characters (RFC 2046 allows 1-70)."""
    boundary = b"B" * length
    return _multipart(_part(b"a", b"1", boundary=boundary) + b"--" + boundary + b"--\r\n", boundary)


def _parts(count: int, value: bytes = b"v") -> bytes:
    return b"".join(_part(b"f%d" % i, value) for i in range(count))


MULTIPART_BOMBS = [
    pytest.param(_multipart(_parts(1000) + END), 200, id="1000-parts-allowed"),
    pytest.param(_multipart(_parts(1001) + END), 400, id="1001-parts"),
    pytest.param(_multipart(_parts(5000, b"") + END), 400, id="5000-empty-parts"),
    pytest.param(
        _multipart(_part(b"a", b"1", b"X-Pad: " + b"p" * 20000 + b"\r\n") + END),
        400,
        id="one-20-KiB-part-header",
    ),
    pytest.param(
        _multipart(_part(b"a", b"1", b"".join(b"X-H%d: v\r\n" % i for i in range(50))) + END),
        400,
        id="50-part-headers",
    ),
    pytest.param(
        _multipart(
            _part(b"a", b"1", b"".join(b"X-H%d: " % i + b"p" * 3000 + b"\r\n" for i in range(7)))
            + END
        ),
        400,
        id="21-KiB-of-part-headers",
    ),
    pytest.param(_multipart(_part(b"a" * 30000, b"1") + END), 400, id="30-KiB-field-name"),
    pytest.param(_multipart(_part(b"a", b"1")), 400, id="no-closing-boundary"),
    pytest.param(_multipart(b""), 400, id="empty-body"),
    pytest.param(_multipart(_part(b"a", b"1") + END, boundary=b""), 400, id="empty-boundary"),
    pytest.param(_boundary_trick(70), 200, id="70-character-boundary-allowed"),
    pytest.param(_boundary_trick(71), 400, id="71-character-boundary"),
    pytest.param(_boundary_trick(300), 400, id="300-character-boundary"),
    pytest.param(_boundary_trick(5000), 400, id="5000-character-boundary"),
    pytest.param(_multipart(_part(b"a", b"1") + END, boundary=b"Other"), 400, id="wrong-boundary"),
    pytest.param(_multipart(_part(b"a", b"1") + END, boundary=b'"XyZ"'), 200, id="quoted-boundary"),
    pytest.param(
        _multipart(_part(b"a", b"1") + END, boundary=b"\xc3\xa9"), 400, id="non-ascii-boundary"
    ),
    pytest.param(
        _multipart(_part(b"a", b"x--XyZ \r\n--XyZx--XyZ-") + END), 200, id="boundary-inside-a-value"
    ),
    pytest.param(_multipart(b"x" * 60000 + b"\r\n" + _part(b"a", b"1") + END), 400, id="preamble"),
    pytest.param(_multipart(b"--XyZ\r\n\r\nvalue\r\n" + END), 200, id="part-without-headers"),
    pytest.param(
        _multipart(b"--XyZ\r\nContent-Disposition form-data\r\n\r\nv\r\n" + END),
        400,
        id="header-without-colon",
    ),
    pytest.param(
        _multipart(b'--XyZ\nContent-Disposition: form-data; name="a"\n\nv\n--XyZ--\n'),
        400,
        id="bare-lf-line-ends",
    ),
    pytest.param(
        _multipart(_part(b"a", b"v" * (BODY_LIMIT + 1)) + END), 413, id="field-over-limit"
    ),
    pytest.param(_multipart(_part(b"a", b"\xff\xfe") + END), 400, id="field-not-utf8"),
    pytest.param(_multipart(_file_part(900 * KIB) + END), 200, id="file-under-the-upload-limit"),
    pytest.param(_multipart(_file_part(2 * MIB) + END), 413, id="file-over-the-upload-limit"),
]


@pytest.mark.parametrize(("request_bytes", "status"), MULTIPART_BOMBS)
def test_multipart_bombs_are_answered_at_once_with_a_clear_status(
    server: LiveServer, request_bytes: bytes, status: int
) -> None:
    response = server.exchange(request_bytes)

    assert response.status == status, response
    if status >= 400:
        assert response.json_error() is not None, response


def test_a_value_holding_the_boundary_text_comes_back_intact(server: LiveServer) -> None:
    value = b"x--XyZ \r\n--XyZx--XyZ-"

    response = server.exchange(_multipart(_part(b"a", value) + END))

    assert _body(response) == {"fields": 1, "first": value.decode()}


def test_a_multipart_part_bomb_without_a_length_is_400(server: LiveServer) -> None:
    head = _chunked_head("/form", MULTIPART)
    pieces = [chunk(_parts(100)) for _ in range(20)]

    response = server.exchange([head, *pieces, chunk(END), LAST_CHUNK])

    assert response.status == 400, response


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(b"&".join([b"a"] * 1000), 200, id="1000-fields-allowed"),
        pytest.param(b"&".join([b"a"] * 1001), 400, id="1001-fields"),
        pytest.param(b"a=" + b"%ff" * 20000, 200, id="bad-escapes"),
        pytest.param(b"a=" + b"x" * BODY_LIMIT, 413, id="over-the-limit"),
    ],
)
def test_urlencoded_bombs_are_answered_with_a_clear_status(
    server: LiveServer, body: bytes, status: int
) -> None:
    response = server.exchange(
        http_request(
            "POST",
            "/form",
            headers="Content-Type: application/x-www-form-urlencoded\r\n",
            body=body,
        )
    )

    assert response.status == status, response


def test_no_attack_left_an_unhandled_error_in_the_log(server: LiveServer) -> None:
    # Runs last in this module: every hostile body above was a client error, not a crash.
    server.assert_serving()
    assert "unhandled" not in server.log.text()
