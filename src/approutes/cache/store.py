"""The interface every cache store implements, and the entry it keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["CacheEntry", "CacheStore"]


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One cached value.

    Attributes:
        value: The payload, opaque to the store (a serialised response or function result).
        tags: Tags that invalidate it (`revalidate_tag`); a route's entry also carries the
            implicit tag of its path.
        created: When it was made, by the clock of the cache that made it (`time.time()`
            unless a test gave the cache another).
        revalidate: Seconds after `created` when it turns stale, or None for never.
    """

    value: bytes
    tags: tuple[str, ...]
    created: float
    revalidate: float | None

    def turned_stale(self) -> CacheEntry:
        """This entry, stale from now on (its tag was marked stale after it was made)."""
        return CacheEntry(self.value, self.tags, self.created, 0.0)

    def is_stale(self, now: float) -> bool:
        """Whether `revalidate` seconds have passed since it was made."""
        return self.revalidate is not None and now - self.created >= self.revalidate


class CacheStore(Protocol):
    """Where cached entries live: one process (memory), one machine (files), many (Redis).

    Every method may raise OSError (or the client library's error) when the store is
    unreachable; the caller degrades to not caching.
    """

    async def get(self, key: str) -> CacheEntry | None:
        """Return the entry under `key`, or None.

        None also when a tag of the entry was invalidated after it was made.
        """
        ...

    async def set(self, key: str, entry: CacheEntry) -> None:
        """Store `entry` under `key`, replacing any other."""
        ...

    async def invalidate_tags(
        self, tags: Iterable[str], now: float | None = None, *, stale: bool = False
    ) -> None:
        """Make every entry carrying one of `tags` and made until `now` missing.

        With `stale`, such entries turn stale instead: `get` returns them with `revalidate`
        0, so they are served while one regeneration runs (Next's `revalidateTag(tag,
        profile)`). For every process and instance sharing the store, from the next `get`
        on. `now` is the time by the clock the entries were made by (the cache's);
        `time.time()` if None.
        """
        ...

    async def acquire(self, key: str, ttl: float) -> bool:
        """Take the regeneration lock of `key` for at most `ttl` seconds.

        False if another holder (in any process sharing the store) has it.
        """
        ...

    async def release(self, key: str) -> None:
        """Give back the regeneration lock of `key`."""
        ...

    async def close(self) -> None:
        """Release connections and files."""
        ...
