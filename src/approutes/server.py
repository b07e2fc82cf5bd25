"""Mirror of `next/server`: NextRequest, NextResponse, NextFetchEvent and after()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from approutes.request_context import current_state
from approutes.web.request import NextRequest
from approutes.web.response import NextResponse

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["NextFetchEvent", "NextRequest", "NextResponse", "after"]


def after(callback: Callable[[], Awaitable[Any] | Any] | Awaitable[Any]) -> None:
    """Run `callback` (sync or async, no arguments) after the response has been sent.

    `callback` may also be an awaitable, such as a coroutine object (`after(send_mail())`),
    as Next's `after(promise)`: it is awaited once the response is sent.
    Errors it raises are logged with the route file and never reach the client.

    Raises:
        OutsideRequestError: called while no request is being handled.

    Example:
        after(lambda: analytics.track("user.created"))
        after(audit_log.write("user.created"))  # a coroutine
    """
    state = current_state("after()")
    if state.after is None:
        state.after = []
    state.after.append((callback, state.route_file))


class NextFetchEvent:
    """The second argument of `proxy(request, event)`, as in Next.

    Example:
        async def proxy(request, event):
            event.wait_until(analytics.track(request.next_url.pathname))
            return None
    """

    __slots__ = ()

    def wait_until(self, awaitable: Awaitable[Any]) -> None:
        """Await `awaitable` after the response has been sent (`after()` underneath).

        Its errors are logged and never reach the client.

        Raises:
            OutsideRequestError: called while no request is being handled.
        """
        after(awaitable)
