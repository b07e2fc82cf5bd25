"""The route table as plain rows (pattern, methods, file, config) for `routes` and `build`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from approutes.route_modules.registry import RouteModules
    from approutes.routing.route_table import RouteTable

__all__ = ["ROUTE_HEADERS", "route_rows"]

ROUTE_HEADERS = ("Route", "Methods", "File", "Config")


def route_rows(table: RouteTable, modules: RouteModules) -> list[tuple[str, str, str, str]]:
    """One row per route, sorted by URL pattern."""
    rows = []
    for route in sorted(table.routes, key=lambda r: r.pattern):
        module = modules.get(route)
        config = ", ".join(f"{k}={v!r}" for k, v in module.config.describe().items())
        rows.append((route.pattern, " ".join(module.methods.exported), route.file, config))
    return rows
