"""Internal: the `cache` setting -> a store (its forms: `settings/cache_setting.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.cache.file_store import FileStore
from approutes.cache.memory_store import MemoryStore
from approutes.cache.redis_store import RedisStore
from approutes.cache.resilient import ResilientStore
from approutes.log import redact_url
from approutes.settings.cache_setting import accepted_forms, check_store_setting

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from approutes.cache.store import CacheEntry, CacheStore

__all__ = ["NullStore", "store_from_setting"]

_DEFAULT_DIRECTORY = (".approutes", "cache")


class NullStore:
    """A store that keeps nothing (`cache = "off"`): every get misses, every lock is free."""

    def __repr__(self) -> str:
        """Say what it is."""
        return "NullStore()"

    async def get(self, key: str) -> CacheEntry | None:
        """Always None."""
        return None

    async def set(self, key: str, entry: CacheEntry) -> None:
        """Keep nothing."""

    async def invalidate_tags(
        self, tags: Iterable[str], now: float | None = None, *, stale: bool = False
    ) -> None:
        """Nothing to invalidate."""

    async def acquire(self, key: str, ttl: float) -> bool:
        """Always True: with nothing cached, every caller renders."""
        return True

    async def release(self, key: str) -> None:
        """Nothing to release."""

    async def close(self) -> None:
        """Nothing to close."""


def store_from_setting(value: str | None, root: Path, *, dev: bool) -> CacheStore:
    """Open the store that the `cache` setting names, wrapped in a ResilientStore.

    Args:
        value: The setting, or None when it is not set.
        root: The project root; `filesystem` paths are relative to it.
        dev: Whether this is `approutes dev`, where the default is the memory store.

    Returns:
        The store; nothing is connected or created on disk until it is first used.

    Raises:
        ValueError: `value` is none of the accepted forms, or names Redis while the `redis`
            package is not installed; the message says which forms are accepted.

    Example:
        store = store_from_setting("redis://localhost:6379/0", project_root, dev=False)
    """
    if value is None:
        value = "memory" if dev else "filesystem"
    check_store_setting(value)
    if value == "memory":
        return ResilientStore(MemoryStore(), "memory")
    if value == "off":
        return ResilientStore(NullStore(), "off")
    if value == "filesystem":
        return _file_store(root.joinpath(*_DEFAULT_DIRECTORY))
    if value.startswith("filesystem:"):
        return _file_store(root / value.removeprefix("filesystem:"))
    return _redis_store(value)


def _file_store(directory: Path) -> CacheStore:
    return ResilientStore(FileStore(directory), str(directory))


def _redis_store(url: str) -> CacheStore:
    try:
        store = RedisStore(url)
    except ModuleNotFoundError as exc:
        raise ValueError(f"{exc}; or choose another store: {accepted_forms()}") from exc
    except ValueError as exc:
        raise ValueError(
            f"invalid Redis URL {redact_url(url)!r}: {exc}; {accepted_forms()}"
        ) from exc
    return ResilientStore(store, redact_url(url))
