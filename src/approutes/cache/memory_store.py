"""Internal: the cache store of one process, an LRU bounded by entry count and value bytes."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from approutes.cache.store import CacheEntry

__all__ = ["MemoryStore"]

_DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class MemoryStore:
    """Keeps entries in this process's memory; what `dev` uses, and `cache = "memory"`.

    The least recently used entries go first once there are more than `max_entries` of them
    or their values add up to more than `max_bytes`; a value larger than `max_bytes` on its
    own is not kept. Nothing is shared with other processes, and nothing survives a restart.

    Args:
        max_entries: How many entries to keep at most.
        max_bytes: How many bytes of values to keep at most (tags and keys not counted).

    Example:
        store = MemoryStore(max_entries=500)
        await store.set("/api/posts", CacheEntry(b"[]", ("posts",), time.time(), 60))
    """

    def __init__(self, max_entries: int = 1000, max_bytes: int = _DEFAULT_MAX_BYTES) -> None:
        """Start empty, with the given bounds."""
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("MemoryStore bounds must be positive")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, CacheEntry] = OrderedDict()
        self._bytes = 0
        self._tag_times: dict[str, float] = {}
        self._stale_times: dict[str, float] = {}
        self._lock_expiries: dict[str, float] = {}

    @property
    def size_bytes(self) -> int:
        """Bytes of values kept now."""
        return self._bytes

    def __len__(self) -> int:
        """How many entries are kept now."""
        return len(self._entries)

    async def get(self, key: str) -> CacheEntry | None:
        """Return the entry under `key` (now the most recently used), or None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        stale = False
        for tag in entry.tags:
            invalidated = self._tag_times.get(tag)
            if invalidated is not None and invalidated >= entry.created:
                self._drop(key)
                return None
            marked = self._stale_times.get(tag)
            stale = stale or (marked is not None and marked >= entry.created)
        self._entries.move_to_end(key)
        return entry.turned_stale() if stale else entry

    async def set(self, key: str, entry: CacheEntry) -> None:
        """Keep `entry` under `key`, then evict the least recently used over the bounds."""
        self._drop(key)
        size = len(entry.value)
        if size > self.max_bytes:
            return
        self._entries[key] = entry
        self._bytes += size
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.value)

    async def invalidate_tags(
        self, tags: Iterable[str], now: float | None = None, *, stale: bool = False
    ) -> None:
        """Make entries carrying any of `tags`, made until `now` (default: now), missing.

        With `stale`, make them stale instead.
        """
        stamp = time.time() if now is None else now
        times = self._stale_times if stale else self._tag_times
        for tag in tags:
            times[tag] = stamp

    async def acquire(self, key: str, ttl: float) -> bool:
        """Take the lock of `key` unless it is held and younger than its own ttl."""
        now = time.monotonic()
        expiry = self._lock_expiries.get(key)
        if expiry is not None and expiry > now:
            return False
        self._lock_expiries[key] = now + ttl
        return True

    async def release(self, key: str) -> None:
        """Give back the lock of `key`."""
        self._lock_expiries.pop(key, None)

    async def close(self) -> None:
        """Nothing to release: the entries live as long as the object."""

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.value)
