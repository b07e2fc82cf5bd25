"""AsgiBody: pulls the request body from `receive` under a byte limit (413 early)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from approutes.asgi.stall_watch import running_watch, stall_watch
from approutes.errors import BadRequest, ClientDisconnected, PayloadTooLarge, RequestTimeout

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from approutes.asgi.interface import Receive, Scope
    from approutes.asgi.stall_watch import StallWatch

__all__ = ["AsgiBody"]


class AsgiBody:
    """The BodySource of an ASGI request; the body can be consumed once."""

    __slots__ = (
        "_consumed",
        "_finished",
        "_receive",
        "_scope",
        "_stalled",
        "_task",
        "_watch",
        "_watched",
        "timeout",
    )

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        timeout: float = 30.0,
        watch: StallWatch | None = None,
    ) -> None:
        """Read from `receive`; `scope` gives the Content-Length when there is one.

        A body that sends nothing for `timeout` seconds is answered 408, by `watch` (the
        running loop's when None: stall_watch.py).
        """
        self._scope = scope
        self._receive = receive
        self.timeout = timeout
        self._watch = watch
        self._task: asyncio.Task[object] | None = None
        self._stalled = False
        self._consumed = False
        self._finished = False
        self._watched = False

    def claim_for_disconnect_watch(self) -> bool:
        """Whether `receive` is free to watch for the client going away; if so, take it.

        It is free once the body was read whole, or when the request has none (its body then
        reads as empty). While a body is unread a watch would take its bytes: not free.
        """
        if not self._finished:
            if self._consumed or self._has_body():
                return False
            self._watched = True
        return True

    async def wait_for_disconnect(self) -> None:
        """Return when the client has gone away (after `claim_for_disconnect_watch`)."""
        while (await self._receive())["type"] != "http.disconnect":
            pass

    async def read_all(self, limit: int) -> bytes:
        """Return the whole body.

        Raises:
            PayloadTooLarge: Content-Length or the bytes received pass `limit`; nothing past
                the limit is buffered.
            RequestTimeout: the client sent nothing for the body timeout.
            ClientDisconnected: the client went away mid-body.
        """
        if self._begin(limit):
            return b""
        body, more = await self._next_message(0, limit)
        if not more:
            # PERF: most bodies arrive in one message (bench S4).
            return body
        parts = [body]
        received = len(body)
        while more:
            chunk, more = await self._next_message(received, limit)
            received += len(chunk)
            parts.append(chunk)
        return b"".join(parts)

    async def chunks(self, limit: int) -> AsyncIterator[bytes]:
        """Yield the body as it arrives.

        Raises:
            PayloadTooLarge: past `limit` bytes.
            ClientDisconnected: the client went away mid-body.
        """
        if self._begin(limit):
            return
        received = 0
        more = True
        while more:
            chunk, more = await self._next_message(received, limit)
            received += len(chunk)
            if chunk:
                yield chunk

    def _begin(self, limit: int) -> bool:
        """Start reading; True if there is nothing to read (the disconnect watch took it)."""
        if self._watched:
            return True
        if self._consumed:
            raise BadRequest("The request body was already read")
        self._consumed = True
        # NOTE: ASGI servers give header names lower-cased. PERF: a loop here, no call.
        for name, value in self._scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    raise BadRequest("Content-Length is not a number") from None
                if declared > limit:
                    raise PayloadTooLarge
                break
        return False

    async def _next_message(self, received: int, limit: int) -> tuple[bytes, bool]:
        # SECURITY: a client that stalls mid-body cannot hold the request open forever.
        # PERF: the loop's one StallWatch, not a timer armed and cancelled per message
        # (asyncio's call_later + cancel cost ~4k instructions; callgrind, bench S4, S8).
        # PERF: the loop asked once: on 3.11 each ask is a getpid() system call (strace).
        # PERF: the watch's entry made in place, see StallWatch (callgrind, bench S4).
        loop = asyncio.get_running_loop()
        watch = self._watch
        if watch is None:
            watch = self._watch = running_watch(loop) or stall_watch(loop, self.timeout)
        self._task = asyncio.current_task(loop)
        watch.reads[self] = watch.sweeps
        if not watch.armed:
            watch.arm()
        try:
            message = await self._receive()
        except asyncio.CancelledError:
            if not self._stalled or self._task is None:
                raise
            self._task.uncancel()
            raise RequestTimeout from None
        finally:
            watch.reads.pop(self, None)
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk: bytes = message.get("body", b"")
        if received + len(chunk) > limit:
            raise PayloadTooLarge
        more: bool = message.get("more_body", False)
        self._finished = not more
        return chunk, more

    def stall(self) -> None:
        """The watch's call: the client sent nothing for `timeout` seconds (a 408)."""
        self._stalled = True
        if self._task is not None:
            self._task.cancel()

    def _has_body(self) -> bool:
        for name, value in self._scope["headers"]:
            if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
                return True
        return False
