"""`on_request_error` of instrumentation.py: told of each uncaught error, after the answer.

Next.js calls `onRequestError(error, request, context)` for errors in route handlers,
Pages API routes, middleware/proxy, `after()` callbacks and background regenerations,
never for `notFound()`, redirects or errors that have an answer of their own. Error
reporters (Sentry and the like) hang on it. Here the same: the entrypoint, the streamed
body's sender, `after()`, the Pages runner and the revalidator hand their uncaught errors
to the request's `ErrorReporter`, which calls the hook; its own failures are logged and
never reach the client.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from approutes.error_responses import is_uncaught
from approutes.log import error_log
from approutes.routing.scanner import PAGES_PREFIX, in_code_dir
from approutes.server import RequestErrorContext, RequestInfo, RouteType

if TYPE_CHECKING:
    from approutes.request_context import RequestState, RevalidateReason

__all__ = ["ErrorReporter", "OnRequestError"]

_PROXY_FILES: dict[str, RouteType] = {"proxy.py": "proxy", "middleware.py": "middleware"}


OnRequestError = Callable[[BaseException, RequestInfo, RequestErrorContext], Any]


class ErrorReporter:
    """Calls the project's `on_request_error` for one uncaught error at a time."""

    __slots__ = ("_hook", "_is_async", "_running")

    def __init__(self, hook: OnRequestError) -> None:
        """Report to `hook`, sync (run in a worker thread) or async."""
        self._hook = hook
        self._is_async = inspect.iscoroutinefunction(hook)
        self._running: set[asyncio.Task[None]] = set()

    async def report(
        self,
        error: BaseException,
        state: RequestState,
        revalidate_reason: RevalidateReason | None = None,
    ) -> None:
        """Tell the hook of `error`, raised while serving the request of `state`.

        An error with an answer of its own (an HTTPError, invalid input) is not reported.
        """
        if isinstance(error, Exception) and not is_uncaught(error):
            return
        request = state.request
        url = request.next_url
        info = RequestInfo(url.pathname + url.search, request.method, dict(request.headers.items()))
        file = in_code_dir(state.route_file)
        route_type = _PROXY_FILES.get(file, "route")
        context = RequestErrorContext(
            router_kind="Pages Router" if file.startswith(PAGES_PREFIX) else "App Router",
            route_path=state.route_pattern if route_type == "route" else f"/{route_type}",
            route_type=route_type,
            revalidate_reason=revalidate_reason,
        )
        try:
            if self._is_async:
                await self._hook(error, info, context)
            else:
                result = await asyncio.to_thread(self._hook, error, info, context)
                if inspect.isawaitable(result):
                    await result
        except Exception as exc:  # noqa: BLE001 - a reporter must never hurt the answer
            error_log.error("on_request_error in instrumentation.py raised", exc_info=exc)

    def report_later(self, error: BaseException, state: RequestState) -> None:
        """`report` from a callback that cannot await: in a task of its own."""
        task = asyncio.get_running_loop().create_task(self.report(error, state))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
