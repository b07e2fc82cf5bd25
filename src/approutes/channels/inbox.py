"""Internal: one subscription's bounded queue of messages, filled by a hub, read by its owner."""

from __future__ import annotations

import asyncio
from collections import deque
from enum import Enum

from approutes.errors import ChannelOverflow

__all__ = ["Inbox"]


class _State(Enum):
    OPEN = "open"
    OVERFLOWED = "overflowed"
    CLOSED = "closed"


class Inbox:
    """The messages of one subscription not yet read: at most `limit`, then it overflows.

    A hub calls `put` (never awaits: one slow reader cannot hold up the others); the owner
    awaits `get`. When a `put` finds `limit` messages pending, the inbox drops them and
    overflows: `get` raises ChannelOverflow from then on, and later `put`s are ignored.
    `close` (the hub shutting down) lets `get` return what is pending, then end.

    Args:
        name: The channel, for the overflow's message.
        limit: How many messages may wait, at least 1.
    """

    __slots__ = ("_items", "_state", "_waiter", "limit", "name")

    def __init__(self, name: str, limit: int) -> None:
        """An open, empty inbox."""
        self.name = name
        self.limit = limit
        self._items: deque[str | bytes] = deque()
        self._state = _State.OPEN
        self._waiter: asyncio.Future[None] | None = None

    def __repr__(self) -> str:
        """Show the channel, the pending count and the state."""
        return f"Inbox({self.name!r}, pending={len(self._items)}, {self._state.value})"

    def __len__(self) -> int:
        """The number of messages pending."""
        return len(self._items)

    def put(self, message: str | bytes) -> None:
        """Queue `message`; overflow instead when `limit` messages are already pending."""
        if self._state is not _State.OPEN:
            return
        if len(self._items) >= self.limit:
            # NOTE: the pending messages go too: the reader could not keep up, and holding
            # them until it notices would keep the memory the bound exists to protect.
            self._items.clear()
            self._state = _State.OVERFLOWED
        else:
            self._items.append(message)
        self._wake()

    def close(self) -> None:
        """End the inbox: `get` returns the messages pending, then raises StopAsyncIteration."""
        if self._state is _State.OPEN:
            self._state = _State.CLOSED
            self._wake()

    async def get(self) -> str | bytes:
        """The next message, waiting for one.

        Raises:
            ChannelOverflow: the inbox overflowed.
            StopAsyncIteration: it was closed and nothing is pending.
        """
        while not self._items:
            if self._state is _State.OVERFLOWED:
                raise ChannelOverflow(self.name, self.limit)
            if self._state is _State.CLOSED:
                raise StopAsyncIteration
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                self._waiter = None
        if self._state is _State.OVERFLOWED:  # pragma: no cover - put() empties it first
            raise ChannelOverflow(self.name, self.limit)
        return self._items.popleft()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
