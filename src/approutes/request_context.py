"""Context variables behind the request helpers: the current request, cookie changes, after().

Set by the ASGI entrypoint for each request; read by `approutes.headers`,
`approutes.server.after` and the pipeline. Sync handlers run in a thread with the context copied.
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, Protocol, Unpack

from approutes.errors import OutsideRequestError
from approutes.log import error_log
from approutes.web.cookies import Cookie, CookieAttributes, ResponseCookies
from approutes.web.headers import Headers
from approutes.web.request_id import request_id_for

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from approutes.web.request import NextRequest
    from approutes.web.websocket import WebSocket

__all__ = [
    "CURRENT_STATE",
    "DRAFT_MODE_COOKIE",
    "CookieStore",
    "ErrorSink",
    "RequestState",
    "RevalidateReason",
    "current_state",
    "draft_mode_cookie",
    "draft_mode_enabled",
    "entered_state",
    "run_after",
    "use_draft_mode_secret",
]


RevalidateReason = Literal["stale", "on-demand"]


class ErrorSink(Protocol):
    """Where the uncaught errors of a request go once it is answered (on_request_error)."""

    async def report(
        self,
        error: BaseException,
        state: RequestState,
        revalidate_reason: RevalidateReason | None = None,
    ) -> None:
        """Report `error` of the request of `state`; never raises."""

    def report_later(self, error: BaseException, state: RequestState) -> None:
        """`report` from a callback that cannot await."""


class RequestState:
    """What belongs to one request besides the request itself."""

    __slots__ = (
        "after",
        "cookie_changes",
        "error_sink",
        "front_headers",
        "front_path",
        "made_request_id",
        "request",
        "route_file",
        "route_pattern",
        "socket",
    )

    def __init__(self, request: NextRequest, error_sink: ErrorSink | None = None) -> None:
        """Start with no cookie changes and no after() callbacks."""
        self.request = request
        self.route_file = ""
        # The matched route's template (`/api/users/[id]`), once routed.
        self.route_pattern = ""
        self.error_sink = error_sink
        self.cookie_changes: Headers | None = None
        # Each callback with the file that registered it (the route, or proxy.py).
        self.after: list[tuple[Callable[[], Any] | Awaitable[Any], str | None]] | None = None
        # The front half's: the path [[headers]] match, and middleware's next() headers.
        self.front_path = ""
        self.front_headers: Headers | None = None
        # The id once `request_id` was asked for (PERF: read directly by the entrypoint).
        self.made_request_id: str | None = None
        # The WebSocket of an upgrade request; None for plain HTTP.
        self.socket: WebSocket | None = None

    @property
    def request_id(self) -> str:
        """The request's id, taken from a trusted proxy or made on first use."""
        found = self.made_request_id
        if found is None:
            request = self.request
            # SECURITY: a client's own X-Request-ID is taken only behind a trusted proxy, as
            # X-Forwarded-For is: otherwise anyone could pick the id of their log lines.
            forwarded = request.headers.get("x-request-id") if request.trust_proxy else None
            found = self.made_request_id = request_id_for(forwarded)
        return found


# The state of the request being handled. The entrypoint sets and resets it around each
# request (PERF: directly, no wrapper functions); the helpers read it through current_state().
CURRENT_STATE: ContextVar[RequestState | None] = ContextVar("approutes_request", default=None)


@contextmanager
def entered_state(request: NextRequest, route_file: str) -> Iterator[RequestState]:
    """Make `request` (of `route_file`) the current one until the block ends.

    For requests served outside the ASGI entrypoint: a static render, a process-pool
    handler, a test's `call_route`. At the end the request's uploads are released.
    """
    state = RequestState(request)
    state.route_file = route_file
    token = CURRENT_STATE.set(state)
    try:
        yield state
    finally:
        CURRENT_STATE.reset(token)
        request.close()


DRAFT_MODE_COOKIE = "__prerender_bypass"
"""The cookie that turns draft mode on, under Next's name."""


