"""Runs a HandlerPlan: async on the loop, sync in a worker thread; max_duration; signals."""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any, NamedTuple

from approutes.errors import GatewayTimeout, NotFoundSignal, RedirectSignal, RouteNotFound
from approutes.web.response import Response

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.web.request import NextRequest

__all__ = ["RouteContext", "invoke"]

Params = dict[str, str | list[str]]


class RouteContext(NamedTuple):
    """The second argument of a handler.

    Attributes:
        params: The route's dynamic values: `str` for `[id]`, `list[str]` for `[...path]`;
            an optional catch-all with no segments has no key.

    Next.js: `params` is a plain dict here, not a promise.
    """

    params: Params


# PERF: builds a RouteContext without NamedTuple's Python-level __new__ (callgrind, S2).
_new_context = tuple.__new__


async def invoke(
    plan: HandlerPlan, request: NextRequest, params: Params, max_duration: float | None
) -> Any:
    """Call the handler and return what it returned; `redirect()` becomes a Response.

    Raises:
        RouteNotFound: the handler called `not_found()`.
        GatewayTimeout: it ran longer than `max_duration` seconds.
    """
    try:
        if max_duration is not None:
            try:
                async with asyncio.timeout(max_duration):
                    return await _start(plan, request, params)
            except TimeoutError:
                raise GatewayTimeout from None
        # PERF: the common case awaits the handler's coroutine here, with no frame between
        # (measured with callgrind on bench S1-S3).
        if plan.is_async:
            if plan.arity == 0:
                return await plan.fn()
            if plan.arity == 1:
                return await plan.fn(request)
            return await plan.fn(request, _new_context(RouteContext, (params,)))
        return await _start(plan, request, params)
    except RedirectSignal as signal:
        return Response(None, status=signal.status, headers={"location": signal.url})
    except NotFoundSignal:
        raise RouteNotFound from None


def _start(plan: HandlerPlan, request: NextRequest, params: Params) -> Awaitable[Any]:
    args = (request, _new_context(RouteContext, (params,)))[: plan.arity]
    if plan.is_async:
        return plan.fn(*args)  # type: ignore[no-any-return]
    return _in_thread(plan, args)


async def _in_thread(plan: HandlerPlan, args: tuple[object, ...]) -> Any:
    # NOTE: to_thread copies the context, so headers() and cookies() work in sync handlers.
    result = await asyncio.to_thread(plan.fn, *args)
    if inspect.isawaitable(result):
        result = await result
    return result
