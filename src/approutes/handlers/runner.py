"""run_handler: where a route's handler runs (here or in the process pool), under its limits."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from approutes.errors import ControlFlowSignal, GatewayTimeout
from approutes.handlers.invoke import invoke, signal_outcome
from approutes.handlers.process_runtime import run_in_process
from approutes.handlers.respond import as_response, finish_response
from approutes.web.request import RequestLimits
from approutes.web.response import Response

if TYPE_CHECKING:
    from approutes.request_context import RequestState
    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.route_modules.segment_config import SegmentConfig
    from approutes.web.request import NextRequest
    from approutes.web.route_context import Params

__all__ = ["run_handler"]


async def run_handler(
    state: RequestState, plan: HandlerPlan, params: Params, config: SegmentConfig
) -> Response:
    """Run the handler of `plan` for the request of `state` and finish its response.

    The route's body limit and `max_duration` apply; a `runtime = "process"` handler runs
    in the process pool, any other here.

    Raises:
        HandlerReturnError: the handler returned something that is not a response.
        GatewayTimeout: it ran past `max_duration`.
        Exception: whatever the handler raised.
    """
    request = state.request
    if config.body_size_limit is not None:
        request.limits = RequestLimits(config.body_size_limit, request.limits.upload)
    if config.runtime == "process":
        response = await _in_process(plan, request, params, config.max_duration)
    else:
        # PERF: `respond` inline: one coroutine frame fewer per request (bench S1-S6).
        try:
            result = await invoke(plan, request, params, config.max_duration)
        except ControlFlowSignal as signal:
            result = signal_outcome(signal)
        # PERF: the common answer is tested here, no call (callgrind, bench S1-S6).
        if isinstance(result, Response) and result.middleware_action is None:
            response = result
        else:
            response = as_response(result, plan)
    if state.cookie_changes is not None or response.resolve_location:
        finish_response(state, response)
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
