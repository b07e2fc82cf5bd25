"""The cache of the app being served, for `revalidate_*` and `@cached` to reach."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.cache.route_cache import RouteCache

if TYPE_CHECKING:
    from approutes.cache.store import CacheStore

__all__ = ["current_cache", "use_store"]

_current: RouteCache | None = None


def use_store(store: CacheStore, *, dev: bool = False) -> RouteCache:
    """Make `store` the cache of this process (create_app calls it) and return its RouteCache.

    With `dev`, a DevRouteCache, whose entries a reload on save can drop.
    """
    global _current  # one cache per served app, set at start-up
    if dev:
        from approutes.cache.dev_cache import DevRouteCache  # noqa: PLC0415 - dev only

        _current = DevRouteCache(store)
    else:
        _current = RouteCache(store)
    return _current


def current_cache() -> RouteCache:
    """The cache of the app this process serves; a memory cache when there is none yet."""
    if _current is None:
        from approutes.cache.memory_store import MemoryStore  # noqa: PLC0415 - rare path

        return use_store(MemoryStore())
    return _current
