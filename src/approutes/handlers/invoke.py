"""Runs a HandlerPlan: async on the loop, sync in a worker thread; max_duration; signals."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from typing import TYPE_CHECKING, Any

from approutes.errors import (
    AccessDeniedSignal,
    GatewayTimeout,
    HTTPError,
    RedirectSignal,
    RouteNotFound,
)
from approutes.log import error_log
from approutes.typed_params.dependencies import DependencyAnswer
from approutes.web.response import Response
from approutes.web.route_context import RouteContext

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from approutes.errors import ControlFlowSignal
    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.web.request import NextRequest
    from approutes.web.route_context import Params

__all__ = [
    "ThreadsPastDeadline",
    "invoke",
    "signal_outcome",
    "threads_past_deadline",
]

# PERF: builds a RouteContext without NamedTuple's Python-level __new__ (callgrind, S2).
_new_context = tuple.__new__


def invoke(
    plan: HandlerPlan, request: NextRequest, params: Params, max_duration: float | None
) -> Awaitable[Any]:
    """Start the handler; awaiting the result gives what it returned.

    The caller translates the signals of `redirect()` / `not_found()` with `signal_outcome`.

    Raises (when awaited):
        GatewayTimeout: it ran longer than `max_duration` seconds.
        RedirectSignal, NotFoundSignal: the handler called `redirect()` or `not_found()`.
    """
    if max_duration is not None:
        return _with_timeout(plan, request, params, max_duration)
    # PERF: an async handler's own coroutine goes back to the caller, so awaiting it costs no
    # frame in between (callgrind on bench S1-S3).
    if plan.is_async:
        if plan.arity == 0:
            return plan.fn()  # type: ignore[no-any-return]
        if plan.arity == 1:
            return plan.fn(request)  # type: ignore[no-any-return]
        if plan.binding is None:
            return plan.fn(request, _new_context(RouteContext, (params,)))  # type: ignore[no-any-return]
        return _call_typed(plan, request, params)
    if plan.binding is not None:
        return _call_typed(plan, request, params)
    return _in_thread(plan, (request, _new_context(RouteContext, (params,)))[: plan.arity])


def signal_outcome(signal: ControlFlowSignal) -> Response:
    """Turn `redirect()` into its response; `not_found()` and the like into their errors.

    A dependency's Response (`DependencyAnswer`) is the answer as it is.

    Raises:
        RouteNotFound: for `not_found()`.
        HTTPError: 403 for `forbidden()`, 401 for `unauthorized()`.
    """
    if isinstance(signal, RedirectSignal):
        return Response(None, status=signal.status, headers={"location": signal.url})
    if isinstance(signal, DependencyAnswer):
        return signal.response
    if isinstance(signal, AccessDeniedSignal):
        raise HTTPError(signal.status, headers=signal.headers) from None
    raise RouteNotFound from None


class ThreadsPastDeadline:
    """Sync handlers that ran past `max_duration`: their threads cannot be stopped.

    Their requests were answered 504; each thread keeps its executor slot until it returns.
    """

    __slots__ = ("running", "total")

    def __init__(self) -> None:
        """Start with none."""
        self.running = 0
        self.total = 0

    def add(self, pending: asyncio.Future[Any], plan: HandlerPlan, seconds: float) -> None:
        """Count `pending` until its thread returns, and log it once."""
        self.running += 1
        self.total += 1
        pending.add_done_callback(self._finished)
        error_log.warning(
            "%s %s ran past max_duration (%gs) in a worker thread, which cannot be stopped; "
            "answered 504 and left it to finish (%d such threads running)",
            plan.method,
            plan.file,
            seconds,
            self.running,
        )

    def _finished(self, _: object) -> None:
        self.running -= 1


threads_past_deadline = ThreadsPastDeadline()
"""The process's count of sync handler threads abandoned at their `max_duration`."""


async def _with_timeout(
    plan: HandlerPlan, request: NextRequest, params: Params, max_duration: float
) -> Any:
    if not plan.is_async and plan.binding is None:
        return await _thread_with_timeout(plan, request, params, max_duration)
    try:
        async with asyncio.timeout(max_duration):
            return await invoke(plan, request, params, None)
    except TimeoutError:
        raise GatewayTimeout from None


async def _thread_with_timeout(
    plan: HandlerPlan, request: NextRequest, params: Params, max_duration: float
) -> Any:
    args = (request, _new_context(RouteContext, (params,)))[: plan.arity]
    context = contextvars.copy_context()
    pending = asyncio.get_running_loop().run_in_executor(None, context.run, plan.fn, *args)
    try:
        async with asyncio.timeout(max_duration):
            # NOTE: shielded, so the future stays to tell when the thread is done.
            result = await asyncio.shield(pending)
            if inspect.isawaitable(result):
                result = await result
    except TimeoutError:
        if not pending.done():
            threads_past_deadline.add(pending, plan, max_duration)
        raise GatewayTimeout from None
    return result


async def _call_typed(plan: HandlerPlan, request: NextRequest, params: Params) -> Any:
    """Fill a typed handler's parameters (validated), call it, shape what it returns."""
    binding = plan.binding
    assert binding is not None  # noqa: S101 - only called for typed plans
    arguments = await binding.arguments(request, params, _new_context(RouteContext, (params,)))
    if plan.is_async:
        result = await plan.fn(**arguments)
    else:
        result = await asyncio.to_thread(plan.fn, **arguments)
    return binding.shape(result)


async def _in_thread(plan: HandlerPlan, args: tuple[object, ...]) -> Any:
    # NOTE: to_thread copies the context, so headers() and cookies() work in sync handlers.
    result = await asyncio.to_thread(plan.fn, *args)
    if inspect.isawaitable(result):
        result = await result
    return result
