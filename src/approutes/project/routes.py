"""The route table and modules of a project, from a scan or from a build manifest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.build.manifest import read_manifest
from approutes.route_modules.registry import RouteModules
from approutes.routing.route_table import RouteTable
from approutes.routing.scanner import scan_app_dir

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["load_routes"]


def load_routes(root: Path, *, from_manifest: bool = False) -> tuple[RouteTable, RouteModules]:
    """Build the route table of the project at `root` and its module registry.

    A scan loads and checks every module now; a manifest (written by a build that already
    checked them) loads each module on its first request.

    Raises:
        ConfigurationError: a bad tree, module, or manifest.
    """
    modules = RouteModules(root)
    if from_manifest:
        return RouteTable(read_manifest(root)), modules
    table = RouteTable(scan_app_dir(root))
    modules.load_all(table.routes)
    return table, modules
