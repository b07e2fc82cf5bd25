"""A response as cache bytes and back: one JSON line (status, headers), then the body."""

from __future__ import annotations

import orjson

from approutes.web.response import Response

__all__ = ["decode_response", "encode_response"]

# Headers that describe one delivery, not the cached response.
_NOT_STORED = frozenset({"content-length", "x-approutes-cache", "set-cookie"})


def encode_response(status: int, headers: list[tuple[str, str]], body: bytes) -> bytes:
    r"""Serialise a rendered response for the store (its cookies are never stored).

    >>> encode_response(200, [("content-type", "text/plain")], b"hi")
    b'{"s":200,"h":[["content-type","text/plain"]]}\nhi'
    """
    kept = [(name, value) for name, value in headers if name not in _NOT_STORED]
    return orjson.dumps({"s": status, "h": kept}) + b"\n" + body


def decode_response(value: bytes) -> Response:
    """Rebuild a Response from `encode_response` bytes.

    Raises:
        ValueError: the bytes are not an encoded response.
    """
    head, newline, body = value.partition(b"\n")
    if not newline:
        raise ValueError("not an encoded response")
    meta = orjson.loads(head)
    response = Response(body if body else None, status=meta["s"])
    for name, value_text in meta["h"]:
        response.headers.append(name, value_text)
    return response
