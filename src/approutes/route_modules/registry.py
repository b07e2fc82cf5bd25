"""RouteModules: each route file loaded once (eagerly when scanned, lazily from a manifest).

Both kinds: `app/**/route.py` and `pages/api/**.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.errors import ConfigurationError
from approutes.route_modules.loader import load_route
from approutes.route_modules.route_module import RouteModule

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from approutes.route_modules.route_module import LoadedRoute
    from approutes.routing.scanner import RouteFile

__all__ = ["RouteModules"]


class RouteModules:
    """Loaded route modules by file."""

    __slots__ = ("by_file", "failures", "root")

    def __init__(self, root: Path) -> None:
        """Load modules of the project at `root` on demand."""
        self.root = root
        # Loaded modules by route file; the pipeline reads it directly (PERF), `get` loads.
        self.by_file: dict[str, LoadedRoute] = {}
        # Dev only (`load_all(keep_going=True)`): why a file cannot load; `get` raises it.
        self.failures: dict[str, ConfigurationError] = {}

    def load_all(self, routes: Iterable[RouteFile], *, keep_going: bool = False) -> None:
        """Load and check every route now (dev, build, start without a manifest).

        Args:
            routes: The routes to load.
            keep_going: Record a module that cannot be used in `failures` and load the
                others (dev: one broken file fails only its own route, as in Next.js).

        Raises:
            RouteModuleError: the first module that cannot be used (without `keep_going`).
        """
        for route in routes:
            if not keep_going:
                self.get(route)
                continue
            try:
                self.get(route)
            except ConfigurationError as exc:
                self.failures[route.file] = exc

    def socket_routes(self) -> list[RouteModule]:
        """The loaded app routes whose GET takes WebSocket upgrades."""
        return [m for m in self.by_file.values() if isinstance(m, RouteModule) and m.takes_socket]

    def forget(self, files: Iterable[str]) -> None:
        """Drop the loaded modules of `files` (changed or deleted), to load them afresh."""
        for file in files:
            self.by_file.pop(file, None)
            self.failures.pop(file, None)

    def get(self, route: RouteFile) -> LoadedRoute:
        """Return the module of `route`, loading it on first use.

        Raises:
            RouteModuleError: the module cannot be used.
        """
        module = self.by_file.get(route.file)
        if module is None:
            failure = self.failures.get(route.file)
            if failure is not None:
                # NOTE: a fresh traceback per raise (its cause keeps the file's own); the
                # saved one would grow by these frames on every request.
                raise failure.with_traceback(None)
            module = self.by_file[route.file] = load_route(self.root, route)
        return module
