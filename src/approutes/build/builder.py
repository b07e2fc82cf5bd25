"""`approutes build`: load and check every route, write the manifest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from approutes.build.manifest import write_manifest
from approutes.build.route_rows import route_rows
from approutes.project.env_files import load_env_files
from approutes.project.instrumentation import load_instrumentation
from approutes.project.middleware_module import load_middleware
from approutes.project.routes import load_routes
from approutes.settings.model import load_settings

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["BuildResult", "build_project"]


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build wrote and the route table it checked."""

    manifest: Path
    rows: list[tuple[str, str, str, str]]


def build_project(root: Path) -> BuildResult:
    """Check the settings, the route tree and every module of `root`; write the manifest.

    `middleware.py` and `instrumentation.py` are imported and checked too (`register()` is
    not run).

    Raises:
        ConfigurationError: the first problem found, naming its file.
    """
    load_env_files(root, "production")
    load_settings(root)
    table, modules = load_routes(root)
    load_middleware(root)
    load_instrumentation(root)
    manifest = write_manifest(root, table.routes, modules)
    return BuildResult(manifest=manifest, rows=route_rows(table, modules))
