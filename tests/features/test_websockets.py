"""WebSocket routes in process (TestClient): limits, refusals, errors, load-time checks, tools.

The live tests (tests/server/test_websockets_live.py) show the same road on uvicorn and
granian; these cover what needs no server: each limit and refusal, the close codes, what a
route file may not do, and how `routes` and the OpenAPI document show a socket route.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Any

import pytest
from tests.conftest import make_project

from approutes import create_app
from approutes.errors import RouteModuleError, SettingsError
from approutes.openapi.document import openapi_document
from approutes.route_loading import load_routes
from approutes.testing import TestClient, WebSocketClosed, WebSocketDenied

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from approutes.asgi.interface import Message

ECHO = """
    from approutes import WebSocket

    async def GET(socket: WebSocket) -> None:
        await socket.accept()
        async for message in socket:
            await socket.send(message)
"""


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", [*sys.path])


@pytest.fixture
def client_of(tmp_path: Path) -> Iterator[Any]:
    clients: list[TestClient] = []

    def open_client(files: dict[str, str]) -> TestClient:
        make_project(tmp_path, files)
        client = TestClient(tmp_path)
        client.__enter__()
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        client.__exit__(None, None, None)


def test_json_both_ways(client_of: Any) -> None:
    client = client_of(
        {
            "app/ws/route.py": """
                from approutes import WebSocket

                async def GET(socket: WebSocket) -> None:
                    await socket.accept()
                    data = await socket.receive_json()
                    await socket.send_json({"doubled": data["n"] * 2})
            """
        }
    )
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"n": 21})
        assert ws.receive_json() == {"doubled": 42}


def test_a_message_that_is_not_json_closes_with_1007(client_of: Any) -> None:
    client = client_of(
        {
            "app/ws/route.py": """
                from approutes import WebSocket

                async def GET(socket: WebSocket) -> None:
                    await socket.accept()
                    await socket.receive_json()
            """
        }
    )
    with client.websocket_connect("/ws") as ws:
        ws.send_text("{not json")
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive_text()
    assert (closed.value.code, closed.value.reason) == (1007, "invalid JSON")


def test_the_message_limit_of_the_settings_applies_to_text_in_bytes(client_of: Any) -> None:
    client = client_of(
        {"app/ws/route.py": ECHO, "approutes.toml": "websocket_message_size_limit = 8"}
    )
    with client.websocket_connect("/ws") as ws:
        ws.send_text("é" * 4)  # 8 bytes of UTF-8: at the limit
        assert ws.receive_text() == "é" * 4
        ws.send_text("é" * 5)  # 5 characters, 10 bytes: over it
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive_text()
    assert (closed.value.code, closed.value.reason) == (1009, "message too big")


def test_an_idle_socket_is_closed(client_of: Any) -> None:
    client = client_of({"app/ws/route.py": ECHO, "approutes.toml": "websocket_idle_timeout = 0.05"})
    with client.websocket_connect("/ws") as ws:
        ws.send_text("still here")
        assert ws.receive_text() == "still here"
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive_text()  # NOTE: says nothing: the idle timeout closes it
    assert (closed.value.code, closed.value.reason) == (1000, "idle timeout")


def test_past_the_socket_limit_an_upgrade_is_503(client_of: Any) -> None:
    client = client_of({"app/ws/route.py": ECHO, "approutes.toml": "websocket_max_sockets = 1"})
    with client.websocket_connect("/ws") as first:
        with pytest.raises(WebSocketDenied) as refused, client.websocket_connect("/ws"):
            pass
        assert refused.value.response.status_code == 503
        assert refused.value.response.headers["retry-after"] == "5"
        first.send_text("the first still works")
        assert first.receive_text() == "the first still works"
    with client.websocket_connect("/ws") as again:  # closed: room for one more
        again.send_text("x")
        assert again.receive_text() == "x"


def test_an_http_error_after_accepting_closes_with_4000_plus_its_status(client_of: Any) -> None:
    client = client_of(
        {
            "app/ws/route.py": """
                from approutes import HTTPError, WebSocket

                async def GET(socket: WebSocket) -> None:
                    await socket.accept()
                    await socket.receive()
                    raise HTTPError(403, "not in this room")
            """
        }
    )
    with client.websocket_connect("/ws") as ws:
        ws.send_text("let me in")
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive_text()
    assert (closed.value.code, closed.value.reason) == (4403, "not in this room")


def test_a_subprotocol_the_client_did_not_offer_is_a_500(client_of: Any) -> None:
    client = client_of(
        {
            "app/ws/route.py": """
                from approutes import WebSocket

                async def GET(socket: WebSocket) -> None:
                    await socket.accept(subprotocol="graphql-ws")
            """
        }
    )
    with (
        pytest.raises(WebSocketDenied) as refused,
        client.websocket_connect("/ws", subprotocols=["chat"]),
    ):
        pass
    assert refused.value.response.status_code == 500


def test_a_redirect_from_the_handler_refuses_with_it(client_of: Any) -> None:
    client = client_of(
        {
            "app/ws/route.py": """
                from approutes import WebSocket
                from approutes.navigation import redirect

                async def GET(socket: WebSocket) -> None:
                    redirect("/login")
            """
        }
    )
    with pytest.raises(WebSocketDenied) as refused, client.websocket_connect("/ws"):
        pass
    assert refused.value.response.status_code == 307
    assert refused.value.response.headers["location"].endswith("/login")


def test_a_pages_route_refuses_upgrades(client_of: Any) -> None:
    client = client_of(
        {
            "pages/api/legacy.py": """
                def handler(req, res):
                    res.status(200).json({"ok": True})
            """
        }
    )
    with pytest.raises(WebSocketDenied) as refused, client.websocket_connect("/api/legacy"):
        pass
    assert refused.value.response.status_code == 404


def test_an_optional_socket_serves_plain_http_too(client_of: Any) -> None:
    client = client_of(
        {
            "app/feed/route.py": """
                from approutes import WebSocket

                async def GET(socket: WebSocket | None = None) -> dict[str, str] | None:
                    if socket is None:
                        return {"hint": "open a WebSocket here for live updates"}
                    await socket.accept()
                    await socket.send("live")
                    return None
            """
        }
    )
    assert client.get("/feed").json() == {"hint": "open a WebSocket here for live updates"}
    with client.websocket_connect("/feed") as ws:
        assert ws.receive_text() == "live"


async def _without_denial_extension(root: Path, path: str) -> list[Message]:
    """Run one upgrade through the app with a scope whose server has no denial extension."""
    app = create_app(root)
    sent: list[Message] = []
    incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await incoming.put({"type": "websocket.connect"})
    await incoming.put({"type": "websocket.disconnect", "code": 1000})
    scope = {
        "type": "websocket",
        "http_version": "1.1",
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
        "subprotocols": [],
    }

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, incoming.get, send)
    return sent


def test_without_the_denial_extension_a_refusal_is_a_close_with_4000_plus_status(
    tmp_path: Path,
) -> None:
    make_project(
        tmp_path,
        {
            "app/ws/route.py": """
                from approutes import NextResponse, WebSocket

                async def GET(socket: WebSocket) -> NextResponse:
                    return NextResponse.json({"error": "sign in"}, status=401)
            """
        },
    )
    sent = asyncio.run(_without_denial_extension(tmp_path, "/ws"))
    assert sent == [
        {"type": "websocket.accept"},
        {"type": "websocket.close", "code": 4401, "reason": '{"error":"sign in"}'},
    ]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            "from approutes import WebSocket\n\nasync def POST(socket: WebSocket) -> None: ...\n",
            "only GET can take a WebSocket",
        ),
        (
            "from approutes import WebSocket\n\ndef GET(socket: WebSocket) -> None: ...\n",
            "takes a WebSocket but is not async",
        ),
        (
            'from approutes import WebSocket\n\nruntime = "process"\n\n'
            "async def GET(socket: WebSocket) -> None: ...\n",
            'cannot run with runtime = "process"',
        ),
        (
            "from approutes import WebSocket\n\nrevalidate = 60\n\n"
            "async def GET(socket: WebSocket) -> None: ...\n",
            "the segment config caches it",
        ),
    ],
)
def test_what_a_socket_route_may_not_be_stops_start_up(
    tmp_path: Path, source: str, problem: str
) -> None:
    make_project(tmp_path, {"app/ws/route.py": source})
    with pytest.raises(RouteModuleError) as refused:
        create_app(tmp_path)
    assert problem in str(refused.value)
    assert "app/ws/route.py" in str(refused.value)


def test_a_bad_origin_setting_stops_start_up(tmp_path: Path) -> None:
    make_project(
        tmp_path, {"app/ws/route.py": ECHO, "approutes.toml": 'websocket_origins = ["app.example"]'}
    )
    with pytest.raises(SettingsError) as refused:
        create_app(tmp_path)
    assert "'app.example' is not an origin like https://app.example" in str(refused.value)


def test_the_openapi_document_marks_socket_operations(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {
            "app/ws/route.py": ECHO,
            "app/feed/route.py": """
                from approutes import WebSocket

                async def GET(socket: WebSocket | None = None) -> dict[str, str] | None:
                    return {"plain": "yes"}
            """,
        },
    )
    table, modules = load_routes(tmp_path)
    document = openapi_document(table, modules, title="sockets")
    only_socket = document["paths"]["/ws"]["get"]
    both = document["paths"]["/feed"]["get"]
    assert only_socket["x-websocket"] is True
    assert set(only_socket["responses"]) >= {"101", "426"}
    assert "200" not in only_socket["responses"]
    assert both["x-websocket"] is True
    assert set(both["responses"]) >= {"101", "200"}
