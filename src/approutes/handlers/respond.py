"""Runs a handler for a request scope and finishes its Response (the end of every request)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from approutes.errors import ControlFlowSignal, GatewayTimeout
from approutes.handlers.invoke import invoke, signal_outcome
from approutes.handlers.process_runtime import run_in_process
from approutes.handlers.return_value import to_response
from approutes.web.request import RequestLimits
from approutes.web.response import Response

if TYPE_CHECKING:
    from approutes.handlers.invoke import Params
    from approutes.request_context import RequestScope
    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.route_modules.segment_config import SegmentConfig
    from approutes.web.request import NextRequest

__all__ = ["run_handler"]


async def run_handler(
    scope: RequestScope, plan: HandlerPlan, params: Params, config: SegmentConfig
) -> Response:
    """Run the handler of `plan` for the request of `scope` and finish its response.

    The route's body limit applies; a `runtime = "process"` handler runs in the process
    pool; `redirect()` / `not_found()` become their responses;
    a dict or list becomes JSON; `cookies().set()` lines are added; a relative redirect
    is made absolute.

    Raises:
        HandlerReturnError: the handler returned something that is not a response.
        Exception: whatever the handler raised.
    """
    request = scope.request
    if config.body_size_limit is not None:
        request.limits = RequestLimits(config.body_size_limit, request.limits.upload)
    if config.runtime == "process":
        response = await _in_process(plan, request, params, config.max_duration)
    else:
        try:
            result = await invoke(plan, request, params, config.max_duration)
        except ControlFlowSignal as signal:
            result = signal_outcome(signal)
        if isinstance(result, Response) and result.middleware_action is None:
            response = result
        else:
            response = to_response(result, plan.file, plan.method)
    if scope.cookie_changes is not None:
        # COMPAT(next): cookies().set() lines come after the handler's own Set-Cookie.
        for line in scope.cookie_changes.get_all("set-cookie"):
            response.headers.append("set-cookie", line)
    if response.resolve_location:
        response.resolve_location_against(request.url)
    return response


async def _in_process(
    plan: HandlerPlan, request: NextRequest, params: Params, max_duration: float | None
) -> Response:
    if max_duration is None:
        return await run_in_process(plan, request, params)
    try:
        async with asyncio.timeout(max_duration):
            return await run_in_process(plan, request, params)
    except TimeoutError:
        raise GatewayTimeout from None
