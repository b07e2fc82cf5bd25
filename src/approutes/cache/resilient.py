"""Internal: a cache store wrapper that turns an unreachable store into "no cache", not a 500."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from approutes.cache.store import CacheEntry, CacheStore

__all__ = ["ResilientStore", "cache_log"]

cache_log = logging.getLogger("approutes.cache")
"""Where the cache stores log their outages and recoveries."""


class ResilientStore:
    """Wraps a store so that its failures degrade caching instead of failing requests.

    Any exception from `inner` (OSError, ConnectionError, the client library's errors,
    timeouts, bugs) is logged once per outage as a warning, and the call degrades: `get`
    returns None, `set`, `invalidate_tags` and `release` do nothing, `acquire` returns True
    so the caller just renders. After a failure the inner store is left alone for
    `retry_after` seconds, so a down server costs each request nothing rather than a
    connection timeout; the first call after that tries again, and the first success is
    logged once ("... is back").

    Args:
        inner: The store to protect.
        name: How messages name it: a path or a URL without its password.
        retry_after: Seconds to skip the inner store after a failure.

    Example:
        store = ResilientStore(RedisStore(url), "redis://cache:6379")
    """

    def __init__(self, inner: CacheStore, name: str, *, retry_after: float = 1.0) -> None:
        """Wrap `inner`, healthy until shown otherwise."""
        self.inner = inner
        self.name = name
        self.retry_after = retry_after
        self._down = False
        self._skip_until = 0.0

    def __repr__(self) -> str:
        """Show the wrapped store."""
        return f"ResilientStore({self.inner!r})"

    @property
    def is_down(self) -> bool:
        """Whether the last call to the inner store failed."""
        return self._down

    async def get(self, key: str) -> CacheEntry | None:
        """The inner store's entry; None while it fails."""
        if self._skipping():
            return None
        try:
            entry = await self.inner.get(key)
        except Exception as exc:  # noqa: BLE001 - any failure means "no cache", never a 500
            self._failed(exc)
            return None
        self._worked()
        return entry

    async def set(self, key: str, entry: CacheEntry) -> None:
        """Store through the inner store; nothing while it fails."""
        if self._skipping():
            return
        try:
            await self.inner.set(key, entry)
        except Exception as exc:  # noqa: BLE001 - see get
            self._failed(exc)
            return
        self._worked()

    async def invalidate_tags(
        self, tags: Iterable[str], now: float | None = None, *, stale: bool = False
    ) -> None:
        """Invalidate through the inner store; nothing while it fails.

        NOTE: an invalidation lost during an outage is not replayed: the entries it meant
        expire by their `revalidate`, or by the next invalidation once the store is back.
        """
        tags = tuple(tags)
        if not tags or self._skipping():
            return
        try:
            await self.inner.invalidate_tags(tags, now, stale=stale)
        except Exception as exc:  # noqa: BLE001 - see get
            self._failed(exc)
            return
        self._worked()

    async def acquire(self, key: str, ttl: float) -> bool:
        """The inner store's answer; True while it fails, so the caller renders."""
        if self._skipping():
            return True
        try:
            taken = await self.inner.acquire(key, ttl)
        except Exception as exc:  # noqa: BLE001 - see get
            self._failed(exc)
            return True
        self._worked()
        return taken

    async def release(self, key: str) -> None:
        """Release through the inner store; nothing while it fails (the lock's ttl ends it)."""
        if self._skipping():
            return
        try:
            await self.inner.release(key)
        except Exception as exc:  # noqa: BLE001 - see get
            self._failed(exc)
        # NOTE: no _worked() here: releasing a lock never taken (acquire said True while the
        # store was down) need not reach the store, so it proves nothing about it.

    async def close(self) -> None:
        """Close the inner store; a failure to close is logged at debug level only."""
        try:
            await self.inner.close()
        except Exception as exc:  # noqa: BLE001 - closing at shutdown must not fail it
            cache_log.debug("closing cache store %s failed: %s", self.name, exc)

    def _skipping(self) -> bool:
        return self._down and time.monotonic() < self._skip_until

    def _failed(self, exc: Exception) -> None:
        self._skip_until = time.monotonic() + self.retry_after
        if not self._down:
            self._down = True
            cache_log.warning(
                "cache store %s unreachable; serving without cache: %s",
                self.name,
                _describe(exc),
            )

    def _worked(self) -> None:
        if self._down:
            self._down = False
            cache_log.info("cache store %s is back; caching again", self.name)


def _describe(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
