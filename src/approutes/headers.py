"""Mirror of `next/headers`: headers() and cookies() (and request_id()) for the current request.

Not to be confused with the `Headers` class (`from approutes import Headers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.request_context import CookieStore, current_state

if TYPE_CHECKING:
    from approutes.web.headers import Headers

__all__ = ["CookieStore", "cookies", "headers", "request_id"]


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
