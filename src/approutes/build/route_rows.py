"""The route table as plain rows (pattern, methods, file, config) for `routes` and `build`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.build.manifest import ANY_METHOD

if TYPE_CHECKING:
    from approutes.route_modules.registry import RouteModules
    from approutes.routing.route_table import RouteTable

__all__ = ["ROUTE_HEADERS", "route_rows"]

ROUTE_HEADERS = ("Route", "Methods", "File", "Config")


def route_rows(table: RouteTable, modules: RouteModules) -> list[tuple[str, str, str, str]]:
    """One row per route, sorted by URL pattern; a pages/api route lists its methods as ANY."""
    rows = []
    for route in sorted(table.routes, key=lambda r: r.pattern):
        module = modules.get(route)
        pages = module.pages
        described = pages.config.describe() if pages else module.config.describe()
        config = ", ".join(f"{k}={v!r}" for k, v in described.items())
        methods = ANY_METHOD if pages else " ".join(module.methods.exported)
        rows.append((route.pattern, methods, route.file, config))
    return rows
