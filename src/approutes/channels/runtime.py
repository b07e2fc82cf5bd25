"""Internal: the hub of this process, which `publish` and `subscribe` use (create_app sets it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.channels.memory_hub import MemoryHub

if TYPE_CHECKING:
    from approutes.channels.hub import Hub

__all__ = ["current_hub", "hub_for", "use_hub"]

_current: Hub | None = None


def use_hub(hub: Hub) -> Hub:
    """Make `hub` the one `publish` and `subscribe` use in this process, and return it."""
    global _current  # one hub per process, set at start-up
    _current = hub
    return hub


def current_hub() -> Hub:
    """The hub of this process; a memory hub when none was set."""
    if _current is None:
        return use_hub(MemoryHub())
    return _current


def hub_for(backend: str) -> Hub:
    """A new hub for `backend`: `"memory"`, or a `redis://`, `rediss://` or `unix://` URL.

    Raises:
        MissingExtraError: a Redis URL while the `redis` package is not installed.
        ValueError: `backend` is neither.
    """
    if backend == "memory":
        return MemoryHub()
    if backend.startswith(("redis://", "rediss://", "unix://")):
        from approutes.channels.redis_hub import RedisHub  # noqa: PLC0415 - only for Redis

        return RedisHub(backend)
    raise ValueError(
        f'unknown channels backend {backend!r}; use "memory" or a redis://, rediss:// '
        "or unix:// URL"
    )
