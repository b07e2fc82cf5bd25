"""TestClient.websocket_connect: a WebSocket session against the app, as a server runs it.

Raw ASGI apps stand in for the project's routes: `socket_client` serves a project whose
`websocket` scopes go to the app under test (HTTP and the lifespan stay the project's).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn
from tests.conftest import make_project
from tests.live_server import wait_until
from websockets.sync.client import connect

from approutes.testing import TestClient, WebSocketClosed, WebSocketDenied

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from approutes.asgi.interface import ASGIApp, Receive, Scope, Send


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    return tmp_path


def socket_client(
    project: Path, monkeypatch: pytest.MonkeyPatch, app: ASGIApp, **options: Any
) -> TestClient:
    """A TestClient of `project` whose WebSocket scopes are answered by `app`."""
    client = TestClient(project, **options)
    served = client.app

    async def routed(scope: Scope, receive: Receive, send: Send) -> None:
        await (app if scope["type"] == "websocket" else served)(scope, receive, send)

    monkeypatch.setattr(client, "app", routed)
    return client


@pytest.fixture
def events() -> list[Any]:
    return []


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send(
            {"type": "websocket.send", "text": message.get("text"), "bytes": message.get("bytes")}
        )


@pytest.fixture
def echo_client(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with socket_client(project, monkeypatch, echo) as client:
        yield client


def test_echo_of_text_bytes_and_json(echo_client: TestClient) -> None:
    with echo_client.websocket_connect("/api/chat") as ws:
        ws.send_text("hi")
        assert ws.receive_text() == "hi"
        ws.send_bytes(b"\x00\xff")
        assert ws.receive_bytes() == b"\x00\xff"
        ws.send_json({"n": 1, "tags": ["a"]})
        assert ws.receive_json() == {"n": 1, "tags": ["a"]}
        ws.send_text("raw")
        assert ws.receive() == {"type": "websocket.send", "text": "raw", "bytes": None}


def test_receive_text_of_a_binary_message_says_so(echo_client: TestClient) -> None:
    with echo_client.websocket_connect("/ws") as ws:
        ws.send_bytes(b"data")
        with pytest.raises(TypeError, match="expected a text message, got bytes"):
            ws.receive_text()


def test_accepted_subprotocol_headers_and_cookie(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        chosen = "chat.v2" if "chat.v2" in scope["subprotocols"] else None
        headers = [(b"x-room", b"lobby"), (b"set-cookie", b"room=lobby; Path=/")]
        await send({"type": "websocket.accept", "subprotocol": chosen, "headers": headers})
        await receive()

    with (
        socket_client(project, monkeypatch, app) as client,
        client.websocket_connect("/ws", subprotocols=["chat.v1", "chat.v2"]) as ws,
    ):
        assert ws.subprotocol == "chat.v2"
        assert ws.headers["x-room"] == "lobby"
        assert ws.headers["sec-websocket-protocol"] == "chat.v2"
        assert ws.headers["upgrade"] == "websocket"
        assert client.cookies["room"] == "lobby"


def test_the_handshake_sends_the_jar_and_the_callers_cookies_and_headers(
    project: Path, monkeypatch: pytest.MonkeyPatch, events: list[Any]
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        events.append(dict(scope["headers"]))
        await send({"type": "websocket.close"})

    with socket_client(project, monkeypatch, app) as client:
        client.cookies.set("session", "s1")
        with (
            pytest.raises(WebSocketDenied),
            client.websocket_connect(
                "/ws", cookies={"extra": "e1"}, headers={"Origin": "http://localhost:3000"}
            ),
        ):
            pass
    [headers] = events
    assert headers[b"cookie"] == b"session=s1; extra=e1"
    assert headers[b"origin"] == b"http://localhost:3000"
    assert headers[b"host"] == b"localhost:3000"
    assert "extra" not in client.cookies  # the call's cookies are not kept


def test_refusal_with_a_response_is_read_from_the_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, events: list[Any]
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        headers = [(b"content-type", b"application/json"), (b"set-cookie", b"tried=1; Path=/")]
        await send({"type": "websocket.http.response.start", "status": 401, "headers": headers})
        await send(
            {"type": "websocket.http.response.body", "body": b'{"error":', "more_body": True}
        )
        await send({"type": "websocket.http.response.body", "body": b'"Unauthorized"}'})
        events.append(await receive())

    with socket_client(project, monkeypatch, app) as client:
        with pytest.raises(WebSocketDenied) as denied, client.websocket_connect("/api/chat"):
            pytest.fail("the block must not run")
        response = denied.value.response
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"error": "Unauthorized"}
        assert client.cookies["tried"] == "1"
    assert events == [{"type": "websocket.disconnect", "code": 1006, "reason": ""}]


def test_close_before_accept_is_a_403(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.close", "code": 1008})

    with (
        socket_client(project, monkeypatch, app) as client,
        pytest.raises(WebSocketDenied) as denied,
        client.websocket_connect("/ws"),
    ):
        pass
    assert denied.value.response.status_code == 403
    assert denied.value.response.content == b""


def test_an_app_returning_before_the_handshake_is_a_500(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

    with (
        socket_client(project, monkeypatch, app) as client,
        pytest.raises(WebSocketDenied, match="the app returned first") as denied,
        client.websocket_connect("/ws"),
    ):
        pass
    assert denied.value.response.status_code == 500


def test_server_close_code_and_reason(
    project: Path, monkeypatch: pytest.MonkeyPatch, events: list[Any]
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "last"})
        await send({"type": "websocket.close", "code": 4001, "reason": "room closed"})
        events.append(await receive())

    with socket_client(project, monkeypatch, app) as client:
        with client.websocket_connect("/ws") as ws:
            assert ws.receive_text() == "last"
            with pytest.raises(WebSocketClosed) as closed:
                ws.receive_text()
            assert (closed.value.code, closed.value.reason) == (4001, "room closed")
            with pytest.raises(WebSocketClosed):
                ws.send_text("too late")
        assert events == [{"type": "websocket.disconnect", "code": 4001, "reason": "room closed"}]


def test_an_app_returning_without_closing_drops_the_connection(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})

    with (
        socket_client(project, monkeypatch, app) as client,
        client.websocket_connect("/ws") as ws,
        pytest.raises(WebSocketClosed) as closed,
    ):
        ws.receive()
    assert closed.value.code == 1006


def _recording(events: list[Any]) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        try:
            while (message := await receive())["type"] != "websocket.disconnect":
                events.append(message["text"])
            events.append(message)
        finally:
            events.append("finally")

    return app


def test_leaving_the_block_disconnects_and_runs_the_apps_finally(
    project: Path, monkeypatch: pytest.MonkeyPatch, events: list[Any]
) -> None:
    with socket_client(project, monkeypatch, _recording(events)) as client:
        with client.websocket_connect("/ws") as ws:
            ws.send_text("one")
        assert events == [
            "one",
            {"type": "websocket.disconnect", "code": 1000, "reason": ""},
            "finally",
        ]


def test_close_sends_its_code_and_reason(
    project: Path, monkeypatch: pytest.MonkeyPatch, events: list[Any]
) -> None:
    with (
        socket_client(project, monkeypatch, _recording(events)) as client,
        client.websocket_connect("/ws") as ws,
    ):
        ws.close(4000, "done")
        assert events == [
            {"type": "websocket.disconnect", "code": 4000, "reason": "done"},
            "finally",
        ]
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive_text()
        assert closed.value.code == 4000


def test_the_app_sending_after_the_client_closed_gets_an_oserror(
    project: Path, monkeypatch: pytest.MonkeyPatch, events: list[Any]
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        try:
            await send({"type": "websocket.send", "text": "anyone?"})
        except OSError as exc:
            events.append(exc)

    with socket_client(project, monkeypatch, app) as client:
        with client.websocket_connect("/ws"):
            pass
        [error] = events
        assert isinstance(error, OSError)


def test_an_exception_of_the_app_comes_out_of_receive(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        raise ValueError("boom")

    # Raised once: leaving the block does not raise it again.
    with (
        socket_client(project, monkeypatch, app) as client,
        client.websocket_connect("/ws") as ws,
    ):
        ws.send_text("go")
        with pytest.raises(ValueError, match="boom"):
            ws.receive_text()


def test_an_exception_of_the_app_on_disconnect_comes_out_of_the_block(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        raise ValueError("cleanup failed")

    with (
        socket_client(project, monkeypatch, app) as client,
        pytest.raises(ValueError, match="cleanup failed"),
        client.websocket_connect("/ws"),
    ):
        pass


def test_an_exception_before_accepting_comes_out_of_connect(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise LookupError("no such room")

    with (
        socket_client(project, monkeypatch, app) as client,
        pytest.raises(LookupError, match="no such room"),
        client.websocket_connect("/ws"),
    ):
        pass


def test_a_message_the_server_would_refuse_fails_in_the_app(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.send", "text": "before accept"})

    with (
        socket_client(project, monkeypatch, app) as client,
        pytest.raises(RuntimeError, match=r"Expected ASGI message 'websocket\.accept'"),
        client.websocket_connect("/ws"),
    ):
        pass


def test_an_app_that_sends_nothing_fails_the_receive_instead_of_hanging(
    echo_client: TestClient,
) -> None:
    with (
        echo_client.websocket_connect("/ws") as ws,
        pytest.raises(TimeoutError, match=r"sent no message within 0\.01 s"),
    ):
        ws.receive_text(timeout=0.01)


@pytest.mark.parametrize(
    ("url", "scheme", "server"),
    [
        pytest.param("wss://api.example.com/ws?x=1", "wss", ("api.example.com", 443), id="wss"),
        pytest.param("ws://localhost:8000/ws?x=1", "ws", ("localhost", 8000), id="ws"),
        pytest.param("https://api.example.com/ws?x=1", "wss", ("api.example.com", 443), id="https"),
    ],
)
def test_a_full_url_gives_its_scheme_and_server(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    events: list[Any],
    url: str,
    scheme: str,
    server: tuple[str, int],
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        events.append(scope)
        await send({"type": "websocket.close"})

    with (
        socket_client(project, monkeypatch, app) as client,
        pytest.raises(WebSocketDenied),
        client.websocket_connect(url),
    ):
        pass
    [scope] = events
    assert (scope["scheme"], scope["server"], scope["path"]) == (scheme, server, "/ws")
    assert scope["query_string"] == b"x=1"


def test_websocket_connect_needs_the_with_block(project: Path) -> None:
    with pytest.raises(RuntimeError, match="in a `with` block"):
        TestClient(project).websocket_connect("/ws")


# --- the scope, against a real server ------------------------------------------------------


def _scope_of(client_connects: Any, scopes: list[Scope]) -> Scope:
    scopes.clear()
    client_connects()
    [scope] = scopes
    return scope


def _comparable(scope: Scope) -> dict[str, Any]:
    """The parts of a scope that do not depend on the client program or the port."""
    skipped = {b"sec-websocket-key", b"sec-websocket-extensions", b"user-agent"}
    return {
        **{k: v for k, v in scope.items() if k not in {"headers", "server", "client"}},
        "header names": sorted(name for name, _ in scope["headers"] if name not in skipped),
        "headers": {n: v for n, v in scope["headers"] if n not in skipped | {b"host"}},
    }


def test_the_scope_is_the_one_uvicorn_builds(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scopes: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        await receive()
        await send({"type": "websocket.close"})

    path = "/api/chat%20room/x?room=a%20b&n=1"
    headers = {"origin": "http://localhost:3000", "cookie": "session=s1"}
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", ws="websockets-sansio", log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[listener])))
    thread.start()
    try:

        def real() -> None:
            wait_until(lambda: server.started, "uvicorn to start")
            with (
                pytest.raises(Exception, match="403"),
                connect(
                    f"ws://127.0.0.1:{port}{path}",
                    subprotocols=["chat.v1", "chat.v2"],  # type: ignore[list-item]
                    additional_headers=headers,
                ),
            ):
                pass

        from_uvicorn = _scope_of(real, scopes)
    finally:
        server.should_exit = True
        thread.join()
        listener.close()

    def ours() -> None:
        with (
            socket_client(project, monkeypatch, app) as client,
            pytest.raises(WebSocketDenied),
            client.websocket_connect(path, subprotocols=["chat.v1", "chat.v2"], headers=headers),
        ):
            pass

    from_test_client = _scope_of(ours, scopes)
    assert _comparable(from_test_client) == _comparable(from_uvicorn)
    assert from_test_client["server"] == ("localhost", 3000)
    assert dict(from_test_client["headers"])[b"host"] == b"localhost:3000"


def test_an_https_base_url_gives_a_wss_scope(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scopes: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        await receive()
        await send({"type": "websocket.accept"})
        await receive()

    client = socket_client(project, monkeypatch, app, base_url="https://example.com")
    with client, client.websocket_connect("/ws"):
        pass
    [scope] = scopes
    assert (scope["scheme"], scope["server"]) == ("wss", ("example.com", 443))
    assert dict(scope["headers"])[b"host"] == b"example.com"


# --- against a project's WebSocket routes ----------------------------------------------------

ROUTES = {
    "app/api/chat/route.py": """
        from approutes.headers import cookies
        from approutes import WebSocket

        async def GET(request, socket: WebSocket):
            chosen = "chat.v2" if "chat.v2" in socket.subprotocols else None
            cookies().set("joined", "lobby")
            await socket.accept(subprotocol=chosen, headers={"x-room": "lobby"})
            async for message in socket:
                if message == "bye":
                    await socket.close(4001, "see you")
                    return
                await socket.send(message)
    """,
    "app/api/private/route.py": """
        from approutes import NextResponse
        from approutes import WebSocket

        async def GET(request, socket: WebSocket):
            session = request.cookies.get("session")
            if session is None:
                return NextResponse.json({"error": "Unauthorized"}, status=401)
            await socket.accept()
            await socket.send_json({"user": session.value})
            await socket.receive()
    """,
    "app/api/watched/route.py": """
        import os
        from pathlib import Path

        from approutes import WebSocket

        async def GET(socket: WebSocket):
            await socket.accept()
            try:
                async for message in socket:
                    await socket.send(message)
            finally:
                Path(os.environ["WS_FINALLY_FILE"]).write_text("finally ran")
    """,
    "app/api/broken/route.py": """
        from approutes import WebSocket

        async def GET(socket: WebSocket):
            await socket.accept()
            await socket.receive()
            raise ValueError("the handler broke")
    """,
    "app/api/unanswered/route.py": """
        from approutes import WebSocket

        async def GET(socket: WebSocket):
            return None
    """,
}


@pytest.fixture
def route_client(tmp_path: Path) -> Iterator[TestClient]:
    make_project(tmp_path, ROUTES)
    with TestClient(tmp_path) as client:
        yield client


def test_a_route_echoes_with_its_subprotocol_headers_and_cookie(
    route_client: TestClient,
) -> None:
    with route_client.websocket_connect("/api/chat", subprotocols=["chat.v1", "chat.v2"]) as ws:
        assert ws.subprotocol == "chat.v2"
        assert ws.headers["x-room"] == "lobby"
        assert route_client.cookies["joined"] == "lobby"
        ws.send_text("hi")
        assert ws.receive_text() == "hi"
        ws.send_bytes(b"\x01\x02")
        assert ws.receive_bytes() == b"\x01\x02"
        ws.send_json({"n": 1})
        assert ws.receive_json() == {"n": 1}


def test_a_route_closing_gives_its_code_and_reason(route_client: TestClient) -> None:
    with route_client.websocket_connect("/api/chat") as ws:
        ws.send_text("bye")
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive_text()
    assert (closed.value.code, closed.value.reason) == (4001, "see you")


def test_a_route_refusing_is_read_from_the_error(route_client: TestClient) -> None:
    with pytest.raises(WebSocketDenied) as denied, route_client.websocket_connect("/api/private"):
        pytest.fail("the block must not run")
    assert denied.value.response.status_code == 401
    assert denied.value.response.json() == {"error": "Unauthorized"}


def test_a_route_sees_the_jars_cookies(route_client: TestClient) -> None:
    route_client.cookies.set("session", "ada")
    with route_client.websocket_connect("/api/private") as ws:
        assert ws.receive_json() == {"user": "ada"}


def test_a_route_that_does_not_accept_is_a_403(route_client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDenied) as denied,
        route_client.websocket_connect("/api/unanswered"),
    ):
        pass
    assert denied.value.response.status_code == 403


def test_leaving_the_block_runs_the_routes_finally(
    route_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "finally.txt"
    monkeypatch.setenv("WS_FINALLY_FILE", str(marker))
    with route_client.websocket_connect("/api/watched") as ws:
        ws.send_text("ping")
        assert ws.receive_text() == "ping"
        assert not marker.exists()
    assert marker.read_text() == "finally ran"


def test_a_route_raising_closes_with_1011(route_client: TestClient) -> None:
    with route_client.websocket_connect("/api/broken") as ws:
        ws.send_text("go")
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive_text()
    assert closed.value.code == 1011
