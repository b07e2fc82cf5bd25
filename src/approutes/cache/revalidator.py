"""Stale-while-revalidate over a store: one regeneration at a time, across processes."""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Literal

from approutes.cache.store import CacheEntry
from approutes.errors import DynamicBailout
from approutes.log import error_log
from approutes.request_context import CURRENT_STATE

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine
    from typing import Any

    from approutes.cache.store import CacheStore
    from approutes.request_context import RevalidateReason

__all__ = ["CacheState", "Revalidator", "add_render_tags"]

CacheState = Literal["HIT", "MISS", "STALE"]
LOCK_SECONDS = 60.0
"""Longest a regeneration may hold its lock; a crashed holder frees it after this."""

# The tags the render running in this context added with cache_tag(), or None outside one.
_RENDER_TAGS: ContextVar[list[str] | None] = ContextVar("approutes_render_tags", default=None)


def add_render_tags(tags: tuple[str, ...]) -> None:
    """Add `tags` to the entry the current cached render makes (`cache_tag`).

    Raises:
        RuntimeError: no cached render is running in this context.
    """
    added = _RENDER_TAGS.get()
    if added is None:
        raise RuntimeError(
            "cache_tag() was called outside a cached render: call it in the handler of a "
            "cached route (revalidate, force-static) or in a @cached function"
        )
    added.extend(tags)


class Revalidator:
    """Serves values from `store`, making them with a render function when needed.

    A fresh entry is a HIT. A stale one is served (STALE) while one regeneration runs in the
    background: the store's lock makes it one across every process sharing the store, and
    a render that raises keeps the stale entry (logged). A missing one is rendered now
    (MISS); concurrent misses in one process share that render.

    Attributes:
        store: Where the entries live.
        clock: What "now" is, in seconds since the epoch: when entries are made, whether they
            are stale, when tags are invalidated. `time.time` but in tests, which set a clock
            they move by hand instead of waiting for `revalidate` seconds to pass.
    """

    def __init__(self, store: CacheStore, clock: Callable[[], float] = time.time) -> None:
        """Keep entries in `store`, telling the time by `clock`."""
        self.store = store
        self.clock = clock
        self._misses: dict[str, asyncio.Future[bytes]] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def fetch(
        self,
        key: str,
        render: Callable[[], Awaitable[tuple[bytes, bool]]],
        *,
        revalidate: float | None,
        tags: tuple[str, ...],
        expire: float | None = None,
    ) -> tuple[bytes, CacheState]:
        """Return the value under `key` and how it was served.

        An entry older than `expire` seconds is gone: rendered again while the caller waits.
        The tags of the value (those `cache_tag()` added too) are added to the cached render
        this fetch runs in, if any, as Next's nested caches pass their tags outwards.
        """
        entry = await self.store.get(key)
        now = self.clock()
        if entry is not None and (expire is None or now - entry.created < expire):
            _pass_outwards(entry.tags)
            if not entry.is_stale(now):
                return entry.value, "HIT"
            if await self.store.acquire(key, LOCK_SECONDS):
                self._spawn(self._regenerate(key, render, revalidate, tags))
            return entry.value, "STALE"
        shared = self._misses.get(key)
        if shared is not None:
            return await asyncio.shield(shared), "MISS"
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._misses[key] = future
        try:
            value, stored_tags = await self.render_and_store(key, render, revalidate, tags)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: whoever shares it gets it, nobody else must
            raise
        else:
            future.set_result(value)
            _pass_outwards(stored_tags)
            return value, "MISS"
        finally:
            del self._misses[key]

    async def invalidate(self, tags: tuple[str, ...], *, stale: bool = False) -> None:
        """Make every entry carrying one of `tags`, made until now by `clock`, missing.

        With `stale`, make them stale instead: served while one regeneration runs.
        """
        await self.store.invalidate_tags(tags, self.clock(), stale=stale)

    async def wait_for_background(self) -> None:
        """Wait until every running regeneration is done (for build and tests)."""
        while self._background:
            await asyncio.wait(set(self._background))

    async def render_and_store(
        self,
        key: str,
        render: Callable[[], Awaitable[tuple[bytes, bool]]],
        revalidate: float | None,
        tags: tuple[str, ...],
    ) -> tuple[bytes, tuple[str, ...]]:
        """Render the value of `key` now and store it if cacheable; (value, its tags).

        The tags are `tags` and those the render added with `cache_tag()`.
        """
        added: list[str] = []
        token = _RENDER_TAGS.set(added)
        try:
            value, cacheable = await render()
        finally:
            _RENDER_TAGS.reset(token)
        if added:
            tags = tuple(dict.fromkeys((*tags, *added)))
        if cacheable:
            await self.store.set(key, CacheEntry(value, tags, self.clock(), revalidate))
        return value, tags

    async def _regenerate(
        self,
        key: str,
        render: Callable[[], Awaitable[tuple[bytes, bool]]],
        revalidate: float | None,
        tags: tuple[str, ...],
    ) -> None:
        # NOTE: an entry made stale by revalidate_tag(tag, profile) comes back with revalidate
        # 0 (no route caches with 0): its regeneration is on demand, not for its age.
        reason: RevalidateReason = "stale"
        try:
            # NOTE: another process may have regenerated between our read and our lock.
            current = await self.store.get(key)
            if current is not None and current.revalidate == 0:
                reason = "on-demand"
            if current is None or current.is_stale(self.clock()):
                await self.render_and_store(key, render, revalidate, tags)
        except DynamicBailout:
            pass  # the route turned dynamic (logged where it was found): nothing to store
        except Exception as exc:  # noqa: BLE001 - the stale entry stays; the error is logged
            error_log.error("regenerating %s failed; serving the stale copy", key, exc_info=exc)
            # NOTE: the task runs in a copy of the context of the request that found the entry
            # stale: its state says which route, for on_request_error.
            state = CURRENT_STATE.get()
            if state is not None and state.error_sink is not None:
                await state.error_sink.report(exc, state, reason)
        finally:
            await self.store.release(key)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _pass_outwards(tags: tuple[str, ...]) -> None:
    outer = _RENDER_TAGS.get()
    if outer is not None:
        outer.extend(tags)
