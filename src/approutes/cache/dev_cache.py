"""Internal: the cache of `approutes dev`, whose entries a reload on save invalidates.

Every entry written in dev carries `DEV_TAG`; a route's cached response also carries the tag
of its route file. Saving a route file invalidates that file's tag; saving anything else
(`lib/`, settings, `middleware.py`, `.env`) invalidates `DEV_TAG`, every entry. Both go
through the store's own `invalidate_tags`, so a file or Redis store used in dev forgets them
too. Production never builds this: its entries carry no extra tag to check.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from approutes.cache.route_cache import RouteCache

if TYPE_CHECKING:
    from collections.abc import Iterable

    from approutes.cache.route_cache import RenderWith
    from approutes.cache.store import CacheEntry, CacheStore
    from approutes.request_context import RequestState
    from approutes.route_modules.cache_policy import RouteCachePolicy
    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.route_modules.route_module import RouteModule
    from approutes.web.response import Response
    from approutes.web.route_context import Params

__all__ = ["DEV_TAG", "DevRouteCache", "dev_file_tag"]

DEV_TAG = "approutes-dev:*"
"""Carried by every entry written under `approutes dev`."""


def dev_file_tag(file: str) -> str:
    """The tag of the cached responses of the route file `file` (relative to the root).

    >>> dev_file_tag("app/api/posts/route.py")
    'approutes-dev:app/api/posts/route.py'
    """
    return "approutes-dev:" + file


class DevRouteCache(RouteCache):
    """A RouteCache whose entries can be dropped by route file, or all at once."""

    def __init__(self, store: CacheStore) -> None:
        """Keep responses in `store`, every entry tagged `DEV_TAG`."""
        super().__init__(_TagEveryEntry(store))

    async def respond(
        self,
        state: RequestState,
        module: RouteModule,
        policy: RouteCachePolicy,
        plan: HandlerPlan,
        params: Params,
        render_with: RenderWith,
    ) -> Response:
        """As RouteCache.respond, the entry also tagged with the route's file."""
        tagged = dataclasses.replace(policy, tags=(*policy.tags, dev_file_tag(module.file)))
        return await super().respond(state, module, tagged, plan, params, render_with)

    async def forget_files(self, files: Iterable[str]) -> None:
        """Drop the cached responses of the route files `files` (saved, or deleted)."""
        await self.revalidator.invalidate(tuple(dev_file_tag(file) for file in files))

    async def forget_all(self) -> None:
        """Drop every entry: responses and `@cached` results."""
        await self.revalidator.invalidate((DEV_TAG,))


class _TagEveryEntry:
    """A store that adds `DEV_TAG` to each entry it is given, for `forget_all`."""

    def __init__(self, inner: CacheStore) -> None:
        self.inner = inner

    def __repr__(self) -> str:
        return repr(self.inner)

    async def get(self, key: str) -> CacheEntry | None:
        return await self.inner.get(key)

    async def set(self, key: str, entry: CacheEntry) -> None:
        await self.inner.set(key, dataclasses.replace(entry, tags=(*entry.tags, DEV_TAG)))

    async def invalidate_tags(
        self, tags: Iterable[str], now: float | None = None, *, stale: bool = False
    ) -> None:
        await self.inner.invalidate_tags(tags, now, stale=stale)

    async def acquire(self, key: str, ttl: float) -> bool:
        return await self.inner.acquire(key, ttl)

    async def release(self, key: str) -> None:
        await self.inner.release(key)

    async def close(self) -> None:
        await self.inner.close()
