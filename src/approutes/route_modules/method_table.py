"""Per-route dispatch table: which handler answers which HTTP method.

Built once when a route module is loaded. Knows nothing of requests, caching or ASGI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from approutes.route_modules.handler_plan import HandlerPlan
from approutes.web.response import Response

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["HTTP_METHODS", "MethodTable", "build_method_table"]

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True, slots=True)
class MethodTable:
    """Handlers by method, HEAD and OPTIONS filled in, and the `Allow` header value."""

    handlers: Mapping[str, HandlerPlan]
    allow_header: str
    exported: tuple[str, ...]


def build_method_table(
    plans: Mapping[str, HandlerPlan], file: str, *, static: bool = False
) -> MethodTable:
    """Fill in HEAD (from GET) and OPTIONS (204 + Allow) the way Next does.

    `Allow` lists the methods sorted alphabetically, OPTIONS and HEAD included. A `static`
    route (its GET cached) gets no automatic OPTIONS, as in Next.
    """
    table = dict(plans)
    if "HEAD" not in table and "GET" in table:
        table["HEAD"] = table["GET"]
    if static:
        return MethodTable(
            handlers=table,
            allow_header=", ".join(sorted(table)),
            exported=tuple(m for m in HTTP_METHODS if m in plans),
        )
    allow = ", ".join(sorted({*table, "OPTIONS"}))
    if "OPTIONS" not in table:

        def options() -> Response:
            return Response(None, status=204, headers={"allow": allow})

        table["OPTIONS"] = HandlerPlan(options, 0, False, "OPTIONS", file)
    exported = tuple(m for m in HTTP_METHODS if m in plans)
    return MethodTable(handlers=table, allow_header=allow, exported=exported)
