"""Requests made without a client: static renders, the process pool, `call_route`.

Each is built from the same ASGI scope shape the servers hand the entrypoint, so the
request a handler sees behaves the same whichever road brought it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from approutes.web.bytes_body import BytesBody
from approutes.web.request import NextRequest, RequestLimits

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["synthetic_request", "synthetic_scope"]

_NO_LIMITS = RequestLimits(0, 0)


def synthetic_scope(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: Iterable[tuple[str, str]] = (),
    scheme: str = "http",
    server: tuple[str, int] | None = ("localhost", 3000),
    client: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """An ASGI HTTP scope for a request to `path` (raw, percent-escapes kept).

    >>> synthetic_scope("GET", "/api/a b", query="x=1")["raw_path"]
    b'/api/a b'
    """
    return {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode("latin-1"),
        "query_string": query.encode("latin-1"),
        "headers": [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in headers],
        "server": server,
        "client": client,
    }


def synthetic_request(
    scope: dict[str, Any], body: bytes = b"", limits: RequestLimits | None = None
) -> NextRequest:
    """A NextRequest for `scope` whose body is `body` (limits: the body's own size)."""
    if limits is None:
        limits = RequestLimits(len(body), len(body)) if body else _NO_LIMITS
    return NextRequest(scope, BytesBody(body), scope["path"], limits)
