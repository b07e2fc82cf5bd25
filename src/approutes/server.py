"""Mirror of `next/server`: NextRequest, NextResponse, NextFetchEvent and after().

Also the arguments of instrumentation.py's `on_request_error` (Next's `Instrumentation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from approutes.request_context import current_state
from approutes.web.request import NextRequest
from approutes.web.response import NextResponse

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from approutes.request_context import RevalidateReason
    from approutes.web.user_agent import UserAgent

RouterKind = Literal["App Router", "Pages Router"]
RouteType = Literal["route", "proxy", "middleware"]

__all__ = [
    "NextFetchEvent",
    "NextRequest",
    "NextResponse",
    "RequestErrorContext",
    "RequestInfo",
    "after",
    "connection",
    "user_agent",
]


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


async def connection() -> None:
    """Wait for a live request: the handler's answer depends on it, never on a build.

    In a request this returns at once. In the render of a cached route (`revalidate = N`,
    `generate_static_params`), which runs without a request, it makes the route dynamic,
    as reading `headers()` would: the route is served per request from then on. With
    `dynamic = "error"` it raises DynamicUsageError.

    Raises:
        OutsideRequestError: called while no request is being handled.

    Example:
        async def GET():
            await connection()
            return {"now": time.time()}   # never frozen into a cached copy

    Next.js: `connection()` from `next/server`.
    """
    current_state("connection()").request.mark_dynamic("connection()")


def user_agent(request: NextRequest) -> UserAgent:
    """What the request's User-Agent says: browser, device, engine, OS, CPU, and `is_bot`.

    Needs the `user-agent` extra (`pip install 'approutes[user-agent]'`, ua-parser).

    Raises:
        MissingExtraError: ua-parser is not installed.

    Example:
        agent = user_agent(request)
        if agent.is_bot:
            return NextResponse.json({"error": "no crawlers"}, status=403)
        kind = agent.device.type or "desktop"

    Next.js: `userAgent(request)` from `next/server`, with the same bot pattern; fields in
    snake_case (`is_bot`). The device type, engine and CPU are read from the string's
    well-known tokens, where ua-parser-js has rules of its own.
    """
    # PERF: its ~20 patterns compile on the first call, not in every process's start-up (4 ms).
    from approutes.web.user_agent import parse_user_agent  # noqa: PLC0415

    return parse_user_agent(request.headers.get("user-agent") or "")


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


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """The request an error happened in (Next's `request` argument).

    Attributes:
        path: The URL's path and query, as requested (`/api/users/7?full=1`).
        method: `GET`, `POST`, ...
        headers: The request headers, lower-case names, repeats joined by ", ".
    """

    path: str
    method: str
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class RequestErrorContext:
    """Where an error happened (Next's `context` argument, snake_case).

    Attributes:
        router_kind: `"App Router"` or `"Pages Router"`.
        route_path: The route's template, `/api/users/[id]`; `/proxy` (`/middleware`) for
            an error in `proxy.py` (`middleware.py`); `""` when no route was matched.
        route_type: `"route"`, or `"proxy"` / `"middleware"` for that file.
        revalidate_reason: `"stale"` for a background regeneration of a cached route past
            its `revalidate`, `"on-demand"` for one after `revalidate_tag(tag, profile)`,
            None for an error while answering a request.
    """

    router_kind: RouterKind
    route_path: str
    route_type: RouteType
    revalidate_reason: RevalidateReason | None
