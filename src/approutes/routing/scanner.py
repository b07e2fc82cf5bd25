"""Walks app/ and yields one RouteFile per route.py; imports nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from approutes.errors import RouteTreeError
from approutes.routing.segment import Segment, parse_segment, segment_label

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["ROUTE_FILE_NAME", "RouteFile", "route_file_from_path", "scan_app_dir"]

ROUTE_FILE_NAME = "route.py"


@dataclass(frozen=True, slots=True)
class RouteFile:
    """A route file and the URL segments its folders make (groups already removed).

    `file` is relative to the project root, with forward slashes.
    """

    file: str
    segments: tuple[Segment, ...]
    param_names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    one_segment_params: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # PERF: read on every dynamic match; computed once here.
        names = tuple(s.name for s in self.segments if s.kind != "static")
        object.__setattr__(self, "param_names", names)
        simple = all(s.kind in ("static", "dynamic") for s in self.segments)
        object.__setattr__(self, "one_segment_params", simple)

    @property
    def pattern(self) -> str:
        """The URL pattern, e.g. "/api/users/[id]"."""
        return "/" + "/".join(segment_label(s) for s in self.segments)

    def url_for(self, params: Mapping[str, object]) -> str:
        """The raw path this route serves for `params` (each value percent-encoded).

        >>> from approutes.routing.segment import parse_segment
        >>> route = RouteFile("app/docs/[...slug]/route.py",
        ...                   (parse_segment("docs"), parse_segment("[...slug]")))
        >>> route.url_for({"slug": ["a b", "c"]})
        '/docs/a%20b/c'

        Raises:
            KeyError: a param the route needs is missing (an optional catch-all may be).
        """
        parts = []
        for segment in self.segments:
            if segment.kind == "static":
                parts.append(segment.url_text)
                continue
            value = params.get(segment.name)
            if value is None and segment.kind == "optional_catch_all":
                continue
            if value is None:
                raise KeyError(segment.name)
            values = value if isinstance(value, list | tuple) else [value]
            parts.extend(quote(str(v), safe="") for v in values)
        return "/" + "/".join(parts)

    @property
    def is_static(self) -> bool:
        """True when every segment is static (the path has no params)."""
        return all(s.kind == "static" for s in self.segments)


def scan_app_dir(root: Path) -> Iterator[RouteFile]:
    """Yield every routable `route.py` under `root / "app"`, in a stable order.

    Private folders (`_name`) and everything under them are skipped, as are hidden folders
    and `__pycache__`.

    Raises:
        RouteTreeError: a folder name with malformed brackets.
    """
    app_dir = root / "app"
    if not app_dir.is_dir():
        return
    yield from _walk(root, app_dir, ())


def route_file_from_path(file: str) -> RouteFile:
    """Rebuild the RouteFile of `file` (relative to the project root), as the manifest stores it."""
    folders = Path(file).parts[1:-1]
    return RouteFile(file, tuple(_url_segments(file, folders)))


def _walk(root: Path, folder: Path, folders: tuple[str, ...]) -> Iterator[RouteFile]:
    with os.scandir(folder) as entries:
        ordered = sorted(entries, key=lambda e: e.name)
    for entry in ordered:
        if entry.is_file() and entry.name == ROUTE_FILE_NAME:
            rel = Path(entry.path).relative_to(root).as_posix()
            yield RouteFile(rel, tuple(_url_segments(rel, folders)))
    for entry in ordered:
        name = entry.name
        if not entry.is_dir() or name.startswith((".", "_")) or name == "__pycache__":
            continue
        yield from _walk(root, Path(entry.path), (*folders, name))


def _url_segments(rel: str, folders: tuple[str, ...]) -> Iterator[Segment]:
    for folder in folders:
        try:
            segment = parse_segment(folder)
        except ValueError as exc:
            raise RouteTreeError(
                code="bad-segment-name",
                files=(rel,),
                problem=str(exc),
                fix="rename the folder to one of the shapes in docs/routing.md",
            ) from exc
        if segment.kind != "group":
            yield segment
