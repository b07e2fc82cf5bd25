"""Internal: the `cache` setting -> a store; the only place that knows store names.

```
(unset)                 dev: memory; otherwise files in <root>/.approutes/cache
"memory"                this process only
"filesystem"            <root>/.approutes/cache, shared by the machine's workers
"filesystem:<dir>"      <dir>, relative to the project root unless absolute
"redis://…", "rediss://…"   a Redis server shared by every instance
"off"                   keeps nothing
```
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from approutes.cache.file_store import FileStore
from approutes.cache.memory_store import MemoryStore
from approutes.cache.redis_store import RedisStore, redact_url
from approutes.cache.resilient import ResilientStore

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from approutes.cache.store import CacheEntry, CacheStore

__all__ = ["ACCEPTED_FORMS", "NullStore", "check_store_setting", "store_from_setting"]

ACCEPTED_FORMS = (
    '"memory"',
    '"filesystem"',
    '"filesystem:<directory>"',
    '"redis://host:port/db"',
    '"rediss://host:port/db"',
    '"off"',
)
"""The values the `cache` setting accepts, as an error message lists them."""

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

    async def invalidate_tags(self, tags: Iterable[str]) -> None:
        """Nothing to invalidate."""

    async def acquire(self, key: str, ttl: float) -> bool:
        """Always True: with nothing cached, every caller renders."""
        return True

    async def release(self, key: str) -> None:
        """Nothing to release."""

    async def close(self) -> None:
        """Nothing to close."""


def check_store_setting(value: str) -> None:
    """Check a `cache` setting value without opening anything (the settings loader calls it).

    Raises:
        ValueError: `value` is none of the accepted forms, is a Redis URL without a host or
            with a bad port, or names Redis while the `redis` package is not installed.

    >>> check_store_setting("filesystem:var/cache")
    >>> check_store_setting("mongodb://db")
    Traceback (most recent call last):
    ...
    ValueError: unknown cache store 'mongodb://db'; use one of "memory", "filesystem", \
"filesystem:<directory>", "redis://host:port/db", "rediss://host:port/db", "off"
    """
    if value in ("memory", "off", "filesystem"):
        return
    if value.startswith("filesystem:") and value != "filesystem:":
        return
    if value.startswith(("redis://", "rediss://")):
        _check_redis_url(value)
        return
    raise ValueError(f"unknown cache store {value!r}; {_accepted()}")


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


def _check_redis_url(url: str) -> None:
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid Redis URL {shown!r}: {exc}; {_accepted()}") from None
    if not parts.hostname:
        raise ValueError(f"the Redis URL {shown!r} names no host; {_accepted()}")
    if port == 0:
        raise ValueError(f"the Redis URL {shown!r} has port 0; {_accepted()}")
    if importlib.util.find_spec("redis") is None:
        raise ValueError(
            f"the cache store {shown!r} needs the redis package: pip install 'approutes[redis]'"
        )


def _redis_store(url: str) -> CacheStore:
    try:
        store = RedisStore(url)
    except ModuleNotFoundError as exc:
        raise ValueError(f"{exc}; or choose another store: {_accepted()}") from exc
    except ValueError as exc:
        raise ValueError(f"invalid Redis URL {redact_url(url)!r}: {exc}; {_accepted()}") from exc
    return ResilientStore(store, redact_url(url))


def _accepted() -> str:
    return "use one of " + ", ".join(ACCEPTED_FORMS)
