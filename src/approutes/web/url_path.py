"""A URL's path as the router and every matcher see it: one normal form, made once.

SECURITY: middleware's matcher, the settings rules and the router must agree on what a
path is, or an encoding of a guarded path reaches its handler unguarded. So a request's path
has its percent-encoded unreserved characters decoded (RFC 3986 §6.2.2.2: `%73ecret` is
`secret`) before anything matches it; `%2F` stays a character inside its segment, and `%2E`
stays encoded (COMPAT(next): an encoded dot segment is not resolved, and no route matches it).
A rewrite target is read as a WHATWG URL parser reads one: its dot segments are resolved,
encoded ones included, so a rewrite never hands a route a `..` param.
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["decode_unreserved", "normalize_rewrite_path", "remove_dot_segments"]

_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# Unreserved (RFC 3986 §2.3) but ".": ALPHA / DIGIT / "-" / "_" / "~".
_DECODED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_DOT = frozenset({".", "%2e"})
_DOUBLE_DOT = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})


def decode_unreserved(path: str) -> str:
    """Decode the escapes of unreserved characters but `.`; keep every other escape.

    >>> decode_unreserved("/api/echo/%73ecret")
    '/api/echo/secret'
    >>> decode_unreserved("/a%2Fb/%2e%2E/%7E%20")
    '/a%2Fb/%2e%2E/~%20'
    """
    if "%" not in path:
        return path
    return _ESCAPE.sub(_decode_one, path)


def _decode_one(found: re.Match[str]) -> str:
    byte = int(found.group(1), 16)
    return chr(byte) if byte in _DECODED else found.group()


def remove_dot_segments(path: str, *, encoded: bool = False) -> str:
    """Resolve "." and ".." segments as a URL parser does.

    With `encoded`, `%2e` spellings count as dots too (a WHATWG URL parser's rule, for
    rewrite targets); without, they stay (a request's own path, as Next.js leaves it).

    >>> remove_dot_segments("/api/files/a/../b")
    '/api/files/b'
    >>> remove_dot_segments("/api/files/a/..")
    '/api/files/'
    >>> remove_dot_segments("/../api/./x")
    '/api/x'
    >>> remove_dot_segments("/api/%2E%2E/x")
    '/api/%2E%2E/x'
    >>> remove_dot_segments("/api/files/%2E%2e", encoded=True)
    '/api/'
    """
    if "/." not in path and not (encoded and "%" in path):
        return path
    out: list[str] = []
    parts = path[1:].split("/")
    last = len(parts) - 1
    for index, part in enumerate(parts):
        shape = part.lower() if encoded else part
        if shape == ".." or (encoded and shape in _DOUBLE_DOT):
            if out:
                out.pop()
            if index == last:
                out.append("")
        elif shape == "." or (encoded and shape in _DOT):
            if index == last:
                out.append("")
        else:
            out.append(part)
    return "/" + "/".join(out)


def _percent_encode(found: re.Match[str]) -> str:
    return quote(found.group(), safe="")


def normalize_rewrite_path(path: str) -> str:
    r"""The path a rewrite target names, in the request path's normal form.

    As `new URL(target, request.url)` reads it: a backslash is a slash, what is not ASCII
    is percent-encoded as UTF-8, dot segments (encoded ones too) are resolved; then
    unreserved escapes are decoded as for a request's path.

    >>> normalize_rewrite_path("/api/files/..")
    '/api/'
    >>> normalize_rewrite_path("/api/files/%2e%2e/secret")
    '/api/secret'
    >>> normalize_rewrite_path("/api/files/caf\u00e9")
    '/api/files/caf%C3%A9'
    >>> normalize_rewrite_path("/api\\files/%61")
    '/api/files/a'
    """
    if not path.startswith("/"):
        path = "/" + path
    path = path.replace("\\", "/")
    if not path.isascii():
        path = _NON_ASCII.sub(_percent_encode, path)
    return decode_unreserved(remove_dot_segments(path, encoded=True))
