"""Internal: the hub of one process: a dict from channel name to the inboxes subscribed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from approutes.channels.inbox import Inbox

__all__ = ["MemoryHub"]


class MemoryHub:
    """Delivers messages to the subscriptions of this process only (the default).

    With several worker processes or instances, each has its own: use Redis to reach them all.

    Example:
        hub = MemoryHub()
    """

    def __init__(self) -> None:
        """No subscriptions yet."""
        self._channels: dict[str, set[Inbox]] = {}

    def __repr__(self) -> str:
        """Say how many channels have subscribers."""
        return f"MemoryHub(channels={len(self._channels)})"

    async def publish(self, name: str, message: str | bytes) -> None:
        """Put `message` in the inbox of every subscription to `name`."""
        for inbox in tuple(self._channels.get(name, ())):
            inbox.put(message)

    async def join(self, name: str, inbox: Inbox) -> None:
        """Subscribe `inbox` to `name`, at once."""
        self._channels.setdefault(name, set()).add(inbox)

    async def leave(self, name: str, inbox: Inbox) -> None:
        """Unsubscribe `inbox`; a channel without subscribers is forgotten."""
        inboxes = self._channels.get(name)
        if inboxes is not None:
            inboxes.discard(inbox)
            if not inboxes:
                del self._channels[name]

    async def close(self) -> None:
        """End every subscription and forget them."""
        channels, self._channels = self._channels, {}
        for inboxes in channels.values():
            for inbox in inboxes:
                inbox.close()

    def subscriber_count(self, name: str) -> int:
        """How many subscriptions `name` has in this process."""
        return len(self._channels.get(name, ()))
