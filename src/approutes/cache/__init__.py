"""Caching and revalidation, as in Next.js: revalidate_path/tag, @cached, cache_tag.

Next 16's `cache_life` profiles give `@cached(life=...)` and `revalidate_tag(tag, profile)`.

Routes opt in with segment config (`dynamic = "force-static"`, `revalidate = 60`, `tags`);
the store is the `cache` setting (memory, filesystem, or Redis shared by many instances).

Example:
    from approutes.cache import cached, revalidate_tag

    @cached(tags=["posts"], revalidate=300)
    async def list_posts() -> list[dict]:
        return await db.fetch_posts()

    async def POST(request):
        await db.add_post(await request.json())
        await revalidate_tag("posts", "max")   # stale now, regenerated once
        return NextResponse.json({"ok": True}, status=201)
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from typing import TYPE_CHECKING, Any, ParamSpec

import orjson

from approutes.cache.revalidator import add_render_tags
from approutes.cache.route_cache import layout_tag, path_tag, pattern_tag
from approutes.cache.runtime import current_cache
from approutes.settings.cache_life import CacheLife
from approutes.web.json_codec import dumps

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping

__all__ = ["CacheLife", "cache_tag", "cached", "revalidate_path", "revalidate_tag"]

P = ParamSpec("P")


async def revalidate_tag(tag: str, profile: str | Mapping[str, float] | None = None) -> None:
    """Revalidate every cached response and `@cached` result tagged `tag`.

    Args:
        tag: The tag (a route's `tags`, a `@cached(tags=...)` or a `cache_tag()` one).
        profile: Next 16's second argument. Given (a `cache_life` profile name such as
            `"max"`, or `{"expire": 3600}`), the entries turn stale: each is still served
            while one regeneration runs (stale-while-revalidate). None: they expire at once
            and the next request renders afresh while it waits.

    With a shared store (files, Redis) every worker and instance sees it at once.

    Raises:
        ValueError: `profile` names no `cache_life` profile.

    Example:
        await revalidate_tag("posts", "max")
    """
    if profile is None:
        await current_cache().revalidator.invalidate((tag,))
        return
    if isinstance(profile, str):
        _life_profile(profile)  # an unknown name is an error, as in Next
    await current_cache().revalidator.invalidate((tag,), stale=True)


async def revalidate_path(path: str, type: str | None = None) -> None:
    """Drop the cached responses of `path`, of a route, or of every route under a folder.

    Args:
        path: A path (`/api/posts/1`), or a route pattern (`/api/posts/[slug]`).
        type: None: `path` alone, or every path of the route when it is a pattern.
            `"page"`: every path of the route `path`. `"layout"`: every path of every route
            at or below the folder `path` (`"/"` is all of them).

    The next request for each renders it.

    Raises:
        ValueError: `type` is not None, "page" or "layout".

    Example:
        await revalidate_path("/api/posts/[slug]")        # every post
        await revalidate_path("/api/posts", "layout")     # everything under /api/posts
    """
    path = path.rstrip("/") or "/"
    if type is None:
        tag = pattern_tag(path) if "[" in path else path_tag(path)
    elif type == "page":
        tag = pattern_tag(path)
    elif type == "layout":
        tag = layout_tag(path)
    else:
        raise ValueError(f'revalidate_path type must be "page" or "layout", not {type!r}')
    await current_cache().revalidator.invalidate((tag,))


def cache_tag(*tags: str) -> None:
    """Tag the cached value being made with `tags`, from inside its render (Next's `cacheTag`).

    Call it in the handler of a cached route (`revalidate`, `force-static`,
    `generate_static_params`) or in a `@cached` function, when the tags depend on the data:
    `revalidate_tag` of any of them then revalidates that value. Tags of a `@cached` value
    used in a cached route's render are the route's too.

    Raises:
        RuntimeError: no cached render is running here.
        TypeError: a tag is not a string.

    Example:
        post = await get_post(slug)
        cache_tag(f"post:{post.id}", f"author:{post.author_id}")
    """
    for tag in tags:
        if not isinstance(tag, str):
            raise TypeError(f"cache_tag() takes strings, not {type(tag).__name__}")
    add_render_tags(tags)


def cached(
    *,
    tags: Iterable[str] = (),
    revalidate: float | None = None,
    life: str | CacheLife | None = None,
) -> Callable[[Callable[P, Awaitable[Any]]], Callable[P, Awaitable[Any]]]:
    """Cache an async function's result by its arguments (Next's `unstable_cache`).

    Args:
        tags: Tags for `revalidate_tag`.
        revalidate: Seconds until a result is stale; a stale result is returned while one
            call refreshes it in the background. None: until its tags are revalidated.
        life: Instead of `revalidate`, a `cache_life` profile (Next's `cacheLife`): its
            name (`"hours"`, or one of `[cache_life]` in the settings), looked up when the
            function is called, or a `CacheLife`. Its `revalidate` applies, and a result
            older than its `expire` is computed again while the caller waits.

    The arguments and the result must be JSON-serialisable: the result comes back as JSON
    types (a tuple as a list, a datetime as its ISO string), the same whether it was cached
    or not.

    Raises:
        TypeError: the function is not `async def`, both `revalidate` and `life` are given,
            or (when called) an argument cannot be serialised to make the key.
        ValueError: (when called) `life` names no profile.
    """
    tag_tuple = tuple(tags)
    if life is not None and revalidate is not None:
        raise TypeError("@cached takes revalidate or life, not both")

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
            lifetime = _life_profile(life) if isinstance(life, str) else life
            value, _ = await current_cache().revalidator.fetch(
                key,
                render,
                revalidate=revalidate if lifetime is None else lifetime.revalidate,
                tags=tag_tuple,
                expire=None if lifetime is None else lifetime.expire,
            )
            return orjson.loads(value)

        return through_cache

    return decorate


def _stable_module_name(name: str) -> str:
    """A route module's name without the project's absolute path (the same on every machine)."""
    return name.rsplit(":", 1)[-1] if name.startswith("approutes_project:") else name


def _life_profile(name: str) -> CacheLife:
    profiles = current_cache().life_profiles
    found = profiles.get(name)
    if found is None:
        raise ValueError(
            f"no cache_life profile {name!r}: use one of {', '.join(sorted(profiles))}, "
            "or add [cache_life.<name>] to approutes.toml"
        )
    return found
