"""run_socket_handler: a route's GET run for a WebSocket upgrade, with the socket's limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.error_responses import json_error
from approutes.errors import ControlFlowSignal
from approutes.handlers.invoke import invoke, signal_outcome
from approutes.handlers.respond import as_response, finish_response
from approutes.web.response import Response

if TYPE_CHECKING:
    from approutes.request_context import RequestState
    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.route_modules.segment_config import SegmentConfig
    from approutes.web.route_context import Params

__all__ = ["not_accepted", "run_socket_handler"]


_ACCEPTED = Response(status=204)
"""What an accepted socket's handler answers: never sent (the socket is the answer)."""


def not_accepted() -> Response:
    """The refusal of a handler that returned without accepting or answering (403).

    As a server refuses an ASGI app that closes before accepting.
    """
    return json_error(403, {"error": "The WebSocket was not accepted"})


async def run_socket_handler(
    state: RequestState, plan: HandlerPlan, params: Params, config: SegmentConfig
) -> Response:
    """Run the GET of `plan` for the upgrade of `state`; its refusal, if it did not accept.

    The route's `message_size_limit` applies to the socket. `max_duration` does not: a
    socket lasts as long as its conversation. Once the socket is accepted, what the handler
    returns is not sent (the entrypoint reads the socket's state, not this response).

    Raises:
        Exception: whatever the handler raised (before or after accepting).
    """
    socket = state.socket
    assert socket is not None  # noqa: S101 - the pipeline calls this for upgrades only
    if config.message_size_limit is not None:
        socket.message_size_limit = config.message_size_limit
    socket.params = params
    try:
        result = await invoke(plan, state.request, params, None)
    except ControlFlowSignal as signal:
        result = signal_outcome(signal)
    if socket.state != "connecting":
        return _ACCEPTED
    if result is None:
        return not_accepted()
    response = as_response(result, plan)
    finish_response(state, response)
    return response