# The served project's draft-mode secret (create_app sets the build's); a fresh one until then.
_draft_mode_secret = secrets.token_hex(16)


def use_draft_mode_secret(secret: str) -> None:
    """Make `secret` the value of the draft-mode cookie from now on (one project a process)."""
    global _draft_mode_secret
    _draft_mode_secret = secret


def draft_mode_cookie(*, enable: bool) -> tuple[str, CookieAttributes]:
    """The value and attributes of the draft-mode cookie that turns it on (or off).

    As Next sets it, in the App and the Pages Router alike.
    """
    attributes: CookieAttributes = {
        "http_only": True,
        "secure": True,
        "same_site": "none",
        "path": "/",
    }
    if enable:
        return _draft_mode_secret, attributes
    attributes["expires"] = 0
    return "", attributes


def draft_mode_enabled(request: NextRequest) -> bool:
    """Whether `request` carries the draft-mode cookie of this build."""
    sent = request.cookie(DRAFT_MODE_COOKIE)
    return sent is not None and hmac.compare_digest(sent, _draft_mode_secret)


async def run_after(state: RequestState) -> None:
    """Run the `after()` callbacks of `state`, in order, once its response is sent.

    Sync callbacks run in a worker thread; an awaitable is awaited. One that raises is logged
    with the file that registered it (the route, or proxy.py); the others still run.
    """
    for callback, file in state.after or ():
        try:
            if inspect.isawaitable(callback):
                await callback
            elif inspect.iscoroutinefunction(callback):
                await callback()
            else:
                result = await asyncio.to_thread(callback)
                if inspect.isawaitable(result):
                    await result
        except Exception as exc:  # noqa: BLE001 - an after() callback must not hurt the server
            error_log.error("after() callback raised in %s", file, exc_info=exc)
            if state.error_sink is not None:
                await state.error_sink.report(exc, state)


def current_state(helper: str) -> RequestState:
    """Return the state of the request being handled.

    Raises:
        OutsideRequestError: no request is being handled (`helper` names the caller).
    """
    state = CURRENT_STATE.get()
    if state is None:
        raise OutsideRequestError(
            f"{helper} was called outside a request: call it inside a route handler "
            "(or a function a handler calls)"
        )
    return state


class CookieStore:
    """What `cookies()` returns: the request's cookies, and changes for the response.

    `set` and `delete` apply to whatever response the handler returns (a redirect included);
    `get` sees the changes made so far.
    """

    __slots__ = ("_state",)

    def __init__(self, state: RequestState) -> None:
        """Work on the cookies of `state`."""
        self._state = state

    def get(self, name: str) -> Cookie | None:
        """Return the cookie `name`, as changed in this request, or as the client sent it."""
        changed = self._changes().get(name) if self._state.cookie_changes else None
        if changed is not None:
            return changed if changed.value else None
        return self._state.request.cookies.get(name)

    def get_all(self) -> list[Cookie]:
        """Return every cookie, with this request's changes applied."""
        merged = {c.name: c for c in self._state.request.cookies.get_all()}
        if self._state.cookie_changes:
            for cookie in self._changes().get_all():
                if cookie.value:
                    merged[cookie.name] = cookie
                else:
                    merged.pop(cookie.name, None)
        return list(merged.values())

    def has(self, name: str) -> bool:
        """Return True when the cookie `name` is present."""
        return self.get(name) is not None

    def set(self, name: str, value: str, **attributes: Unpack[CookieAttributes]) -> None:
        """Set a cookie on the response this handler returns (see ResponseCookies.set)."""
        self._changes().set(name, value, **attributes)

    def delete(self, name: str) -> None:
        """Tell the client to drop the cookie `name`."""
        self._changes().delete(name)

    def __len__(self) -> int:
        return len(self.get_all())

    def __iter__(self) -> Iterator[Cookie]:
        return iter(self.get_all())

    def _changes(self) -> ResponseCookies:
        if self._state.cookie_changes is None:
            self._state.cookie_changes = Headers()
        return ResponseCookies(self._state.cookie_changes)
