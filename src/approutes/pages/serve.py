"""serve_pages: one request to a pages/api handler, from its body to the Response it decides.

The body is read and parsed first (413 and 400 as plain text, as Next answers). The handler
then runs as a task, on the loop or in a worker thread, and the Response goes back as soon
as the handler decides it, whole or as a stream, while the handler may still be running:

| the handler | the answer |
| --- | --- |
| ends the response (`end`, `send`, `json`, `redirect`) | that response, at once |
| calls `write()` first | status and headers at once, the body as it is written, until `end()` or until the handler returns (logged) |
| returns without either | 500 JSON, logged naming the file ("API resolved without sending a response") |
| raises before either | the error, answered by `error_responses` as for app routes |
| raises after either | logged naming the file; a stream is cut there (logged by the sender) |
"""  # noqa: E501 - a table

from __future__ import annotations

import asyncio
import inspect
from functools import partial
from typing import TYPE_CHECKING, Any

from approutes.errors import (
    ControlFlowSignal,
    GatewayTimeout,
    HandlerReturnError,
    HTTPError,
    PayloadTooLarge,
)
from approutes.handlers.invoke import signal_outcome
from approutes.log import error_log
from approutes.pages.body_parser import BodyRejected, parse_body
from approutes.pages.channel import ResponseChannel
from approutes.pages.request import ApiRequest
from approutes.pages.response import ApiResponse
from approutes.web.response import Response

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from approutes.request_context import RequestState
    from approutes.route_modules.pages_module import PagesModule
    from approutes.web.route_context import Params

__all__ = ["serve_pages"]


# NOTE: a handler may outlive its response; the loop keeps only weak references to tasks.
_RUNNING: set[asyncio.Future[Any]] = set()


def serve_pages(state: RequestState, pages: PagesModule, params: Params) -> Awaitable[Response]:
    """Answer the request of `state` with the handler of `pages`; errors propagate.

    Raises (when awaited):
        HTTPError, and whatever the handler raised before deciding its response.
        HandlerReturnError: the handler returned without ending the response.
    """
    return _serve(state, pages, params)


async def _serve(state: RequestState, pages: PagesModule, params: Params) -> Response:
    request = state.request
    loop = asyncio.get_running_loop()
    req = ApiRequest(request, params, None, loop)
    config = pages.config
    if config.body_parser:
        content_type = req.headers.get("content-type")
        try:
            # NOTE: read past NextRequest.bytes(), which drops GET bodies; Next parses them.
            raw = await request._body_source.read_all(config.size_limit)
            req.body = parse_body(content_type if isinstance(content_type, str) else None, raw)
        except PayloadTooLarge:
            # COMPAT(next): text, no Content-Type, the limit as written (rule 54).
            return Response(f"Body exceeded {config.size_limit_text} limit".encode(), status=413)
        except BodyRejected as rejected:
            return Response(rejected.message.encode(), status=rejected.status)
    channel = ResponseChannel(loop)
    res = ApiResponse(channel, req.headers, req.url, pages.file, config)
    handler = pages.handler
    run = handler(req, res) if pages.is_async else _in_thread(handler, req, res)
    task = loop.create_task(run)
    channel.handler_task = task
    _RUNNING.add(task)
    task.add_done_callback(partial(_handler_done, channel, res, state, req.url))
    try:
        if config.max_duration is None:
            response = await channel.decided
        else:
            response = await asyncio.wait_for(asyncio.shield(channel.decided), config.max_duration)
    except TimeoutError:
        # NOTE: an async handler is cancelled; a sync one's thread runs on (it cannot be
        # stopped) and what it writes later goes nowhere.
        task.cancel()
        raise GatewayTimeout from None
    except asyncio.CancelledError:
        task.cancel()
        raise
    if state.cookie_changes is not None:
        # cookies().set() from approutes.headers works in pages handlers too.
        for line in state.cookie_changes.get_all("set-cookie"):
            response.headers.append("set-cookie", line)
    return response


async def _in_thread(handler: Callable[[Any, Any], Any], req: ApiRequest, res: ApiResponse) -> None:
    # NOTE: to_thread copies the context, so headers() and cookies() work in sync handlers.
    result = await asyncio.to_thread(handler, req, res)
    if inspect.isawaitable(result):
        await result


def _handler_done(
    channel: ResponseChannel,
    res: ApiResponse,
    state: RequestState,
    url: str,
    task: asyncio.Future[Any],
) -> None:
    """The handler finished: settle a response it left undecided, or log what it left."""
    _RUNNING.discard(task)
    file = state.route_file
    decided = channel.decided
    if task.cancelled():
        if not decided.done():
            decided.cancel()
        return
    error = task.exception()
    if not decided.done():
        _settle(decided, error, file, url)
        return
    if error is None:
        if not res.writable_ended:
            channel.close()
            error_log.warning(
                "%s returned without calling res.end(); its streamed response to %s ends here",
                file,
                url,
            )
        return
    if res.writable_ended:
        error_log.error("%s raised after its response to %s was sent", file, url, exc_info=error)
        if state.error_sink is not None:
            state.error_sink.report_later(error, state)
    elif isinstance(error, Exception):
        channel.break_stream(error)  # the sender logs it, naming the file
    else:
        channel.break_stream(RuntimeError(f"{type(error).__name__} after res.write()"))


def _settle(
    decided: asyncio.Future[Response], error: BaseException | None, file: str, url: str
) -> None:
    """Answer a request whose handler ended without deciding its response."""
    if error is None:
        decided.set_exception(
            HandlerReturnError(
                file,
                f"API resolved without sending a response for {url}: the handler returned "
                "before ending it; call res.end(), res.send(), res.json() or res.redirect() "
                "(or res.write() to stream) before returning",
            )
        )
    elif isinstance(error, ControlFlowSignal):
        # redirect() / not_found() from approutes.navigation work here too.
        try:
            decided.set_result(signal_outcome(error))
        except HTTPError as not_found:
            decided.set_exception(not_found)
    else:
        decided.set_exception(error)
