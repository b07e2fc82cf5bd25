"""Where a project keeps its code: at the root, or under `src/` as Next.js allows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.errors import RouteTreeError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["CODE_FILES", "code_file", "source_dir"]

CODE_FILES = ("proxy.py", "middleware.py", "instrumentation.py")
"""The files that sit beside `app/` and `pages/`, under `src/` when those are."""

_ROUTE_DIRS = ("app", "pages")


def source_dir(root: Path) -> str:
    """`"src"` when the project keeps `app/` or `pages/` under `src/`, else `""`.

    With `src/`, `src/proxy.py`, `src/middleware.py` and `src/instrumentation.py` are the
    project's, and imports resolve from `src/` (`from lib.db import db` is `src/lib/db.py`).

    Raises:
        RouteTreeError: route folders both at the root and under `src/`, or one of
            CODE_FILES at the root while the routes are under `src/` (Next would ignore it
            there, so a proxy's guard would silently never run).
    """
    at_root = [f"{name}/" for name in _ROUTE_DIRS if (root / name).is_dir()]
    in_src = [f"src/{name}/" for name in _ROUTE_DIRS if (root / "src" / name).is_dir()]
    if at_root and in_src:
        raise RouteTreeError(
            code="src-and-root-routes",
            files=(at_root[0], in_src[0]),
            problem="the project has route folders both at its root and under src/",
            fix="keep app/ and pages/ in one place: move them all under src/, or all to the root",
        )
    if not in_src:
        return ""
    for name in CODE_FILES:
        if (root / name).is_file():
            raise RouteTreeError(
                code="src-and-root-routes",
                files=(name, in_src[0]),
                problem=f"{name} is at the project root but the routes are under src/; "
                "it would never run",
                fix=f"move it to src/{name}",
            )
    return "src"


def code_file(root: Path, name: str) -> str:
    """Where the project at `root` keeps `name` (one of CODE_FILES), relative to the root.

    Raises:
        RouteTreeError: as `source_dir`.
    """
    folder = source_dir(root)
    return f"{folder}/{name}" if folder else name
