"""Caching and revalidation, as in Next.js 15: `revalidate_path`, `revalidate_tag`, `@cached`.

Routes opt in with segment config (`dynamic = "force-static"`, `revalidate = 60`, `tags`);
the store is the `cache` setting (memory, filesystem, or Redis shared by many instances).

Example:
    from approutes.cache import cached, revalidate_tag

    @cached(tags=["posts"], revalidate=300)
    async def list_posts() -> list[dict]:
        return await db.fetch_posts()

    async def POST(request):
        await db.add_post(await request.json())
        await revalidate_tag("posts")
        return NextResponse.json({"ok": True}, status=201)
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from typing import TYPE_CHECKING, Any, ParamSpec

import orjson

from approutes.cache.route_cache import path_tag
from approutes.cache.runtime import current_cache
from approutes.web.json_codec import dumps

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

__all__ = ["cached", "revalidate_path", "revalidate_tag"]

P = ParamSpec("P")


async def revalidate_tag(tag: str) -> None:
    """Drop every cached response and `@cached` result tagged `tag`.

    The next request for any of them renders afresh. With a shared store (files, Redis) every
    worker and instance sees it at once.
    """
    await current_cache().revalidator.invalidate((tag,))


async def revalidate_path(path: str) -> None:
    """Drop the cached response of `path` (e.g. "/api/posts/1"); the next request renders it."""
    await current_cache().revalidator.invalidate((path_tag(path),))


def cached(
    *, tags: Iterable[str] = (), revalidate: float | None = None
) -> Callable[[Callable[P, Awaitable[Any]]], Callable[P, Awaitable[Any]]]:
    """Cache an async function's result by its arguments (Next's `unstable_cache`).

    Args:
        tags: Tags for `revalidate_tag`.
        revalidate: Seconds until a result is stale; a stale result is returned while one
            call refreshes it in the background. None: until its tags are revalidated.

    The arguments and the result must be JSON-serialisable: the result comes back as JSON
    types (a tuple as a list, a datetime as its ISO string), the same whether it was cached
    or not.

    Raises:
        TypeError: the function is not `async def`, or (when called) an argument cannot be
            serialised to make the key.
    """
    tag_tuple = tuple(tags)

    def decorate(fn: Callable[P, Awaitable[Any]]) -> Callable[P, Awaitable[Any]]:
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"@cached needs an async def function, not {fn!r}")
        prefix = f"fn:{_stable_module_name(fn.__module__)}.{fn.__qualname__}:"

        @functools.wraps(fn)
        async def through_cache(*args: P.args, **kwargs: P.kwargs) -> Any:
            try:
                arguments = orjson.dumps([args, kwargs], option=orjson.OPT_SORT_KEYS)
            except TypeError as exc:
                raise TypeError(
                    f"@cached {fn.__qualname__}: arguments must be JSON: {exc}"
                ) from None

            async def render() -> tuple[bytes, bool]:
                return dumps(await fn(*args, **kwargs)), True

            key = prefix + hashlib.sha256(arguments).hexdigest()
            value, _ = await current_cache().revalidator.fetch(
                key, render, revalidate=revalidate, tags=tag_tuple
            )
            return orjson.loads(value)

        return through_cache

    return decorate


def _stable_module_name(name: str) -> str:
    """A route module's name without the project's absolute path (the same on every machine)."""
    return name.rsplit(":", 1)[-1] if name.startswith("approutes_project:") else name
