"""Internal: the WebSocket session of `approutes.testing.TestClient`.

`WebSocketTestSession` runs an ASGI app's `websocket` scope on the test client's event loop
and plays the server's part as uvicorn does (its websockets-sansio protocol is the
reference): the scope a real server builds, the handshake (accept, refusal with the
`websocket.http.response` extension, close before accept as a 403), messages both ways, the
close from either side, and `send` raising an `OSError` once the client has gone (ASGI 2.4).

The public names are exported by `approutes.testing`; this module only holds them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar
from urllib.parse import unquote

import httpx
import orjson

if TYPE_CHECKING:
    from collections.abc import Coroutine, Mapping, Sequence
    from types import TracebackType

    from approutes.asgi.interface import ASGIApp, Message, Scope

__all__ = ["WebSocketClosed", "WebSocketDenied", "WebSocketTestSession"]

T = TypeVar("T")

SAFETY_TIMEOUT = 5.0
"""Seconds a session waits for the app before failing the test instead of hanging."""

_ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
_CLIENT = ("127.0.0.1", 123)  # the address httpx's ASGI transport gives HTTP requests


class WebSocketDenied(Exception):
    """The app refused the WebSocket handshake; `response` is the HTTP answer a client gets.

    Raised by `with client.websocket_connect(url)` when the app answers the upgrade with a
    response (the ASGI `websocket.http.response` extension), or closes before accepting (a
    403 with an empty body, as uvicorn answers).

    Example:
        with pytest.raises(WebSocketDenied) as denied:
            with client.websocket_connect("/api/chat"):
                pass
        assert denied.value.response.status_code == 401
    """

    def __init__(self, response: httpx.Response, note: str = "") -> None:
        """Keep the response; `note` says more when the app did something unexpected."""
        self.response = response
        message = f"the WebSocket handshake was refused with {response.status_code}"
        super().__init__(f"{message}: {note}" if note else message)


class WebSocketClosed(Exception):
    """The WebSocket is closed: the app closed it (with `code` and `reason`), or the test did.

    Raised by the session's `receive*` once the app's close arrives, and by `send*` after
    that. An app that returns without closing ends the socket as a dropped connection does
    (code 1006).

    Example:
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive_text()
        assert closed.value.code == 4001
    """

    def __init__(self, code: int, reason: str = "") -> None:
        """Keep the close code and reason."""
        self.code = code
        self.reason = reason
        super().__init__(f"the WebSocket is closed ({code}{f' {reason}' if reason else ''})")


class _ClientGone(OSError):
    """`send` after the client closed: the server-specific OSError of ASGI spec 2.4."""


class _Runner(Protocol):
    """Runs a coroutine on the test client's loop and returns its result (or raises)."""

    def __call__(self, work: Coroutine[Any, Any, T]) -> T: ...


def handshake_scope(
    request: httpx.Request, subprotocols: Sequence[str], key: str, headers: Mapping[str, str]
) -> Scope:
    """The `websocket` scope a server builds for an upgrade of `request`'s URL.

    Args:
        request: A GET of the absolute http(s) URL, with its Host and Cookie headers.
        subprotocols: The subprotocols the client offers, most wanted first.
        key: The `Sec-WebSocket-Key`.
        headers: The caller's headers; one of the same name replaces the client's own.

    Returns:
        The scope, as uvicorn's websockets-sansio protocol builds it.
    """
    url = request.url
    lines: dict[str, str] = {"host": request.headers["host"]}
    lines |= {
        "upgrade": "websocket",
        "connection": "Upgrade",
        "sec-websocket-key": key,
        "sec-websocket-version": "13",
    }
    if subprotocols:
        lines["sec-websocket-protocol"] = ", ".join(subprotocols)
    if "cookie" in request.headers:
        lines["cookie"] = request.headers["cookie"]
    lines["user-agent"] = request.headers.get("user-agent", "approutes-testclient")
    lines |= {name.lower(): value for name, value in headers.items()}
    raw_path, _, query = url.raw_path.partition(b"?")
    secure = url.scheme == "https"
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "wss" if secure else "ws",
        "server": (url.host, url.port or (443 if secure else 80)),
        "client": _CLIENT,
        "root_path": "",
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "query_string": query,
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in lines.items()],
        "subprotocols": list(subprotocols),
        "state": {},
        "extensions": {"websocket.http.response": {}},
    }


