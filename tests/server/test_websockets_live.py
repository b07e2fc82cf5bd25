"""WebSocket routes on a real server (uvicorn and granian), through a real client (`websockets`).

Each test talks to `approutes start` as a browser or a program would: the handshake goes
through the same front half as HTTP (rules, middleware, auth, origin), the socket's limits
and faults end in the close codes the docs promise, and the server stays up.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import pytest
from tests.live_server import (
    PING,
    PROBE,
    SERVERS,
    LiveServer,
    new_token,
    project_server,
    wait_until,
)
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from approutes.cli.serve import GRACEFUL_TIMEOUT

if TYPE_CHECKING:
    from collections.abc import Iterator

ROUTES = {
    "app/ping/route.py": PING,
    "lib/probe.py": PROBE,
    "approutes.toml": """
        websocket_origins = ["https://allowed.example"]
    """,
    "app/ws/echo/route.py": """
        from approutes import NextRequest, WebSocket

        async def GET(request: NextRequest, socket: WebSocket) -> None:
            chosen = "chat" if "chat" in socket.subprotocols else None
            await socket.accept(subprotocol=chosen)
            async for message in socket:
                await socket.send(message)
    """,
    "app/ws/room/[name]/route.py": """
        from approutes import WebSocket

        async def GET(socket: WebSocket, name: str) -> None:
            await socket.accept()
            await socket.send(f"room {name}, params {socket.params}")
    """,
    "app/ws/private/route.py": """
        from approutes import NextRequest, NextResponse, WebSocket
        from approutes.headers import cookies

        async def GET(request: NextRequest, socket: WebSocket) -> NextResponse | None:
            if request.cookie("session") != "ok":
                return NextResponse.json({"error": "sign in first"}, status=401)
            cookies().set("seen", "yes")
            await socket.accept(headers={"x-room": "private"})
            await socket.send("welcome " + socket.cookies.get("session").value)
            return None
    """,
    "app/ws/small/route.py": """
        from approutes import WebSocket

        message_size_limit = "1kb"

        async def GET(socket: WebSocket) -> None:
            await socket.accept()
            async for message in socket:
                await socket.send(f"got {len(message)}")
    """,
    "app/ws/flood/route.py": """
        from approutes import NextRequest, WebSocket
        from lib.probe import mark

        async def GET(request: NextRequest, socket: WebSocket) -> None:
            token = request.next_url.search_params.get("token")
            await socket.accept()
            chunk = b"x" * 65536
            try:
                for sent in range(3000):  # 196 MB, if nothing held it back
                    await socket.send(chunk)
                    if sent == 0:
                        mark(token + "-first")
                mark(token + "-all")
            finally:
                mark(token + "-finally")
    """,
    "app/ws/wait/route.py": """
        from approutes import NextRequest, WebSocket
        from lib.probe import mark

        async def GET(request: NextRequest, socket: WebSocket) -> None:
            token = request.next_url.search_params.get("token")
            await socket.accept()
            mark(token + "-open")
            try:
                async for message in socket:
                    await socket.send(message)
            finally:
                mark(token + "-finally")
    """,
    "app/ws/crash/route.py": """
        from approutes import WebSocket

        async def GET(socket: WebSocket) -> None:
            await socket.accept()
            await socket.receive()
            raise RuntimeError("the handler broke after accepting")
    """,
    "app/api/plain/route.py": """
        async def GET():
            return {"plain": True}
    """,
    "middleware.py": """
        from approutes import NextResponse

        def middleware(request):
            if request.next_url.pathname == "/ws/blocked":
                return NextResponse.json({"error": "blocked by middleware"}, status=403)
            if request.next_url.pathname == "/ws/old-echo":
                return NextResponse.rewrite(request.next_url.origin + "/ws/echo")
            return NextResponse.next(headers={"x-middleware": "ran"})

        config = {"matcher": ["/ws/:path*"]}
    """,
}


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with project_server(tmp_path_factory, "sockets", request.param, ROUTES, probe=True) as live:
        yield live


def ws_url(server: LiveServer, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def refusal(server: LiveServer, path: str, **options: Any) -> InvalidStatus:
    with pytest.raises(InvalidStatus) as refused, connect(ws_url(server, path), **options):
        pass
    return refused.value


def test_echo_of_text_and_bytes(server: LiveServer) -> None:
    with connect(ws_url(server, "/ws/echo")) as ws:
        ws.send("hello")
        assert ws.recv() == "hello"
        ws.send(b"\x00\xffbinary")
        assert ws.recv() == b"\x00\xffbinary"
    server.assert_serving()


def test_the_subprotocol_the_handler_chose(server: LiveServer) -> None:
    with connect(ws_url(server, "/ws/echo"), subprotocols=["other", "chat"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "chat"


def test_route_params_reach_the_socket(server: LiveServer) -> None:
    with connect(ws_url(server, "/ws/room/lobby")) as ws:
        assert ws.recv() == "room lobby, params {'name': 'lobby'}"


def test_middleware_blocks_an_upgrade_with_its_response(server: LiveServer) -> None:
    refused = refusal(server, "/ws/blocked")
    assert refused.response.status_code == 403
    assert refused.response.body == b'{"error":"blocked by middleware"}'


def test_middleware_rewrites_an_upgrade_to_another_route(server: LiveServer) -> None:
    with connect(ws_url(server, "/ws/old-echo")) as ws:
        ws.send("via rewrite")
        assert ws.recv() == "via rewrite"


def test_auth_refusal_is_the_handlers_response(server: LiveServer) -> None:
    refused = refusal(server, "/ws/private")
    assert refused.response.status_code == 401
    assert refused.response.body == b'{"error":"sign in first"}'


def test_the_handshake_carries_cookies_and_headers(server: LiveServer) -> None:
    with connect(ws_url(server, "/ws/private"), additional_headers={"cookie": "session=ok"}) as ws:
        assert ws.recv() == "welcome ok"
        assert ws.response is not None
        handshake = ws.response.headers
    assert ws.response.status_code == 101
    if server.kind == "granian":
        # NOTE: granian sends no headers of the app with its 101 (docs/websockets.md says so).
        assert "x-room" not in handshake
        assert "set-cookie" not in handshake
        return
    assert handshake["x-room"] == "private"
    assert handshake["x-middleware"] == "ran"  # middleware's next() headers
    assert "seen=yes" in handshake["set-cookie"]


def test_a_cross_origin_browser_is_refused(server: LiveServer) -> None:
    refused = refusal(server, "/ws/echo", origin="https://evil.example")
    assert refused.response.status_code == 403
    assert b"Cross-origin WebSocket refused" in refused.response.body


def test_same_origin_and_allowed_origins_pass(server: LiveServer) -> None:
    same = f"http://127.0.0.1:{server.port}"
    for origin in (same, "https://allowed.example"):
        with connect(ws_url(server, "/ws/echo"), origin=Origin(origin)) as ws:
            ws.send(origin)
            assert ws.recv() == origin


def test_an_upgrade_to_a_route_without_a_socket_is_404(server: LiveServer) -> None:
    refused = refusal(server, "/api/plain")
    assert refused.response.status_code == 404
    assert refused.response.body == b'{"error":"No WebSocket handler at this URL"}'
    assert refusal(server, "/ws/nowhere").response.status_code == 404


def test_plain_http_to_a_socket_route_is_426(server: LiveServer) -> None:
    with server.client() as client:
        response = client.get("/ws/echo")
    assert response.status_code == 426
    assert response.headers["upgrade"] == "websocket"


def test_a_message_over_the_limit_closes_with_1009(server: LiveServer) -> None:
    with connect(ws_url(server, "/ws/small")) as ws:
        ws.send("a" * 1000)
        assert ws.recv() == "got 1000"
        ws.send("a" * 1025)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
    server.assert_serving()


def test_a_client_that_never_reads_holds_its_sender_not_the_servers_memory(
    server: LiveServer,
) -> None:
    token = new_token()
    before = server.rss()
    raw = open_raw_socket(server, f"/ws/flood?token={token}")
    try:
        wait_until(lambda: server.marker(f"{token}-first").exists(), "the handler sending")
        # NOTE: the handler would send 196 MB; a bounded server holds it back once the
        # socket buffers are full (the client reads nothing). An unbounded one would queue
        # all of it in far less than this pause (loopback moves GB/s).
        time.sleep(1.0)
        grown = server.rss() - before
        assert not server.marker(f"{token}-all").exists()
        assert grown < 40 * 1024 * 1024, f"RSS grew {grown / 2**20:.1f} MiB"
    finally:
        raw.close()
    wait_until(lambda: server.marker(f"{token}-finally").exists(), "the handler's finally")
    server.assert_serving()


def test_a_vanishing_client_ends_the_handlers_loop(server: LiveServer) -> None:
    token = new_token()
    raw = open_raw_socket(server, f"/ws/wait?token={token}")
    wait_until(lambda: server.marker(f"{token}-open").exists(), "the socket accepted")
    # NOTE: a reset, no close frame: the client is simply gone.
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    raw.close()
    wait_until(lambda: server.marker(f"{token}-finally").exists(), "the handler's finally")
    server.assert_serving()


def test_a_handler_that_raises_closes_with_1011_and_logs_once(server: LiveServer) -> None:
    with connect(ws_url(server, "/ws/crash")) as ws:
        ws.send("go")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1011
    server.log.wait_for("the handler broke after accepting")
    assert server.log.count("RuntimeError: the handler broke after accepting") == 1
    server.assert_serving()


@pytest.mark.parametrize("kind", SERVERS)
def test_sigterm_closes_open_sockets_with_1001_and_exits(
    kind: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with (
        project_server(tmp_path_factory, "sigterm", kind, ROUTES, probe=True) as live,
        ExitStack() as stack,
    ):
        sockets = [stack.enter_context(connect(ws_url(live, "/ws/echo"))) for _ in range(3)]
        for ws in sockets:
            ws.send("before")
            assert ws.recv() == "before"
        stopped_at = time.monotonic()
        os.killpg(live.process.pid, signal.SIGTERM)
        codes = []
        for ws in sockets:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
            codes.append(closed.value.rcvd.code if closed.value.rcvd else None)
        assert live.process.wait(timeout=15) == 0
        took = time.monotonic() - stopped_at
    assert codes == [1001, 1001, 1001]
    assert took < GRACEFUL_TIMEOUT  # the promise: closed and exited within the graceful bound


def open_raw_socket(server: LiveServer, target: str) -> socket.socket:
    """Do a WebSocket handshake on a plain TCP socket, then leave it to the test."""
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.sendall(
        f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += raw.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return raw
