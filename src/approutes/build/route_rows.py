"""The route table as plain rows (pattern, methods, file, config) for `routes` and `build`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypedDict

from approutes.build.manifest import listed_methods
from approutes.route_modules.route_module import RouteModule

if TYPE_CHECKING:
    from approutes.route_modules.registry import RouteModules
    from approutes.routing.route_table import RouteTable

__all__ = ["ROUTE_HEADERS", "RouteRecord", "route_records", "route_rows"]

ROUTE_HEADERS = ("Route", "Methods", "File", "Config")
SOCKET_MARK = "WS"
"""Listed after the methods of a route whose GET takes WebSocket upgrades."""


class RouteRecord(TypedDict):
    """One route as `approutes routes --json` prints it."""

    pattern: str
    methods: list[str]
    file: str
    router: Literal["app", "pages"]
    websocket: bool
    config: dict[str, object]


def route_records(table: RouteTable, modules: RouteModules) -> list[RouteRecord]:
    """One record per route, sorted by URL pattern (`approutes routes --json`).

    Each has `pattern`, `methods` (["ANY"] for a pages/api route), `file`, `router`
    ("app" or "pages"), `websocket` (its GET takes WebSocket upgrades) and `config` (the
    values that differ from the defaults).
    """
    records: list[RouteRecord] = []
    for route in sorted(table.routes, key=lambda r: r.pattern):
        module = modules.get(route)
        records.append(
            {
                "pattern": route.pattern,
                "methods": listed_methods(module),
                "file": route.file,
                "router": "app" if isinstance(module, RouteModule) else "pages",
                "websocket": isinstance(module, RouteModule) and module.takes_socket,
                "config": module.config.describe(),
            }
        )
    return records


def route_rows(table: RouteTable, modules: RouteModules) -> list[tuple[str, str, str, str]]:
    """The records of `route_records` as text columns (Route, Methods, File, Config)."""
    return [
        (
            record["pattern"],
            " ".join(
                [*record["methods"], SOCKET_MARK] if record["websocket"] else record["methods"]
            ),
            record["file"],
            ", ".join(f"{k}={v!r}" for k, v in record["config"].items()),
        )
        for record in route_records(table, modules)
    ]
