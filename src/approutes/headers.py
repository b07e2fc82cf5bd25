"""Mirror of `next/headers`: headers(), cookies(), draft_mode(); and request_id().

Not to be confused with the `Headers` class (`from approutes import Headers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.request_context import (
    DRAFT_MODE_COOKIE,
    CookieStore,
    current_state,
    draft_mode_cookie,
    draft_mode_enabled,
)

if TYPE_CHECKING:
    from approutes.request_context import RequestState
    from approutes.web.headers import Headers

__all__ = ["CookieStore", "DraftMode", "cookies", "draft_mode", "headers", "request_id"]


def headers() -> Headers:
    """Return the current request's headers (read-only, case-insensitive).

    Works in async and sync handlers, and in any function they call.

    Raises:
        OutsideRequestError: called while no request is being handled.

    Example:
        user_agent = headers().get("user-agent")
    """
    return current_state("headers()").request.headers


def cookies() -> CookieStore:
    """Return the current request's cookies; `set` and `delete` change the response.

    Raises:
        OutsideRequestError: called while no request is being handled.

    Example:
        theme = cookies().get("theme")
        cookies().set("theme", "dark")

    Next.js: synchronous here; Next 15 makes it a promise.
    """
    return CookieStore(current_state("cookies()"))


def request_id() -> str:
    """Return the current request's id, the one in its log lines and `X-Request-ID` header.

    It is the `X-Request-ID` the request came with when `trust_proxy` is on and the value is
    printable ASCII of at most 128 characters; otherwise 32 random hex digits, made on first
    use. The response carries it as `x-request-id` whenever it was made or access logging is on.

    Raises:
        OutsideRequestError: called while no request is being handled.

    Example:
        log.info("charging card", extra={"request_id": request_id()})

    Next.js: no equivalent; an approutes addition.
    """
    return current_state("request_id()").request_id


def draft_mode() -> DraftMode:
    """Return the draft mode of the current request (Next's `draftMode()`).

    Raises:
        OutsideRequestError: called while no request is being handled.

    Example:
        def GET(request):
            if request.search_params.get("secret") != os.environ["PREVIEW_SECRET"]:
                return NextResponse.json({"error": "Invalid token"}, status=401)
            draft_mode().enable()
            return NextResponse.redirect("/api/posts")
    """
    return DraftMode(current_state("draft_mode()"))


class DraftMode:
    """Draft mode: while it is on, cached routes render for each request, skipping the cache.

    It is on for a client that sends the `__prerender_bypass` cookie with this build's
    secret; `enable()` sends that cookie, `disable()` removes it.
    """

    __slots__ = ("_state",)

    def __init__(self, state: RequestState) -> None:
        """Work on the request of `state` and its response's cookies."""
        self._state = state

    @property
    def is_enabled(self) -> bool:
        """Whether the request came with draft mode on."""
        return draft_mode_enabled(self._state.request)

    def enable(self) -> None:
        """Turn draft mode on for this client (sets the cookie on the response)."""
        value, attributes = draft_mode_cookie(enable=True)
        CookieStore(self._state).set(DRAFT_MODE_COOKIE, value, **attributes)

    def disable(self) -> None:
        """Turn draft mode off for this client (expires the cookie)."""
        value, attributes = draft_mode_cookie(enable=False)
        CookieStore(self._state).set(DRAFT_MODE_COOKIE, value, **attributes)
