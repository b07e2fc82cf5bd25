"""Test helpers: `TestClient` for a whole project, `call_route` for one handler.

Example:
    from approutes.testing import TestClient

    def test_hello():
        with TestClient("path/to/project") as client:
            response = client.get("/api/hello")
        assert response.json() == {"message": "Hello World"}

`httpx` must be installed: `pip install 'approutes[testing]'` (or `[dev]`).
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import threading
from dataclasses import dataclass, replace
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import orjson

from approutes.errors import MissingExtraError

try:
    import httpx
except ModuleNotFoundError as exc:  # pragma: no cover - exercised in a subprocess test
    raise MissingExtraError("approutes.testing", module="httpx", extra="testing") from exc

from approutes.app import create_app
from approutes.error_responses import error_response
from approutes.handlers.runner import run_handler
from approutes.project.importer import MODULE_PREFIX
from approutes.request_context import entered_state, run_after
from approutes.route_modules.loader import route_module_from
from approutes.settings.model import Settings
from approutes.web.request import RequestLimits
from approutes.web.response import whole_body
from approutes.web.synthetic_request import synthetic_request, synthetic_scope
from approutes.websocket_testing import WebSocketClosed, WebSocketDenied, WebSocketTestSession

if TYPE_CHECKING:
    import os
    from collections.abc import (
        AsyncIterator,
        Awaitable,
        Callable,
        Coroutine,
        Mapping,
        Sequence,
    )
    from types import TracebackType

    from approutes.asgi.entrypoint import AsgiEntrypoint
    from approutes.asgi.interface import Message, Receive, Scope, Send
    from approutes.route_modules.route_module import RouteModule
    from approutes.web.headers import Headers

__all__ = [
    "CalledRoute",
    "TestClient",
    "WebSocketClosed",
    "WebSocketDenied",
    "WebSocketTestSession",
    "call_route",
]

T = TypeVar("T")

_BASE_URL = "http://localhost:3000"
_SOCKET_SCHEMES = {"ws": "http", "wss": "https"}  # the handshake is an HTTP(S) GET


class TestClient:
    """An httpx client talking to a project in-process; cookies are kept between calls.

    Synchronous: `with TestClient(root) as client: client.get(...)` (the app runs on an event
    loop in a background thread). Asynchronous: `async with TestClient(root) as client:` gives
    an `httpx.AsyncClient` on the current loop. Either way the app's lifespan runs
    (`instrumentation.py`'s `register()` on enter, `shutdown()` on exit). In the synchronous
    form, `client.websocket_connect(url)` opens a WebSocket to the project.

    Args:
        root: The project folder.
        dev: Serve as `approutes dev` does (error detail, memory cache).
        base_url: The origin requests are made against.
    """

    __test__ = False  # not a pytest test class, despite its name

    def __init__(
        self, root: str | os.PathLike[str] = ".", *, dev: bool = False, base_url: str = _BASE_URL
    ) -> None:
        """Load the project at `root` now (a bad project raises ConfigurationError here)."""
        self.app: AsgiEntrypoint = create_app(root, dev=dev)
        self.base_url = base_url
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None
        self._lifespan: _Lifespan | None = None

    # --- synchronous use ---------------------------------------------------------------------

    def __enter__(self) -> TestClient:
        """Start the app on a background event loop."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="approutes-test", daemon=True)
        self._thread.start()
        self._client = self._run(self._open())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Run the shutdown, close the client and stop the loop."""
        self.close()

    def close(self) -> None:
        """Stop what `__enter__` started (also safe to call twice)."""
        loop = self._loop
        if loop is None:
            return
        self._run(self._shut())
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join()
        loop.close()
        self._loop = None

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request; keyword arguments are httpx's (`json`, `data`, `files`, ...)."""
        if self._client is None:
            raise RuntimeError("use TestClient in a `with` block: with TestClient(root) as c:")
        return self._run(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """Send a GET."""
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> httpx.Response:
        """Send a HEAD."""
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> httpx.Response:
        """Send an OPTIONS."""
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """Send a POST."""
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        """Send a PUT."""
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        """Send a PATCH."""
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        """Send a DELETE."""
        return self.request("DELETE", url, **kwargs)

    def websocket_connect(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        subprotocols: Sequence[str] | None = None,
        cookies: Mapping[str, str] | None = None,
    ) -> WebSocketTestSession:
        """Open a WebSocket to `url`; use the session in a `with` block.

        The app gets the `websocket` scope a server (uvicorn) builds: the upgrade headers, the
        Host of `base_url` (`wss` for an https one), the cookie jar plus `cookies` as a Cookie
        header, and `headers`. Set-Cookie headers of the handshake's answer go into the jar.

        Args:
            url: The path and query (`/api/chat?room=1`), or a full URL (`ws://` or `http://`).
            headers: More request headers (`origin`, `authorization`, ...).
            subprotocols: The subprotocols offered (`Sec-WebSocket-Protocol`).
            cookies: Cookies sent with this handshake only, besides the jar's.

        Returns:
            The session; entering it runs the handshake.

        Raises:
            WebSocketDenied: On entering, when the app refuses the handshake.

        Example:
            with client.websocket_connect("/api/chat") as ws:
                ws.send_text("hi")
                assert ws.receive_text() == "hi"
        """
        if self._client is None or self._loop is None:
            raise RuntimeError(
                "websocket_connect needs TestClient in a `with` block (the synchronous form): "
                "with TestClient(root) as c:"
            )
        jar = httpx.Cookies(self._client.cookies)
        jar.update(dict(cookies or {}))
        merged = self._client.build_request("GET", url).url
        if merged.scheme in _SOCKET_SCHEMES:
            merged = merged.copy_with(scheme=_SOCKET_SCHEMES[merged.scheme])
        request = httpx.Request(
            "GET",
            merged,
            headers={"user-agent": self._client.headers["user-agent"]},
            cookies=jar,
        )
        return WebSocketTestSession(
            self.app, self._run, self._client.cookies, request, subprotocols or (), headers
        )

    @property
    def cookies(self) -> httpx.Cookies:
        """The cookies kept from earlier responses (set more to send them)."""
        if self._client is None:
            raise RuntimeError("use TestClient in a `with` block")
        return self._client.cookies

    # --- asynchronous use --------------------------------------------------------------------

    async def __aenter__(self) -> httpx.AsyncClient:
        """Run the start-up on the current loop and return an httpx.AsyncClient."""
        self._client = await self._open()
        return self._client

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Run the shutdown and close the client."""
        await self._shut()

    # --- shared ------------------------------------------------------------------------------

    async def _open(self) -> httpx.AsyncClient:
        self._lifespan = _Lifespan(self.app)
        await self._lifespan.start()
        transport = _Transport(app=_CutWatch(self.app))
        return httpx.AsyncClient(transport=transport, base_url=self.base_url)

    async def _shut(self) -> None:
        if self._client is not None:
            await self._client.aclose()
        if self._lifespan is not None:
            await self._lifespan.stop()
            self._lifespan = None

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None  # noqa: S101 - only called between enter and close
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()


_CUT_MESSAGE = (
    "peer closed connection without sending complete message body: the streamed response "
    "was cut midway (its iterator raised; the error is in the approutes.error log)"
)


class _Exchange:
    """What one request's response did on the way out."""

    __slots__ = ("cut",)

    def __init__(self) -> None:
        self.cut = False


_EXCHANGE: contextvars.ContextVar[_Exchange | None] = contextvars.ContextVar(
    "approutes_test_exchange", default=None
)


class _CutWatch:
    """The app, noting when a response is started but never finished (a cut stream).

    httpx's transport would fail its own assertion there; the response is finished for it,
    and `_Transport` turns the note into the error a client of a real server gets.
    """

    def __init__(self, app: AsgiEntrypoint) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = _EXCHANGE.get()
        if exchange is None or scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = finished = False

        async def noting_send(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
            elif not message.get("more_body", False):
                finished = True
            await send(message)

        await self.app(scope, receive, noting_send)
        if started and not finished:
            exchange.cut = True
            await send({"type": "http.response.body", "body": b""})
        return None


class _Transport(httpx.ASGITransport):
    """httpx's ASGI transport, where a cut stream fails to read as it does from a server.

    COMPAT(next): a stream that raises midway is cut; reading its body raises
    httpx.RemoteProtocolError after the chunks sent, as against uvicorn or granian.
    """

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        exchange = _Exchange()
        # NOTE: httpx awaits the app in this task, so the app sees this exchange.
        token = _EXCHANGE.set(exchange)
        try:
            response = await super().handle_async_request(request)
        finally:
            _EXCHANGE.reset(token)
        if exchange.cut:
            response.stream = _CutBody(response.stream, request)
        return response


class _CutBody(httpx.AsyncByteStream):
    """The chunks a cut stream sent, then the error of a connection closed midway."""

    def __init__(
        self, sent: httpx.SyncByteStream | httpx.AsyncByteStream, request: httpx.Request
    ) -> None:
        self._sent = sent
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._sent, httpx.AsyncByteStream)  # noqa: S101 - ASGITransport's
        async for chunk in self._sent:
            yield chunk
        raise httpx.RemoteProtocolError(_CUT_MESSAGE, request=self._request)


class _Lifespan:
    """Drives an ASGI app's lifespan as a server does."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self._app = app
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        self._task = asyncio.ensure_future(self._app(scope, self._inbox.get, self._outbox.put))
        await self._inbox.put({"type": "lifespan.startup"})
        reply = await self._outbox.get()
        if reply["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"the app's start-up failed: {reply.get('message', '')}")

    async def stop(self) -> None:
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._outbox.get()
        if self._task is not None:
            await self._task


@dataclass(frozen=True, slots=True)
class CalledRoute:
    """What `call_route` got back from the handler, as a client would see it."""

    status: int
    headers: Headers
    body: bytes

    @property
    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode()

    def json(self) -> Any:
        """The body parsed as JSON."""
        return orjson.loads(self.body)


async def call_route(
    handler: Callable[..., Any],
    *,
    method: str | None = None,
    url: str = "/",
    params: Mapping[str, str | list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    cookies: Mapping[str, str] | None = None,
    json: Any = None,
    body: bytes | str | None = None,
) -> CalledRoute:
    """Call one route handler directly: no router, no server, no project.

    Inside the handler `headers()`, `cookies()`, `redirect()` and `not_found()` work as in
    a real request, errors become their JSON responses (with detail, as in `dev`), and
    `after()` callbacks run once the response is built.

    Args:
        handler: The handler function, e.g. `GET` imported from the route module.
        method: The request method; by default the handler's name when it is one (`POST`),
            else GET.
        url: The path and query (`/api/users/7?full=1`), or a full URL.
        params: `context.params`.
        headers: Request headers.
        cookies: Request cookies (sent as a Cookie header).
        json: A body to send as JSON (sets Content-Type).
        body: A raw body.

    Example:
        from app.api.users.route import POST

        async def test_create_user():
            called = await call_route(POST, json={"name": "Ada"})
            assert called.status == 201
    """
    name = getattr(handler, "__name__", "")
    verb = method or (name if name.isupper() else "GET")
    route = _route_of(handler, verb, params)
    plan = route.methods.handlers[verb]
    header_lines = {k.lower(): v for k, v in (headers or {}).items()}
    content = body.encode() if isinstance(body, str) else body or b""
    if json is not None:
        content = orjson.dumps(json)
        header_lines.setdefault("content-type", "application/json")
    if cookies:
        header_lines["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if content:
        header_lines.setdefault("content-length", str(len(content)))
    parts = urlsplit(url)
    scope = synthetic_scope(
        verb,
        parts.path or "/",
        query=parts.query,
        headers=header_lines.items(),
        scheme=parts.scheme or "http",
        client=("127.0.0.1", 50000),
    )
    request = synthetic_request(scope, content, _LIMITS)
    # NOTE: the pool is the server's; call_route runs a runtime = "process" handler here.
    config = replace(route.config, runtime="python")
    with entered_state(request, route.file) as state:
        try:
            response = await run_handler(state, plan, dict(params or {}), config)
        except Exception as exc:  # noqa: BLE001 - answered as the dev server would
            response = error_response(exc, dev=True, route_file=route.file)
        called = CalledRoute(response.status, response.headers, await whole_body(response))
        await run_after(state)
    return called


_DEFAULTS = Settings()
_LIMITS = RequestLimits(_DEFAULTS.body_size_limit, _DEFAULTS.upload_size_limit)


def _route_of(
    handler: Callable[..., Any], verb: str, params: Mapping[str, object] | None
) -> RouteModule:
    """The route `handler` answers `verb` for, built by the server's loader.

    When `handler` is its route module's export for `verb`, the module is the route (its
    segment config and the params its folders name included); otherwise a route of that one
    handler, whose params are the ones given.
    """
    module = sys.modules.get(getattr(handler, "__module__", "") or "")
    file = _route_file_of(module) if module is not None else None
    if module is not None and file is not None and getattr(module, verb, None) is handler:
        return route_module_from(module, file)
    code = getattr(handler, "__code__", None)
    where = file or (code.co_filename if code is not None else repr(handler))
    return route_module_from(SimpleNamespace(**{verb: handler}), where, tuple(params or ()))


def _route_file_of(module: ModuleType) -> str | None:
    """The project-relative route file of `module`, from the name it was imported under.

    >>> _route_file_of(ModuleType("app.api.items.[id].route"))
    'app/api/items/[id]/route.py'
    """
    name = module.__name__
    if name.startswith(MODULE_PREFIX):
        return name.rpartition(":")[2]
    if name.startswith("app.") and name.endswith(".route"):
        return name.replace(".", "/") + ".py"
    return None