def accept_key(key: str) -> str:
    """The `Sec-WebSocket-Accept` answering `key` (RFC 6455 section 4.2.2).

    >>> accept_key("dGhlIHNhbXBsZSBub25jZQ==")
    's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
    """
    digest = hashlib.sha1(key.encode() + _ACCEPT_GUID, usedforsecurity=False).digest()
    return base64.b64encode(digest).decode()


_AppState = Literal["connecting", "open", "refusing", "closed"]


class WebSocketTestSession:
    """A WebSocket to the app, from `client.websocket_connect(url)`; use it in a `with` block.

    Entering runs the handshake (raising `WebSocketDenied` when the app refuses it); inside,
    `send_*` and `receive_*` exchange messages; leaving closes the socket (code 1000) if it
    is open and waits for the app's coroutine to end, so the handler's `finally` has run. An
    exception raised by the app comes out of the call that meets it (`receive_*`, `send_*`,
    `close`, or leaving the block).

    Example:
        with client.websocket_connect("/api/chat", subprotocols=["chat"]) as ws:
            ws.send_text("hi")
            assert ws.receive_text() == "hi"
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        app: ASGIApp,
        run: _Runner,
        jar: httpx.Cookies,
        request: httpx.Request,
        subprotocols: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Prepare the upgrade of `request`'s URL; nothing runs before `__enter__`."""
        self._app = app
        self._run = run
        self._jar = jar
        self._request = request
        self._key = base64.b64encode(secrets.token_bytes(16)).decode()
        self._scope = handshake_scope(request, subprotocols, self._key, headers or {})
        self._subprotocol: str | None = None
        self._headers = httpx.Headers()
        # What the test has seen of the close: the app's close, or its own close().
        self._closed: WebSocketClosed | None = None
        self._raised: BaseException | None = None
        # Loop side: touched only by coroutines running on the client's loop.
        # NOTE: an asyncio.Queue binds to the loop that first waits on it: the client's.
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._state: _AppState = "connecting"
        self._client_gone = False

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the app accepted, or None."""
        return self._subprotocol

    @property
    def headers(self) -> httpx.Headers:
        """The headers of the handshake's 101 response (the app's `websocket.accept` ones)."""
        return self._headers

    # --- the with block ----------------------------------------------------------------------

    def __enter__(self) -> WebSocketTestSession:
        """Run the handshake; raise `WebSocketDenied` when the app refuses it."""
        self._run(self._start())
        self._run(self._handshake())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the socket if it is open and wait for the app's coroutine to end."""
        if error is None:
            self.close()
            return
        # NOTE: the test's own error wins; what the app did on the way out goes in a note.
        try:
            self.close()
        except Exception as cleanup:  # noqa: BLE001 - attached to the error in flight
            error.add_note(f"and while closing the WebSocket: {cleanup!r}")

    # --- sending -----------------------------------------------------------------------------

    def send_text(self, data: str) -> None:
        """Send a text message."""
        self._send({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        self._send({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any) -> None:
        """Send `data` as JSON in a text message."""
        self.send_text(orjson.dumps(data).decode())

    def _send(self, message: Message) -> None:
        if self._closed is not None:
            raise self._closed
        self._run(self._to_app(message))

    # --- receiving ---------------------------------------------------------------------------

    def receive(self, timeout: float = SAFETY_TIMEOUT) -> Message:
        """The app's next `websocket.send` message, as the ASGI dict.

        Args:
            timeout: A safety net: seconds to wait before failing with TimeoutError.

        Raises:
            WebSocketClosed: The app closed the socket (or it was already closed).
        """
        if self._closed is not None:
            raise self._closed
        return self._run(self._receive(timeout))

    def receive_text(self, timeout: float = SAFETY_TIMEOUT) -> str:
        """The next message, which must be text."""
        message = self.receive(timeout)
        text = message.get("text")
        if text is None:
            raise TypeError(f"expected a text message, got bytes: {message.get('bytes')!r}")
        return str(text)

    def receive_bytes(self, timeout: float = SAFETY_TIMEOUT) -> bytes:
        """The next message, which must be binary."""
        message = self.receive(timeout)
        data = message.get("bytes")
        if data is None:
            raise TypeError(f"expected a binary message, got text: {message.get('text')!r}")
        return bytes(data)

    def receive_json(self, timeout: float = SAFETY_TIMEOUT) -> Any:
        """The next message (text or binary) parsed as JSON."""
        message = self.receive(timeout)
        text: str | None = message.get("text")
        return orjson.loads(message["bytes"] if text is None else text)

    # --- closing -----------------------------------------------------------------------------

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket (the app receives `websocket.disconnect`) and wait for the app.

        Safe to call when the socket is already closed: it then only waits for the app.

        Raises:
            TimeoutError: The app's coroutine did not end within a few seconds (it is
                cancelled).
            Exception: What the app's coroutine raised, if it was not raised already.
        """
        if self._task is None:
            return
        if self._closed is None:
            self._closed = WebSocketClosed(code, reason)
        self._run(self._close(code, reason))

    # --- on the loop -------------------------------------------------------------------------

    async def _start(self) -> None:
        self._inbox.put_nowait({"type": "websocket.connect"})
        inbox = self._inbox

        async def receive() -> Message:
            return await inbox.get()

        self._task = asyncio.ensure_future(self._app(self._scope, receive, self._from_app))

    async def _from_app(self, message: Message) -> None:
        """The app's `send`: checks the message against the socket's state, as a server does."""
        kind = message["type"]
        if self._client_gone:
            raise _ClientGone(f"the WebSocket was closed by the client; cannot send {kind!r}")
        before = self._state
        self._state = _next_state(before, message)
        if self._state == "closed":
            # NOTE: as uvicorn does, the app's own close (or refusal) is echoed back to it.
            opened = before == "open"
            code = message.get("code", 1000) if opened else 1006
            reason = (message.get("reason") or "") if opened else ""
            self._inbox.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self._outbox.put_nowait(message)

    async def _to_app(self, message: Message) -> None:
        self._reraise()
        if self._state != "closed":  # after its close, a server drops what arrives
            self._inbox.put_nowait(message)

    async def _next(self, timeout: float, waiting_for: str) -> Message | None:
        """The app's next message, or None when its coroutine ended without one."""
        assert self._task is not None  # noqa: S101 - started
        if not self._outbox.empty():
            return self._outbox.get_nowait()
        if self._task.done():
            return None
        getter = asyncio.ensure_future(self._outbox.get())
        try:
            done, _ = await asyncio.wait(
                {getter, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            if not getter.done():
                getter.cancel()
        if not done:
            raise TimeoutError(
                f"the app sent no {waiting_for} within {timeout} s (the test client's safety "
                "net; pass timeout= to wait longer)"
            )
        return getter.result() if getter in done else None

    def _reraise(self) -> None:
        """Raise the app's exception, once, if its coroutine ended with one."""
        task = self._task
        if task is None or not task.done() or task.cancelled() or self._raised is not None:
            return
        error = task.exception()
        if error is not None and not isinstance(error, _ClientGone):
            self._raised = error
            raise error

    async def _handshake(self) -> None:
        message = await self._next(SAFETY_TIMEOUT, "answer to the handshake")
        if message is None:
            self._reraise()
            await self._refused(500, [], b"Internal Server Error", "the app returned first")
        elif message["type"] == "websocket.accept":
            self._accepted(message)
        elif message["type"] == "websocket.close":
            await self._refused(403, [], b"", "")
        else:
            await self._refused(message["status"], message.get("headers", []), await self._body())

    async def _body(self) -> bytes:
        """The body of a refusal, from the app's `websocket.http.response.body` messages."""
        chunks: list[bytes] = []
        while True:
            message = await self._next(SAFETY_TIMEOUT, "rest of its refusal")
            if message is None:
                self._reraise()
                raise RuntimeError("the app returned before finishing its handshake response")
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _accepted(self, message: Message) -> None:
        self._subprotocol = message.get("subprotocol")
        lines = [
            ("upgrade", "websocket"),
            ("connection", "Upgrade"),
            ("sec-websocket-accept", accept_key(self._key)),
        ]
        if self._subprotocol:
            lines.append(("sec-websocket-protocol", self._subprotocol))
        app_lines = [
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])
        ]
        self._headers = httpx.Headers(lines + app_lines)
        self._jar.extract_cookies(httpx.Response(101, headers=self._headers, request=self._request))

    async def _refused(
        self, status: int, headers: Sequence[tuple[bytes, bytes]], body: bytes, note: str = ""
    ) -> None:
        await self._finish(SAFETY_TIMEOUT)
        response = httpx.Response(
            status, headers=list(headers), content=body, request=self._request
        )
        self._jar.extract_cookies(response)
        self._closed = WebSocketClosed(1006)
        raise WebSocketDenied(response, note)

    async def _receive(self, timeout: float) -> Message:
        message = await self._next(timeout, "message")
        if message is None:
            self._reraise()
            # NOTE: an app that returns without closing drops the connection (1006).
            self._closed = WebSocketClosed(1006)
            raise self._closed
        if message["type"] == "websocket.close":
            self._closed = WebSocketClosed(message.get("code", 1000), message.get("reason") or "")
            raise self._closed
        return message

    async def _close(self, code: int, reason: str) -> None:
        if self._state != "closed" and not self._client_gone:
            self._client_gone = True
            self._inbox.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        await self._finish(SAFETY_TIMEOUT)

    async def _finish(self, timeout: float) -> None:
        """Wait for the app's coroutine to end; raise what it raised (once)."""
        assert self._task is not None  # noqa: S101 - started
        done, _ = await asyncio.wait({self._task}, timeout=timeout)
        if not done:
            self._task.cancel()
            raise TimeoutError(
                f"the app's coroutine did not end within {timeout} s of the WebSocket closing "
                "(it was cancelled; does it read websocket.disconnect?)"
            )
        self._reraise()


def _next_state(state: _AppState, message: Message) -> _AppState:
    """The socket's state after the app sends `message` in `state`; RuntimeError if illegal.

    The rules and messages are uvicorn's.
    """
    kind = message["type"]
    if state == "connecting":
        if kind == "websocket.accept":
            return "open"
        if kind == "websocket.close":
            return "closed"
        if kind == "websocket.http.response.start":
            status = message["status"]
            if not 100 <= status < 600:
                raise RuntimeError(f"Invalid HTTP status code '{status}' in response.")
            return "refusing"
        raise RuntimeError(
            "Expected ASGI message 'websocket.accept', 'websocket.close' or "
            f"'websocket.http.response.start' but got '{kind}'."
        )
    if state == "open":
        if kind == "websocket.send":
            return "open"
        if kind == "websocket.close":
            return "closed"
        raise RuntimeError(
            f"Expected ASGI message 'websocket.send' or 'websocket.close', but got '{kind}'."
        )
    if state == "refusing":
        if kind != "websocket.http.response.body":
            raise RuntimeError(
                f"Expected ASGI message 'websocket.http.response.body' but got '{kind}'."
            )
        return "refusing" if message.get("more_body", False) else "closed"
    raise RuntimeError(f"Unexpected ASGI message '{kind}', after sending 'websocket.close'.")
