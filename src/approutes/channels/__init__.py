"""Channels: publish and subscribe by name, in this process or across instances through Redis.

A message published to a channel reaches every subscription to that name, on every
instance sharing the backend (the `channels` setting: `"memory"`, the default, is this
process only; `"redis"` or a Redis URL spans instances). Delivery is at most once: messages
published while Redis is down are dropped, and a subscription that falls `max_pending`
messages behind ends with `ChannelOverflow`.

Example:
    from approutes.channels import publish, subscribe

    async def POST(request):
        await publish("room:1", await request.text())
        return {"sent": True}

    async def relay(socket):
        async with subscribe("room:1") as messages:
            async for message in messages:   # str or bytes, as published
                await socket.send(message)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.channels.runtime import current_hub, hub_for, use_hub
from approutes.channels.subscription import Subscription
from approutes.errors import ChannelOverflow

if TYPE_CHECKING:
    from approutes.channels.hub import Hub

__all__ = ["ChannelOverflow", "Subscription", "publish", "subscribe", "use_channels"]


async def publish(name: str, message: str | bytes) -> None:
    """Send `message` to every subscription to `name`, on every instance sharing the backend.

    Returns once the message is handed over (to the local subscriptions, or to Redis); it
    does not wait for subscribers to read it. A `str` arrives as a `str`, `bytes` as
    `bytes`. While Redis is down the message is dropped, without an exception (one warning
    is logged per outage).

    Args:
        name: The channel, any non-empty string (`"room:1"`, `"user:42:notifications"`).
        message: Text or bytes.

    Raises:
        TypeError: `message` is neither `str` nor `bytes`.
        ValueError: `name` is empty.

    Example:
        await publish("room:1", "hello")
    """
    _check_name(name)
    if not isinstance(message, str | bytes):
        raise TypeError(f"a channel message is str or bytes, not {type(message).__name__}")
    await current_hub().publish(name, message)


def subscribe(name: str, *, max_pending: int = 256) -> Subscription:
    """A subscription to `name`, active once entered with `async with`.

    Args:
        name: The channel, any non-empty string.
        max_pending: How many messages may wait for this subscription to read them; one
            more ends it with `ChannelOverflow`, so a slow reader never grows memory.

    Returns:
        The `Subscription`; iterate it inside the `async with` block.

    Raises:
        ValueError: `name` is empty or `max_pending` is below 1.

    Example:
        async with subscribe("room:1", max_pending=100) as messages:
            async for message in messages:
                print(message)
    """
    _check_name(name)
    if isinstance(max_pending, bool) or max_pending < 1:
        raise ValueError(f"max_pending is a number of messages of at least 1, not {max_pending!r}")
    return Subscription(name, max_pending)


def use_channels(backend: str = "memory") -> Hub:
    """Choose where this process's channels travel; create_app calls it from the settings.

    Call it yourself only outside an app served by approutes, such as a worker script that
    publishes to the sockets of the app's instances. The previous backend is not closed.

    Args:
        backend: `"memory"` (this process only) or a `redis://`, `rediss://` or `unix://`
            URL (every process using that Redis server).

    Returns:
        The hub now in use; `await hub.close()` when done, to close its connections.

    Raises:
        MissingExtraError: a Redis URL, and the `redis` package is not installed.
        ValueError: `backend` is neither form.

    Example:
        hub = use_channels("redis://cache.internal:6379/0")
        await publish("news", "deployed")
        await hub.close()
    """
    return use_hub(hub_for(backend))


def _check_name(name: str) -> None:
    if not name:
        raise ValueError(f"a channel name is a non-empty string, not {name!r}")
