"""WebSocket: the socket a route's GET is offered on an upgrade; accept it, then talk.

A GET handler that takes a parameter annotated `WebSocket` serves WebSocket connections at
its URL, after the same front half as any request (rules, `proxy.py`, auth helpers,
`cookies()`). It refuses by returning (or raising) an ordinary response, or accepts:

    async def GET(request: NextRequest, socket: WebSocket) -> None:
        await socket.accept()
        async for message in socket:
            await socket.send(message)

Limits apply as for bodies: a message over the size limit closes the socket with 1009, a
socket that receives nothing for the idle timeout is closed with 1000 ("idle timeout").
`send` waits while the client is slow to read (the server's write buffer is bounded), so a
client that never reads holds its sender, not the server's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, Literal

import orjson

from approutes.errors import WebSocketDisconnect
from approutes.web.headers import Headers
from approutes.web.json_codec import dumps

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Mapping

    from approutes.web.cookies import RequestCookies
    from approutes.web.request import NextRequest

__all__ = ["SocketState", "WebSocket"]

SocketState = Literal["connecting", "open", "closed"]


class WebSocket:
    """One WebSocket connection, offered to the route's GET handler.

    Attributes:
        request: The upgrade request (its headers, cookies, URL).
        params: The route's params (`{"room": "lobby"}` for `app/ws/[room]/route.py`).
        subprotocols: The subprotocols the client offered, in its order.
        state: "connecting" until accepted, "open", then "closed".
        close_code: The code the socket was closed with (None while it is not closed).
    """

    __slots__ = (
        "_clock",
        "_handshake",
        "_idle_timer",
        "_last_received",
        "_receive",
        "_send",
        "_tasks",
        "close_code",
        "idle_timeout",
        "message_size_limit",
        "params",
        "request",
        "state",
        "subprotocol",
        "subprotocols",
    )

    def __init__(
        self,
        request: NextRequest,
        receive: Callable[[], Awaitable[Mapping[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
        *,
        subprotocols: tuple[str, ...] = (),
        message_size_limit: int = 1024 * 1024,
        idle_timeout: float | None = None,
        handshake: Callable[[Headers], list[tuple[bytes, bytes]]] | None = None,
    ) -> None:
        """Wrap the ASGI `receive` and `send` of one websocket scope (the entrypoint does)."""
        self.request = request
        self._receive = receive
        self._send = send
        self._handshake = handshake
        self.subprotocols = subprotocols
        self.message_size_limit = message_size_limit
        self.idle_timeout = idle_timeout
        self.params: dict[str, str | list[str]] = {}
        self.state: SocketState = "connecting"
        self.subprotocol: str | None = None
        self.close_code: int | None = None
        self._last_received = 0.0
        self._idle_timer: asyncio.TimerHandle | None = None
        # The event loop's clock while an idle timeout runs (PERF: one call per message).
        self._clock: Callable[[], float] | None = None
        self._tasks: set[asyncio.Task[None]] | None = None

    @property
    def cookies(self) -> RequestCookies:
        """The cookies of the upgrade request."""
        return self.request.cookies

    async def accept(
        self, subprotocol: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        """Complete the handshake (101), choosing `subprotocol` and adding `headers`.

        `cookies().set()` made so far, middleware's headers and `[[headers]]` rules are sent
        with the handshake, as on any response.

        Raises:
            RuntimeError: the socket was accepted or closed already.
            ValueError: `subprotocol` is not one the client offered.
        """
        if self.state != "connecting":
            raise RuntimeError(f"the WebSocket is {self.state}; it can be accepted once")
        if subprotocol is not None and subprotocol not in self.subprotocols:
            offered = ", ".join(self.subprotocols) or "none"
            raise ValueError(f"subprotocol {subprotocol!r} was not offered (offered: {offered})")
        lines = self._handshake(Headers(headers)) if self._handshake is not None else []
        self._handshake = None  # NOTE: done with; it refers back to the request's state
        message: dict[str, Any] = {"type": "websocket.accept", "headers": lines}
        if subprotocol is not None:
            message["subprotocol"] = subprotocol
        await self._send(message)
        self.state = "open"
        self.subprotocol = subprotocol
        if self.idle_timeout is not None:
            loop = asyncio.get_running_loop()
            self._clock = loop.time
            self._last_received = loop.time()
            self._idle_timer = loop.call_later(self.idle_timeout, self._check_idle)

    async def receive(self) -> str | bytes:
        """The next message: a `str` for a text frame, `bytes` for a binary one.

        Raises:
            WebSocketDisconnect: the socket is closed (the client left, a message was over
                the size limit (1009), the idle timeout passed, the server is stopping).
            RuntimeError: the socket was not accepted.
        """
        if self.state != "open":
            if self.state == "closed":
                raise WebSocketDisconnect(self.close_code or 1006)
            raise RuntimeError("accept the WebSocket before receiving")
        message = await self._receive()
        kind = message["type"]
        if kind == "websocket.receive":
            if self._clock is not None:
                self._last_received = self._clock()
            text = message.get("text")
            data: str | bytes = text if text is not None else message.get("bytes") or b""
            limit = self.message_size_limit
            # PERF: a text's UTF-8 length is between len and 4 * len: encode only in between.
            if len(data) * 4 > limit and (
                len(data) > limit or len(data.encode() if isinstance(data, str) else data) > limit
            ):
                await self.close(1009, "message too big")
                raise WebSocketDisconnect(1009, "message too big")
            return data
        if kind == "websocket.disconnect":
            self._closed(message.get("code", 1005))
            raise WebSocketDisconnect(self.close_code or 1005, message.get("reason") or "")
        raise RuntimeError(f"unexpected ASGI message {kind!r}")

    async def receive_json(self) -> Any:
        """The next message, parsed as JSON.

        Raises:
            WebSocketDisconnect: the socket is closed; a message that is not JSON closes it
                with 1007 ("invalid JSON").
        """
        message = await self.receive()
        try:
            return orjson.loads(message)
        except orjson.JSONDecodeError:
            await self.close(1007, "invalid JSON")
            raise WebSocketDisconnect(1007, "invalid JSON") from None

    async def send(self, data: str | bytes) -> None:
        """Send a text (`str`) or binary (`bytes`) message.

        Waits while the client is slow to read: the server buffers a bounded amount.

        Raises:
            WebSocketDisconnect: the socket is closed, or the client is gone.
            RuntimeError: the socket was not accepted.
        """
        if self.state != "open":
            if self.state == "closed":
                raise WebSocketDisconnect(self.close_code or 1006)
            raise RuntimeError("accept the WebSocket before sending")
        message: dict[str, Any] = {"type": "websocket.send"}
        if isinstance(data, str):
            message["text"] = data
        else:
            message["bytes"] = bytes(data)
        try:
            await self._send(message)
        except Exception as exc:
            self._closed(1006)
            raise WebSocketDisconnect(1006) from exc

    async def send_json(self, data: Any) -> None:
        """Send `data` as JSON, in a text message."""
        await self.send(dumps(data).decode())

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket with `code` and `reason` (before `accept`: refuse it, a 403).

        Closing a closed socket does nothing.
        """
        if self.state == "closed":
            return
        self._closed(code)
        # NOTE: a client already gone: the socket is closed all the same.
        with contextlib.suppress(Exception):
            await self._send({"type": "websocket.close", "code": code, "reason": reason})

    def __aiter__(self) -> WebSocket:
        """Iterate over the messages until the socket closes."""
        return self

    async def __anext__(self) -> str | bytes:
        """The next message; the iteration ends when the socket closes."""
        try:
            return await self.receive()
        except WebSocketDisconnect:
            raise StopAsyncIteration from None

    def run_while_open(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` beside the handler until it ends or the socket is done with.

        For what feeds the socket from elsewhere (a channel's messages); the task is
        cancelled when the handler returns.
        """
        if self._tasks is None:
            self._tasks = set()
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def end(self) -> None:
        """After the handler returned: stop the work beside it, close the socket if open."""
        if self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self.state == "open":
            await self.close(1000)
        self._closed(self.close_code or 1000)

    def _closed(self, code: int) -> None:
        if self.state != "closed":
            self.state = "closed"
            self.close_code = code
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _check_idle(self) -> None:
        """The idle timer fired: close an idle socket, or wait for the rest of the timeout.

        PERF: one timer per socket, re-armed only when it fires; a message costs a clock read.
        """
        timeout = self.idle_timeout
        if self.state != "open" or timeout is None:
            return
        loop = asyncio.get_running_loop()
        quiet = loop.time() - self._last_received
        if quiet >= timeout:
            self._idle_timer = None
            self.run_while_open(self.close(1000, "idle timeout"))
        else:
            self._idle_timer = loop.call_later(timeout - quiet, self._check_idle)
