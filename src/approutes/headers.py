"""Mirror of `next/headers`: headers() and cookies() for the request being handled.

Not to be confused with the `Headers` class (`from approutes import Headers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.request_context import CookieStore, current_state

if TYPE_CHECKING:
    from approutes.web.headers import Headers

__all__ = ["CookieStore", "cookies", "headers"]


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
