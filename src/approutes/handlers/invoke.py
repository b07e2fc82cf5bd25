"""Runs a HandlerPlan: async on the loop, sync in a worker thread; max_duration; signals."""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any

from approutes.errors import GatewayTimeout, NotFoundSignal, RedirectSignal, RouteNotFound
from approutes.web.response import Response

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.web.request import NextRequest

__all__ = ["RouteContext", "invoke"]


class RouteContext:
    """The second argument of a handler.

    Attributes:
        params: The route's dynamic values: `str` for `[id]`, `list[str]` for `[...path]`;
            an optional catch-all with no segments has no key.

    Next.js: `params` is a plain dict here, not a promise.
    """

    __slots__ = ("params",)

    def __init__(self, params: dict[str, str | list[str]]) -> None:
        """Carry the route's params."""
        self.params = params

    def __repr__(self) -> str:
        return f"RouteContext(params={self.params!r})"


async def invoke(
    plan: HandlerPlan, request: NextRequest, context: RouteContext, max_duration: float | None
) -> Any:
    """Call the handler and return what it returned; `redirect()` becomes a Response.

    Raises:
        RouteNotFound: the handler called `not_found()`.
        GatewayTimeout: it ran longer than `max_duration` seconds.
    """
    try:
        if max_duration is None:
            return await _start(plan, request, context)
        try:
            async with asyncio.timeout(max_duration):
                return await _start(plan, request, context)
        except TimeoutError:
            raise GatewayTimeout from None
    except RedirectSignal as signal:
        return Response(None, status=signal.status, headers={"location": signal.url})
    except NotFoundSignal:
        raise RouteNotFound from None


def _start(plan: HandlerPlan, request: NextRequest, context: RouteContext) -> Awaitable[Any]:
    # PERF: returns the handler's coroutine itself, so an async handler costs no extra frame.
    if plan.is_async:
        if plan.arity == 0:
            return plan.fn()  # type: ignore[no-any-return]
        if plan.arity == 1:
            return plan.fn(request)  # type: ignore[no-any-return]
        return plan.fn(request, context)  # type: ignore[no-any-return]
    return _in_thread(plan, (request, context)[: plan.arity])


async def _in_thread(plan: HandlerPlan, args: tuple[object, ...]) -> Any:
    # NOTE: to_thread copies the context, so headers() and cookies() work in sync handlers.
    result = await asyncio.to_thread(plan.fn, *args)
    if inspect.isawaitable(result):
        result = await result
    return result
