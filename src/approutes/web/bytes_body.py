"""BytesBody: a request body already in memory (tests, static renders), with the same limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.errors import BadRequest, PayloadTooLarge

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["BytesBody"]


class BytesBody:
    """A BodySource over `content`; like a socket's, it can be read once."""

    __slots__ = ("_consumed", "_content")

    def __init__(self, content: bytes = b"") -> None:
        """Serve `content` as the body."""
        self._content = content
        self._consumed = False

    async def read_all(self, limit: int) -> bytes:
        """Return the whole body.

        Raises:
            PayloadTooLarge: it is over `limit` bytes.
            BadRequest: it was already read.
        """
        self._take(limit)
        return self._content

    async def chunks(self, limit: int) -> AsyncIterator[bytes]:
        """Yield the body as one chunk (none when empty)."""
        self._take(limit)
        if self._content:
            yield self._content

    def _take(self, limit: int) -> None:
        if self._consumed:
            raise BadRequest("The request body was already read")
        self._consumed = True
        if len(self._content) > limit:
            raise PayloadTooLarge
