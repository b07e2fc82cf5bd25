"""The route table and modules of a project, from a scan or from a build manifest."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from approutes.build.manifest import (
    StaleManifestWarning,
    manifest_drift,
    manifest_path,
    read_manifest,
)
from approutes.errors import RouteTreeError
from approutes.project.source_dir import source_dir
from approutes.route_modules.registry import RouteModules
from approutes.routing.route_table import RouteTable
from approutes.routing.scanner import scan_app_dir, scan_pages_dir

if TYPE_CHECKING:
    from collections.abc import Sequence

    from approutes.routing.scanner import RouteFile

__all__ = ["load_routes"]


def load_routes(
    root: Path,
    *,
    from_manifest: bool = False,
    reuse: RouteModules | None = None,
    keep_going: bool = False,
) -> tuple[RouteTable, RouteModules]:
    """Build the route table of the project at `root` and its module registry.

    With `reuse` (a dev reload), modules already loaded there are kept; those of files no
    longer in the tree are dropped.

    `app/**/route.py` and `pages/api/**.py` go into one table, so the same conflict rules
    apply to both. A scan loads and checks every module now; a manifest (written by a build
    that already checked them) loads each module on its first request. With `keep_going`
    (dev), a module that cannot load is recorded in `modules.failures` and answers its
    error, and the other routes load; a bad tree still raises.

    A manifest is used only while it still describes the route files on disk (the scanner,
    which imports nothing, lists them): when a file was added, removed or changed since the
    build, a `StaleManifestWarning` names the first such file and the tree is scanned (and
    every module loaded) as if there were no manifest.

    Raises:
        ConfigurationError: a bad tree, module, or manifest; an app route and a pages route
            for one URL (`app-and-pages-conflict`, naming both files).
    """
    modules = reuse if reuse is not None else RouteModules(root)
    manifest = read_manifest(root) if from_manifest else None
    source = source_dir(root)
    app_routes = scan_app_dir(root, source)
    pages_routes = scan_pages_dir(root, source)
    found = [*app_routes, *pages_routes]
    if manifest is not None:
        drift = manifest_drift(root, manifest, found)
        if drift is None:
            # NOTE: the build's routes: the same files, and a route is its file's path.
            return RouteTable(found), modules
        # NOTE: rescan rather than refuse: the site keeps serving every route on disk (as
        # without a manifest) and the warning says the build is out of date.
        warnings.warn(
            StaleManifestWarning(_stale_manifest_message(root, drift)),
            stacklevel=_first_caller_outside_approutes(),
        )
    if app_routes and pages_routes:
        _refuse_urls_served_twice(app_routes, pages_routes)
    table = RouteTable(found)
    if reuse is not None:
        current = {route.file for route in table.routes}
        known = [*modules.by_file, *modules.failures]
        modules.forget([file for file in known if file not in current])
    modules.load_all(table.routes, keep_going=keep_going)
    return table, modules


def _stale_manifest_message(root: Path, drift: str) -> str:
    """The one line that says the manifest is out of date; `drift` names the file."""
    shown = manifest_path(root).relative_to(root).as_posix()
    return (
        f"{shown} is out of date ({drift} since `approutes build`); serving the route files "
        "found on disk instead. Run `approutes build` again."
    )


def _first_caller_outside_approutes() -> int:
    """The `stacklevel` that points a warning from here at the first caller outside approutes.

    NOTE: as 3.12's `skip_file_prefixes`, for 3.11: pytest and the default warning filter
    then show the user's line (a test's `TestClient(...)`), not approutes' internals.
    """
    package = str(Path(__file__).resolve().parent.parent)
    level = 1
    frame = sys._getframe(1)  # the function that calls warnings.warn
    while frame.f_back is not None and frame.f_code.co_filename.startswith(package):
        frame = frame.f_back
        level += 1
    return level


def _refuse_urls_served_twice(
    app_routes: Sequence[RouteFile], pages_routes: Sequence[RouteFile]
) -> None:
    """Refuse an app route and a pages route with the same URL pattern, as Next does.

    NOTE: checked before the trie, which would call it a plain duplicate and suggest route
    groups; param names play no part here (a differing name is still the same URL).
    """
    by_url = {_url_shape(route): route for route in app_routes}
    for route in pages_routes:
        app_route = by_url.get(_url_shape(route))
        if app_route is not None:
            raise RouteTreeError(
                code="app-and-pages-conflict",
                files=(app_route.file, route.file),
                problem=(
                    f"an app route and a pages route both serve the URL {route.pattern} "
                    "(Next.js refuses this too: conflicting app and page file)"
                ),
                fix="keep one of the two files: delete the other or move it to another URL",
            )


def _url_shape(route: RouteFile) -> tuple[tuple[str, str], ...]:
    return tuple((s.kind, s.url_text if s.kind == "static" else "") for s in route.segments)
