"""Manifest <-> .approutes/manifest.json: the checked route table a build leaves for start.

Rows of `app/` and `pages/api/` files alike; `start` rebuilds each from its file path.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from approutes.errors import ManifestError
from approutes.route_modules.route_module import RouteModule
from approutes.routing.scanner import RouteFile, route_file_from_path

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from approutes.route_modules.registry import RouteModules

__all__ = ["ANY_METHOD", "MANIFEST_SCHEMA", "manifest_path", "read_manifest", "write_manifest"]

MANIFEST_SCHEMA = 1
ANY_METHOD = "ANY"
"""The methods of a pages/api route, in the manifest and the route table: all of them."""


def manifest_path(root: Path) -> Path:
    """Where the manifest of the project at `root` lives."""
    return root / ".approutes" / "manifest.json"


def write_manifest(root: Path, routes: Iterable[RouteFile], modules: RouteModules) -> Path:
    """Write the manifest for `routes` (already loaded and checked by `modules`)."""
    rows: list[dict[str, Any]] = []
    for route in routes:
        module = modules.get(route)
        rows.append(
            {
                "pattern": route.pattern,
                "file": route.file,
                # A pages/api handler serves every method.
                "methods": (
                    list(module.methods.exported)
                    if isinstance(module, RouteModule)
                    else [ANY_METHOD]
                ),
                "config": module.config.describe(),
            }
        )
    path = manifest_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"schema": MANIFEST_SCHEMA, "routes": rows}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def read_manifest(root: Path) -> list[RouteFile]:
    """Read the route list back; every file it names must still exist.

    Raises:
        ManifestError: an unreadable manifest, another schema, or a route file gone since.
    """
    path = manifest_path(root)
    shown = path.relative_to(root).as_posix()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        rows = document["routes"]
        schema = document["schema"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ManifestError(
            code="bad-manifest",
            files=(shown,),
            problem=f"it cannot be read ({exc})",
            fix="run `approutes build` again",
        ) from exc
    if schema != MANIFEST_SCHEMA:
        raise ManifestError(
            code="bad-manifest",
            files=(shown,),
            problem=f"it has schema {schema}, this approutes reads {MANIFEST_SCHEMA}",
            fix="run `approutes build` again",
        )
    routes = [route_file_from_path(row["file"]) for row in rows]
    missing = [r.file for r in routes if not (root / r.file).is_file()]
    if missing:
        raise ManifestError(
            code="stale-manifest",
            files=(shown, *missing),
            problem="route files listed in the manifest no longer exist",
            fix="run `approutes build` again",
        )
    return routes
