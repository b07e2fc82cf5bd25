"""Manifest <-> .approutes/manifest.json: the checked route table a build leaves for start.

Rows of `app/` and `pages/api/` files alike; `start` rebuilds each from its file path. Each
row carries the SHA-256 of its file, so that `start` can tell a manifest that no longer
describes the route files on disk (`manifest_drift`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from approutes.errors import ManifestError
from approutes.route_modules.route_module import RouteModule

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import Path

    from approutes.route_modules.registry import RouteModules
    from approutes.route_modules.route_module import LoadedRoute
    from approutes.routing.scanner import RouteFile

__all__ = [
    "ANY_METHOD",
    "MANIFEST_SCHEMA",
    "Manifest",
    "StaleManifestWarning",
    "listed_methods",
    "manifest_drift",
    "manifest_path",
    "read_manifest",
    "write_manifest",
]

MANIFEST_SCHEMA = 1
ANY_METHOD = "ANY"
"""The methods of a pages/api route, in the manifest and the route table: all of them."""


class StaleManifestWarning(UserWarning):
    """The build manifest does not match the route files on disk (the tree is scanned instead)."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a build wrote: its route files and the digest of each then.

    A route is rebuilt from its file's path alone (`route_file_from_path`): while the files
    on disk match the manifest (`manifest_drift`), the scan's routes are the build's.
    """

    files: tuple[str, ...]
    digests: Mapping[str, str]
    """file -> SHA-256 of its bytes at build time (absent for a file a build did not hash)."""


def listed_methods(module: LoadedRoute) -> list[str]:
    """The methods a route lists: its exported ones; ["ANY"] for a pages/api handler."""
    return list(module.methods.exported) if isinstance(module, RouteModule) else [ANY_METHOD]


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
                "methods": listed_methods(module),
                "config": module.config.describe(),
                "sha256": _digest(root, route.file),
            }
        )
    path = manifest_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"schema": MANIFEST_SCHEMA, "routes": rows}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def read_manifest(root: Path) -> Manifest:
    """Read the routes (and their file digests) back.

    Raises:
        ManifestError: an unreadable manifest, or another schema.
    """
    path = manifest_path(root)
    shown = path.relative_to(root).as_posix()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        rows = document["routes"]
        schema = document["schema"]
        files = [row["file"] for row in rows]
        # NOTE: a manifest written before digests existed has none; its files are then only
        # compared by name.
        digests = {row["file"]: row["sha256"] for row in rows if "sha256" in row}
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
    return Manifest(tuple(files), digests)


def manifest_drift(root: Path, manifest: Manifest, found: Sequence[RouteFile]) -> str | None:
    """Say how the route files `found` on disk differ from `manifest`, or None if they match.

    Names the first differing file in path order: added since the build, removed, or with
    other contents than at the build.

    PERF: runs at every production start-up: a set comparison, then one read and hash of each
    route file (no import).
    """
    listed = set(manifest.files)
    on_disk = {route.file for route in found}
    for file in sorted(listed | on_disk):
        if file not in listed:
            return f"{file} was added"
        if file not in on_disk:
            return f"{file} was removed"
        built = manifest.digests.get(file)
        if built is not None and _digest(root, file) != built:
            return f"{file} was changed"
    return None


def _digest(root: Path, file: str) -> str:
    # PERF: a plain open, not a Path's read_bytes (1,000 route files, at every start-up).
    with open(os.path.join(root, file), "rb") as opened:  # noqa: PTH123, PTH118
        return hashlib.sha256(opened.read()).hexdigest()
