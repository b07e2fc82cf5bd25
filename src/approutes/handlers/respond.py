"""A handler's answer in this process: invoke it, then turn what it gave into a Response."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.errors import ControlFlowSignal
from approutes.handlers.invoke import invoke, signal_outcome
from approutes.handlers.return_value import to_response
from approutes.web.response import Response

if TYPE_CHECKING:
    from approutes.request_context import RequestState
    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.web.request import NextRequest
    from approutes.web.route_context import Params

__all__ = ["as_response", "finish_response", "respond"]


async def respond(
    plan: HandlerPlan, request: NextRequest, params: Params, max_duration: float | None
) -> Response:
    """Run the handler of `plan` here and return its Response.

    `redirect()` / `not_found()` become their responses; a dict or list becomes JSON.

    Raises:
        HandlerReturnError: the handler returned something that is not a response.
        Exception: whatever the handler raised.
    """
    try:
        result = await invoke(plan, request, params, max_duration)
    except ControlFlowSignal as signal:
        result = signal_outcome(signal)
    return as_response(result, plan)


def as_response(result: object, plan: HandlerPlan) -> Response:
    """What the handler of `plan` returned, as a Response (a dict or list becomes JSON).

    Raises:
        HandlerReturnError: it is not a response.
    """
    if isinstance(result, Response) and result.middleware_action is None:
        return result
    return to_response(result, plan.file, plan.method)


def finish_response(state: RequestState, response: Response) -> None:
    """Add the request's `cookies().set()` lines and make a relative redirect absolute."""
    if state.cookie_changes is not None:
        # COMPAT(next): cookies().set() lines come after the handler's own Set-Cookie.
        for line in state.cookie_changes.get_all("set-cookie"):
            response.headers.append("set-cookie", line)
    if response.resolve_location:
        response.resolve_location_against(state.request.url)
