"""AsgiBody: pulls the request body from `receive` under a byte limit (413 early)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.errors import BadRequest, PayloadTooLarge

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from approutes.asgi.interface import Receive, Scope

__all__ = ["AsgiBody", "ClientDisconnected"]


class ClientDisconnected(Exception):
    """The client went away before the body was read."""


class AsgiBody:
    """The BodySource of an ASGI request; the body can be consumed once."""

    __slots__ = ("_consumed", "_receive", "_scope")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        """Read from `receive`; `scope` gives the Content-Length when there is one."""
        self._scope = scope
        self._receive = receive
        self._consumed = False

    async def read_all(self, limit: int) -> bytes:
        """Return the whole body.

        Raises:
            PayloadTooLarge: Content-Length or the bytes received pass `limit`; nothing past
                the limit is buffered.
        """
        return b"".join([chunk async for chunk in self.chunks(limit)])

    async def chunks(self, limit: int) -> AsyncIterator[bytes]:
        """Yield the body as it arrives.

        Raises:
            PayloadTooLarge: past `limit` bytes.
            ClientDisconnected: the client went away mid-body.
        """
        if self._consumed:
            raise BadRequest("The request body was already read")
        self._consumed = True
        declared = self._content_length()
        if declared is not None and declared > limit:
            raise PayloadTooLarge
        received = 0
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected
            chunk: bytes = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                raise PayloadTooLarge
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return

    def _content_length(self) -> int | None:
        for name, value in self._scope["headers"]:
            if name.lower() == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    raise BadRequest("Content-Length is not a number") from None
        return None
