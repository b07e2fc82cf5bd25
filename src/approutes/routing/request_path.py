"""Request paths: canonical form (308 targets), splitting, and param decoding.

Dot segments and the normal form of a path are `web/url_path.py`'s.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from approutes.errors import BadRequest

__all__ = ["decode_param", "redirect_target", "split_path"]

_REPEATED_SLASHES = re.compile(r"/{2,}")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def redirect_target(path: str, *, trailing_slash: bool | None = False) -> str | None:
    """Return the canonical path a 308 should point at, or None when `path` is canonical.

    `trailing_slash` None keeps a trailing slash as sent (`skip_trailing_slash_redirect`).

    >>> redirect_target("/api/hello/")
    '/api/hello'
    >>> redirect_target("/api//hello")
    '/api/hello'
    >>> redirect_target("/api/hello") is None
    True
    >>> redirect_target("/api/hello", trailing_slash=True)
    '/api/hello/'
    >>> redirect_target("/") is None
    True
    >>> redirect_target("/api//hello/", trailing_slash=None)
    '/api/hello/'
    """
    canonical = _REPEATED_SLASHES.sub("/", path) if "//" in path else path
    if trailing_slash:
        if not canonical.endswith("/"):
            canonical += "/"
    elif trailing_slash is not None and len(canonical) > 1 and canonical.endswith("/"):
        canonical = canonical[:-1]
    return None if canonical == path else canonical


def split_path(path: str) -> list[str]:
    """Split a canonical path into its raw segments.

    >>> split_path("/api/users/42")
    ['api', 'users', '42']
    >>> split_path("/")
    []
    """
    return path[1:].split("/") if len(path) > 1 else []


def decode_param(raw: str) -> str:
    """Percent-decode one path segment exactly once; "%2F" stays inside the value.

    >>> decode_param("a%20b")
    'a b'
    >>> decode_param("a%2Fb")
    'a/b'
    >>> decode_param("%C3%A9t%C3%A9")
    'été'
    >>> decode_param("1+1")
    '1+1'

    Raises:
        BadRequest: a "%" not followed by two hex digits, or bytes that are not UTF-8.
    """
    if "%" not in raw:
        return raw
    if _BAD_ESCAPE.search(raw):
        raise BadRequest("Malformed percent-encoding in the URL path")
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("Malformed percent-encoding in the URL path") from None
