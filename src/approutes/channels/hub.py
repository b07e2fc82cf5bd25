"""Internal: the seam between `approutes.channels` and where its messages travel (a hub)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from approutes.channels.inbox import Inbox

__all__ = ["Hub"]


class Hub(Protocol):
    """Carries messages by channel name to the inboxes subscribed to it.

    `MemoryHub` reaches this process only; `RedisHub` every process sharing one Redis.
    Delivery is at most once: a hub may drop a message (Redis down, an inbox overflowing),
    never deliver it twice.
    """

    async def publish(self, name: str, message: str | bytes) -> None:
        """Send `message` to every inbox subscribed to `name`, here and elsewhere.

        Never raises because the backend is down: the message is dropped instead.
        """
        ...

    async def join(self, name: str, inbox: Inbox) -> None:
        """Subscribe `inbox` to `name`; returns once messages published from now on reach it."""
        ...

    async def leave(self, name: str, inbox: Inbox) -> None:
        """Unsubscribe `inbox` from `name` (nothing if it is not subscribed)."""
        ...

    async def close(self) -> None:
        """Stop: close connections and end every inbox (their iterations end)."""
        ...
