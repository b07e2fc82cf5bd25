"""Internal: where a request carries its token: the session cookie, or `Authorization: Bearer`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from approutes.web.request import NextRequest

__all__ = ["bearer_token", "cookie_token"]


def cookie_token(request: NextRequest, cookie_name: str) -> str | None:
    """Return the value of the session cookie, or None when absent or empty."""
    cookie = request.cookies.get(cookie_name)
    return cookie.value if cookie is not None and cookie.value else None


def bearer_token(request: NextRequest) -> str | None:
    """Return the token of an `Authorization: Bearer <token>` header, or None.

    The scheme is case-insensitive (RFC 9110 §11.1); any other scheme (`Basic`) is None.
    """
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    return token or None
