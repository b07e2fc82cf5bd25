"""Mirror of `next/navigation`: redirect(), not_found(), forbidden(), unauthorized()."""

from __future__ import annotations

from typing import NoReturn

from approutes.errors import AccessDeniedSignal, NotFoundSignal, RedirectSignal
from approutes.web.headers import header_value

__all__ = [
    "forbidden",
    "local_path",
    "not_found",
    "permanent_redirect",
    "redirect",
    "unauthorized",
]


def redirect(url: str) -> NoReturn:
    """End the handler with a 307 redirect to `url`.

    `url` is sent as given, except that what is not ASCII is percent-encoded as UTF-8 (an
    IDNA host for a non-ASCII host), as a browser serialises a URL: `/café` is sent as
    `/caf%C3%A9`.

    Cookies set with `cookies().set()` are kept on the redirect. The signal derives from
    BaseException, so `except Exception:` around it does not swallow it.

    Example:
        redirect("/login")

    Raises:
        ValueError: `url` holds a line break or another control character, or cannot be
            encoded (a lone surrogate, a host IDNA refuses).
    """
    raise RedirectSignal(_checked(url), 307)


def permanent_redirect(url: str) -> NoReturn:
    """End the handler with a 308 redirect to `url`.

    Example:
        permanent_redirect("/api/v2/users")
    """
    raise RedirectSignal(_checked(url), 308)


def local_path(target: str | None, fallback: str = "/") -> str:
    """`target` when it is a path on this site, else `fallback`: for user-supplied redirects.

    Use it before redirecting to a `?next=` or `returnTo` value, so a crafted link cannot
    send users to another site (an open redirect).

    >>> local_path("/account?tab=2")
    '/account?tab=2'
    >>> local_path("https://evil.example/login")
    '/'
    >>> local_path("//evil.example", fallback="/home")
    '/home'

    Example:
        redirect(local_path(request.search_params.get("next")))
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if any(ord(c) < 0x20 or c == "\\" for c in target):
        return fallback
    return target


def not_found() -> NoReturn:
    """End the handler with the 404 JSON response (`{"error": "Not Found"}`).

    Cookies set with `cookies().set()` are dropped, as in Next.

    Example:
        if user is None:
            not_found()
    """
    raise NotFoundSignal


def forbidden() -> NoReturn:
    """End the handler with the 403 JSON response (`{"error": "Forbidden"}`).

    For a caller who is known but may not do this. Cookies set with `cookies().set()` are
    dropped, as with `not_found()`. Works in handlers, `proxy.py` and Pages handlers.

    Example:
        if not user.is_admin:
            forbidden()

    Next.js: `forbidden()` from `next/navigation` (behind `experimental.authInterrupts`),
    whose route-handler answer has no body; approutes answers JSON like every error.
    """
    raise AccessDeniedSignal(403, {})


def unauthorized(challenge: str = "Bearer") -> NoReturn:
    """End the handler with the 401 JSON response (`{"error": "Unauthorized"}`).

    For a caller who is not signed in. The answer carries `WWW-Authenticate: <challenge>`
    (RFC 9110 §11.6.1 requires one on a 401). Cookies set with `cookies().set()` are dropped.

    Args:
        challenge: The `WWW-Authenticate` value, `Bearer` unless given
            (`'Basic realm="admin"'`, `'Bearer error="invalid_token"'`, ...).

    Raises:
        ValueError: `challenge` holds a line break or cannot be sent as a header.

    Example:
        if session is None:
            unauthorized()

    Next.js: `unauthorized()` from `next/navigation` (behind `experimental.authInterrupts`),
    which sends no `WWW-Authenticate`; approutes adds one, as HTTP requires.
    """
    raise AccessDeniedSignal(401, {"www-authenticate": header_value("www-authenticate", challenge)})


def _checked(url: str) -> str:
    if "\r" in url or "\n" in url:
        raise ValueError(f"redirect target {url!r} contains a line break")
    # NOTE: checked and encoded here, in the handler, so that a target that cannot be sent
    # is the handler's error (mapped and logged with its route file), not the server's.
    return header_value("location", url)
