"""Mirror of `next/server`: NextRequest, NextResponse and after()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from approutes.request_context import current_state
from approutes.web.request import NextRequest
from approutes.web.response import NextResponse

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["NextRequest", "NextResponse", "after"]


def after(callback: Callable[[], Awaitable[Any] | Any]) -> None:
    """Run `callback` (sync or async, no arguments) after the response has been sent.

    Errors it raises are logged with the route file and never reach the client.

    Raises:
        OutsideRequestError: called while no request is being handled.

    Example:
        after(lambda: analytics.track("user.created"))
    """
    state = current_state("after()")
    if state.after is None:
        state.after = []
    state.after.append(callback)
