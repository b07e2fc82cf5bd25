"""Internal: `Subscription`, what `subscribe()` returns: entered, then iterated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from approutes.channels.inbox import Inbox
from approutes.channels.runtime import current_hub

if TYPE_CHECKING:
    from types import TracebackType

    from approutes.channels.hub import Hub

__all__ = ["Subscription"]


class Subscription:
    """One subscription to a channel: `async with` it, then `async for` its messages.

    The subscription is active once `async with` has entered (with Redis: once the server
    confirmed it), so a message published after that reaches it. Leaving the block
    unsubscribes. Each message arrives as it was published: a `str` stays a `str`, `bytes`
    stay `bytes`.

    Messages wait in a queue of at most `max_pending`. When the reader falls that far
    behind, the subscription ends: the pending messages are dropped and the iteration
    raises `ChannelOverflow`. The iteration also ends (without an error) when the app shuts
    down.

    Example:
        async with subscribe("room:1") as messages:
            async for message in messages:
                await socket.send(message)
    """

    __slots__ = ("_hub", "_inbox", "max_pending", "name")

    def __init__(self, name: str, max_pending: int) -> None:
        """Prepare a subscription to `name`; `async with` makes it active."""
        self.name = name
        self.max_pending = max_pending
        self._hub: Hub | None = None
        self._inbox = Inbox(name, max_pending)

    def __repr__(self) -> str:
        """Show the channel, the bound and how many messages wait."""
        return (
            f"Subscription({self.name!r}, max_pending={self.max_pending}, "
            f"pending={len(self._inbox)})"
        )

    async def __aenter__(self) -> Self:
        """Subscribe; returns once messages published from now on reach this subscription.

        Raises:
            RuntimeError: the subscription was already entered once.
        """
        if self._hub is not None:
            raise RuntimeError(f"the subscription to {self.name!r} was already entered")
        hub = self._hub = current_hub()
        try:
            await hub.join(self.name, self._inbox)
        except BaseException:
            await hub.leave(self.name, self._inbox)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Unsubscribe, and drop what is still pending."""
        if self._hub is not None:
            self._inbox.close()
            await self._hub.leave(self.name, self._inbox)

    def __aiter__(self) -> Self:
        """The subscription is its own iterator."""
        return self

    async def __anext__(self) -> str | bytes:
        """The next message, waiting for one.

        Raises:
            ChannelOverflow: more than `max_pending` messages waited; the subscription ended.
            StopAsyncIteration: the app shut down, or the `async with` block was left.
            RuntimeError: the subscription was not entered with `async with`.
        """
        if self._hub is None:
            raise RuntimeError(
                f"enter the subscription to {self.name!r} first: "
                "async with subscribe(name) as messages: ..."
            )
        return await self._inbox.get()
