"""Tells a cross-origin request apart: for cookie sessions on unsafe methods, and WebSockets.

A browser attaches the session cookie to a form post from any site (SameSite=Lax stops most
of those, not all: sibling subdomains are the same *site*). Such requests carry an `Origin`
header, and modern browsers a `Sec-Fetch-Site` header, which is what is checked here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from approutes.web.request import NextRequest

__all__ = ["SAFE_METHODS", "is_cross_origin", "origin_authority", "request_authority"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CROSS_FETCH_SITES = frozenset({"cross-site", "same-site"})


def is_cross_origin(request: NextRequest) -> bool:
    """Return True when the request demonstrably comes from another origin.

    Another origin means: `Sec-Fetch-Site` is `cross-site` or `same-site` (a sibling
    subdomain is another origin), or `Origin` is present and its host and port differ from
    the request's `Host` (`X-Forwarded-Host` instead when `trust_proxy` is on). `Origin:
    null` (sandboxed frames, some redirects) counts as another origin. A request with
    neither header (curl, server-to-server, older browsers) is not refused.
    """
    headers = request.headers
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.strip().lower() in _CROSS_FETCH_SITES:
        return True
    origin = headers.get("origin")
    if origin is None:
        return False
    theirs = origin_authority(origin)
    return theirs is None or theirs != request_authority(request)


def origin_authority(origin: str) -> str | None:
    """Return the host[:port] of an `Origin` value, lower-case, without a default port.

    >>> origin_authority("https://Example.com:443")
    'example.com'
    >>> origin_authority("http://localhost:3000")
    'localhost:3000'
    >>> origin_authority("null") is None
    True
    """
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return _without_default_port(parts.netloc.lower())


def request_authority(request: NextRequest) -> str | None:
    """Return the host[:port] the client addressed, lower-case, without a default port."""
    host = None
    if request.trust_proxy:
        forwarded = request.headers.get("x-forwarded-host")
        if forwarded:
            host = forwarded.split(",")[0]
    if host is None:
        host = request.headers.get("host")
    return _without_default_port(host.strip().lower()) if host else None


def _without_default_port(authority: str) -> str:
    # NOTE: browsers never write :80 or :443 in Origin; some clients do in Host.
    for default in (":80", ":443"):
        if authority.endswith(default):
            return authority.removesuffix(default)
    return authority
