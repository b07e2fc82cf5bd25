"""RouteCache: the cached GET responses of static routes (force-static, revalidate = N)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from approutes.cache.response_codec import decode_response, encode_response
from approutes.cache.revalidator import Revalidator
from approutes.cache.static_request import static_request
from approutes.errors import DynamicBailout, RouteNotFound
from approutes.log import error_log
from approutes.request_context import draft_mode_enabled, entered_state
from approutes.settings.cache_life import DEFAULT_PROFILES
from approutes.web.response import whole_body

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping
    from typing import TypeAlias

    from approutes.cache.store import CacheStore
    from approutes.request_context import RequestState
    from approutes.route_modules.cache_policy import RouteCachePolicy
    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.route_modules.route_module import RouteModule
    from approutes.route_modules.segment_config import SegmentConfig
    from approutes.settings.cache_life import CacheLife
    from approutes.web.response import Response
    from approutes.web.route_context import Params

__all__ = [
    "RouteCache",
    "layout_tag",
    "path_tag",
    "pattern_tag",
    "route_key",
    "route_tags",
    "static_params",
]


if TYPE_CHECKING:
    RenderWith: TypeAlias = Callable[
        [RequestState, HandlerPlan, Params, SegmentConfig], Awaitable[Response]
    ]
    """Runs a handler for a request state and returns its finished Response (the pipeline's)."""


def route_key(path: str) -> str:
    """The store key of the cached response of `path` (its query plays no part)."""
    return "route:" + path


def path_tag(path: str) -> str:
    """The implicit tag of a route's cached response, invalidated by `revalidate_path`."""
    return "path:" + path


def pattern_tag(pattern: str) -> str:
    """The implicit tag of every cached path of the route `pattern` (`/api/posts/[slug]`)."""
    return "route:" + pattern


def layout_tag(prefix: str) -> str:
    """The implicit tag of every cached path of the routes at or below `prefix`."""
    return "layout:" + prefix


def route_tags(policy: RouteCachePolicy, path: str, pattern: str) -> tuple[str, ...]:
    """The tags of the cached response of `path`, served by the route `pattern`.

    Its own `tags`, its path's, its route's, and one per folder of the route down from `/`
    (for `revalidate_path(prefix, "layout")`).

    >>> from approutes.route_modules.cache_policy import RouteCachePolicy
    >>> route_tags(RouteCachePolicy(60, ("posts",), "empty", ""), "/p/1", "/p/[id]")
    ('posts', 'path:/p/1', 'route:/p/[id]', 'layout:/', 'layout:/p', 'layout:/p/[id]')
    """
    parts = [part for part in pattern.split("/") if part]
    layouts = [layout_tag("/" + "/".join(parts[:depth])) for depth in range(len(parts) + 1)]
    return (*policy.tags, path_tag(path), pattern_tag(pattern), *layouts)


class RouteCache:
    """Answers GET and HEAD of static routes from the store, rendering when needed."""

    def __init__(self, store: CacheStore, clock: Callable[[], float] = time.time) -> None:
        """Keep responses in `store`, telling the time by `clock` (see `Revalidator.clock`)."""
        self.revalidator = Revalidator(store, clock)
        self._allowed: dict[str, frozenset[tuple[tuple[str, Any], ...]]] = {}
        # Next's cacheLife profiles and the project's [cache_life] (create_app sets them).
        self.life_profiles: Mapping[str, CacheLife] = DEFAULT_PROFILES
        # The route files whose render without a request read request data (Next's
        # dynamic bail-out): served per request from then on, in this process.
        self.dynamic_files: set[str] = set()

    @property
    def clock(self) -> Callable[[], float]:
        """What "now" is for staleness and invalidation; tests set one they move by hand."""
        return self.revalidator.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self.revalidator.clock = clock

    async def respond(
        self,
        state: RequestState,
        module: RouteModule,
        policy: RouteCachePolicy,
        plan: HandlerPlan,
        params: Params,
        render_with: RenderWith,
    ) -> Response:
        """The cached response of the request's path, with Next's Cache-Control.

        Raises:
            RouteNotFound: `dynamic_params = False` and `params` are not among those
                `generate_static_params()` lists.
        """
        config = module.config
        if (
            not config.dynamic_params
            and config.generate_static_params is not None
            and _params_key(params) not in await self._allowed_params(module)
        ):
            raise RouteNotFound
        if plan.file in self.dynamic_files or draft_mode_enabled(state.request):
            # Dynamic since its bail-out, or draft mode: rendered for this request, not cached.
            return await render_with(state, plan, params, config)
        request = state.request
        path = request.path

        async def render() -> tuple[bytes, bool]:
            port = int(request.next_url.port or 0)  # only when rendering, not on a HIT
            return await self._render(path, port, plan, params, module, render_with)

        try:
            value, outcome = await self.revalidator.fetch(
                route_key(path),
                render,
                revalidate=policy.revalidate,
                tags=route_tags(policy, path, state.route_pattern),
            )
        except DynamicBailout:
            # COMPAT(next): the route is dynamic; this request is answered as such.
            return await render_with(state, plan, params, config)
        response = decode_response(value)
        response.headers.set("cache-control", policy.cache_control)
        response.headers.set("x-approutes-cache", outcome)
        return response

    async def prerender(
        self,
        path: str,
        pattern: str,
        plan: HandlerPlan,
        params: Params,
        module: RouteModule,
        policy: RouteCachePolicy,
        render_with: RenderWith,
    ) -> bool:
        """Render `path` now and store it fresh (`approutes build`); False if not cacheable."""
        cacheable = False

        async def render() -> tuple[bytes, bool]:
            nonlocal cacheable
            value, cacheable = await self._render(path, 0, plan, params, module, render_with)
            return value, cacheable

        await self.revalidator.render_and_store(
            route_key(path), render, policy.revalidate, route_tags(policy, path, pattern)
        )
        return cacheable

    async def _render(
        self,
        path: str,
        port: int,
        plan: HandlerPlan,
        params: Params,
        module: RouteModule,
        render_with: RenderWith,
    ) -> tuple[bytes, bool]:
        """Render `path` with an empty request: (encoded response, whether to cache it).

        Responses with a status of 400 or more are not cached.
        """
        reads = module.cache.request_reads if module.cache is not None else "empty"
        request = static_request(path, port, reads=reads, route_file=plan.file)
        try:
            with entered_state(request, plan.file) as state:
                response = await render_with(state, plan, params, module.config)
                body = await whole_body(response)
        except DynamicBailout as bailout:
            if plan.file not in self.dynamic_files:
                self.dynamic_files.add(plan.file)
                error_log.warning(
                    "%s is dynamic: rendered without a request, it read %s, so it is served "
                    'per request, not cached (remove the read, or set dynamic = "force-dynamic")',
                    plan.file,
                    bailout.what,
                )
            raise
        return encode_response(response.status, response.headers.raw(), body), response.status < 400

    async def close(self) -> None:
        """Let running regenerations finish, then close the store (at shutdown)."""
        await self.revalidator.wait_for_background()
        await self.revalidator.store.close()

    async def _allowed_params(self, module: RouteModule) -> frozenset[tuple[tuple[str, Any], ...]]:
        allowed = self._allowed.get(module.file)
        if allowed is None:
            listed = await static_params(module)
            allowed = frozenset(_params_key(params) for params in listed)
            self._allowed[module.file] = allowed
        return allowed


async def static_params(module: RouteModule) -> list[Params]:
    """Call the module's `generate_static_params()` (sync or async) and check its result.

    Raises:
        TypeError: it did not return a list of dicts of strings (or lists of strings).
    """
    generate = module.config.generate_static_params
    if generate is None:
        return []
    result = generate()
    if hasattr(result, "__await__"):
        result = await result
    if not isinstance(result, list) or not all(isinstance(p, dict) for p in result):
        raise TypeError(f"generate_static_params() in {module.file} must return a list of dicts")
    return result


def _params_key(params: Params) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
