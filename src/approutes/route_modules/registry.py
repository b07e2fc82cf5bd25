"""RouteModules: each route file loaded once (eagerly when scanned, lazily from a manifest).

Both kinds: `app/**/route.py` and `pages/api/**.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.route_modules.loader import load_route

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from approutes.route_modules.route_module import LoadedRoute
    from approutes.routing.scanner import RouteFile

__all__ = ["RouteModules"]


class RouteModules:
    """Loaded route modules by file."""

    __slots__ = ("by_file", "root")

    def __init__(self, root: Path) -> None:
        """Load modules of the project at `root` on demand."""
        self.root = root
        # Loaded modules by route file; the pipeline reads it directly (PERF), `get` loads.
        self.by_file: dict[str, LoadedRoute] = {}

    def load_all(self, routes: Iterable[RouteFile]) -> None:
        """Load and check every route now (dev, build, start without a manifest).

        Raises:
            RouteModuleError: the first module that cannot be used.
        """
        for route in routes:
            self.get(route)

    def forget(self, files: Iterable[str]) -> None:
        """Drop the loaded modules of `files` (changed or deleted), to load them afresh."""
        for file in files:
            self.by_file.pop(file, None)

    def get(self, route: RouteFile) -> LoadedRoute:
        """Return the module of `route`, loading it on first use.

        Raises:
            RouteModuleError: the module cannot be used.
        """
        module = self.by_file.get(route.file)
        if module is None:
            module = self.by_file[route.file] = load_route(self.root, route)
        return module
