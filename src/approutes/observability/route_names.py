"""The low-cardinality names a request is counted and traced under: its method, its route."""

from __future__ import annotations

from approutes.routing.scanner import PAGES_PREFIX, route_file_from_path

__all__ = ["RouteNames", "method_name"]

# The methods of RFC 9110 (and PATCH); any other is "_OTHER", as OpenTelemetry's HTTP
# conventions say: a client must not be able to create a new series per made-up method.
_KNOWN_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE")
)


def method_name(method: str) -> str:
    """The method as traced and counted.

    >>> method_name("GET"), method_name("PROPFIND")
    ('GET', '_OTHER')
    """
    return method if method in _KNOWN_METHODS else "_OTHER"


class RouteNames:
    """Route file to route template (`app/api/users/[id]/route.py` -> `/api/users/[id]`).

    Filled from the route table at load; a file first seen later (a route added while `dev`
    runs) is named from its path once and remembered.

    >>> names = RouteNames(())
    >>> names.template("app/api/users/[id]/route.py")
    '/api/users/[id]'
    >>> names.template("app/(shop)/cart/route.py")
    '/cart'
    >>> names.template("middleware.py") is None
    True
    """

    __slots__ = ("_templates",)

    def __init__(self, known: dict[str, str] | tuple[()]) -> None:
        """Start from `known` templates by route file."""
        self._templates: dict[str, str | None] = dict(known)

    def template(self, route_file: str) -> str | None:
        """The template of `route_file`, or None when no route file answered."""
        try:
            return self._templates[route_file]
        except KeyError:
            pass
        name = None
        if route_file.startswith(("app/", PAGES_PREFIX)) and route_file.endswith(".py"):
            name = route_file_from_path(route_file).pattern
        self._templates[route_file] = name
        return name
