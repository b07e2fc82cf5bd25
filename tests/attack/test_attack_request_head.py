"""Attacks through the request head (request line and headers), against real servers.

- The head is bounded by `max_header_size` (16 KiB by default) on both servers: a head of
  exactly the bound is served, one byte more is answered 431, and connections sending endless
  unfinished heads leave the server's memory level.
- An HTTP/1.1 request with no `Host`, an empty one or two of them is answered 400 (RFC 9112
  §3.2); HTTP/1.0 needs none.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

import pytest

from tests.conftest import make_project
from tests.live_server import IO_TIMEOUT, PING, SERVERS, live_server, read_response

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.live_server import LiveServer

pytestmark = pytest.mark.timeout(120)

KIB = 1024
MIB = 1024 * KIB
DEFAULT_BOUND = 16 * KIB

ROUTES = {"app/ping/route.py": PING}


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    root = make_project(tmp_path_factory.mktemp(f"head-{request.param}"), ROUTES)
    with live_server(root, request.param) as live:
        yield live


def head_of_size(total: int) -> bytes:
    """A whole GET /ping head of exactly `total` bytes, padded by one long header."""
    start = b"GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Pad: "
    end = b"\r\n\r\n"
    return start + b"a" * (total - len(start) - len(end)) + end


# --- the bound on the head ----------------------------------------------------------------


def test_a_head_of_exactly_the_bound_is_served(server: LiveServer) -> None:
    response = server.exchange(head_of_size(DEFAULT_BOUND))

    assert response.status == 200
    assert response.body == b'{"pong":true}'


@pytest.mark.parametrize("excess", [1, 4 * KIB, 1 * MIB])
def test_a_head_past_the_bound_is_431(server: LiveServer, excess: int) -> None:
    response = server.exchange(head_of_size(DEFAULT_BOUND + excess))

    assert response.status == 431
    server.assert_serving()


def test_many_small_headers_past_the_bound_are_431(server: LiveServer) -> None:
    lines = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 200) for i in range(90))  # ~19 KiB
    request = b"GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + lines + b"\r\n"

    assert server.exchange(request).status == 431


def test_uvicorn_answers_431_in_approutes_json_shape(tmp_path: Path) -> None:
    root = make_project(tmp_path, ROUTES)
    with live_server(root, "uvicorn") as live:
        response = live.exchange(head_of_size(DEFAULT_BOUND + 1))

    assert response.status == 431
    assert response.json_error() == "Request Header Fields Too Large"
    assert response.header("connection") == "close"


@pytest.mark.parametrize("kind", SERVERS)
def test_max_header_size_moves_the_bound(tmp_path: Path, kind: str) -> None:
    root = make_project(tmp_path, {**ROUTES, "approutes.toml": 'max_header_size = "32kb"\n'})
    with live_server(root, kind) as live:
        assert live.exchange(head_of_size(32 * KIB)).status == 200
        assert live.exchange(head_of_size(32 * KIB + 1)).status == 431


def _send_unfinished_head(port: int, size: int) -> socket.socket:
    """Open a connection and send `size` bytes of one header that never ends.

    Returns the socket, still open; sending stops early if the server closes it.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
    piece = b"a" * (64 * KIB)
    try:
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: localhost\r\nX-Pad: ")
        for _ in range(size // len(piece)):
            sock.sendall(piece)
    except OSError:  # refused and closed by the server: what a bounded server does
        pass
    return sock


def test_unfinished_heads_leave_memory_level(server: LiveServer) -> None:
    # Warm up: the same refusal once, so that what it allocates for good is counted before.
    _send_unfinished_head(server.port, 1 * MIB).close()
    server.assert_serving()
    before = server.rss()

    held = [_send_unfinished_head(server.port, 32 * MIB) for _ in range(2)]
    try:
        during = server.rss()
    finally:
        for sock in held:
            sock.close()

    growth = during - before
    assert growth < 8 * MIB, f"RSS grew by {growth / MIB:.1f} MiB holding 2 x 32 MiB of head"
    server.assert_serving()


# --- Host ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"GET /ping HTTP/1.1\r\nConnection: close\r\n", id="no-host"),
        pytest.param(b"GET /ping HTTP/1.1\r\nHost:\r\nConnection: close\r\n", id="empty-host"),
        pytest.param(
            b"GET /ping HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nConnection: close\r\n",
            id="two-hosts",
        ),
        pytest.param(
            b"GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nhOsT: localhost\r\n",
            id="two-hosts-apart",
        ),
    ],
)
def test_an_http11_request_without_exactly_one_host_is_400(server: LiveServer, head: bytes) -> None:
    response = server.exchange(head + b"\r\n")

    assert response.status == 400
    assert response.json_error() == "Bad Request"
    server.assert_serving()


def test_an_http10_request_without_host_is_served(server: LiveServer) -> None:
    response = server.exchange(b"GET /ping HTTP/1.0\r\n\r\n")

    assert response.status == 200
    assert response.body == b'{"pong":true}'


def test_one_host_is_served_on_a_kept_alive_connection(server: LiveServer) -> None:
    request = b"GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=IO_TIMEOUT) as sock:
        for _ in range(3):
            sock.sendall(request)
            response = read_response(sock)
            assert response.status == 200
