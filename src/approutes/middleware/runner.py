"""Runs `proxy.py` (`middleware.py`) for a request and turns its answer into an Outcome."""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING

from approutes.errors import ControlFlowSignal, HandlerReturnError
from approutes.handlers.invoke import signal_outcome
from approutes.middleware.outcome import Continue, Respond, Rewrite
from approutes.server import NextFetchEvent
from approutes.web.response import Response

if TYPE_CHECKING:
    from approutes.middleware.loader import MiddlewareModule
    from approutes.middleware.outcome import Outcome
    from approutes.web.request import NextRequest

__all__ = ["run_middleware"]


async def run_middleware(middleware: MiddlewareModule, request: NextRequest) -> Outcome | None:
    """Run `middleware` for `request`; None when it has nothing to say (it returned None).

    A sync middleware runs in a worker thread. One that takes a second argument gets a
    `NextFetchEvent`, whose `wait_until()` feeds `after()`. `redirect()` / `not_found()`
    work in it as in a handler.

    Raises:
        HandlerReturnError: it returned something other than None or a Response.
        Exception: whatever the middleware raised.
    """
    response = await _call(middleware, request)
    if response is None:
        return None
    action = response.middleware_action
    if action is None:
        if response.resolve_location:
            response.resolve_location_against(request.url)
            if response.body is None and response.stream is None:
                # COMPAT(next): a middleware redirect's body is its Location (rule 48).
                response.body = (response.headers.get("location") or "").encode()
        return Respond(response)
    if action.kind == "error":
        raise HandlerReturnError(
            middleware.file,
            f"{middleware.name} returned Response.error(), a network error, which has no answer",
        )
    if action.kind == "rewrite":
        return Rewrite(action.rewrite_url, response.headers, action.request_headers)
    return Continue(action.request_headers, response.headers)


async def _call(middleware: MiddlewareModule, request: NextRequest) -> Response | None:
    try:
        args = (request, _EVENT) if middleware.takes_event else (request,)
        if middleware.is_async:
            result = await middleware.fn(*args)
        else:
            result = await asyncio.to_thread(middleware.fn, *args)
            if inspect.isawaitable(result):
                result = await result
    except ControlFlowSignal as signal:
        return signal_outcome(signal)
    if result is None or isinstance(result, Response):
        return result
    raise HandlerReturnError(
        middleware.file,
        f"{middleware.name} returned a {type(result).__name__}; return None or a Response",
    )


# NOTE: the event holds no state of its own (wait_until goes through the request context).
_EVENT = NextFetchEvent()
