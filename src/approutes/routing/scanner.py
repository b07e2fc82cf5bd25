"""Walks app/ and pages/api/ and yields one RouteFile per route file; imports nothing.

`app/**/route.py` names its URL by its folders; `pages/api/**.py` by its folders and its file
name, as in Next's Pages Router (`index.py` is its folder's URL).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from approutes.errors import RouteTreeError
from approutes.routing.segment import Segment, parse_segment, segment_label

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

__all__ = [
    "PAGES_PREFIX",
    "ROUTE_FILE_NAME",
    "SOURCE_PREFIX",
    "RouteFile",
    "in_code_dir",
    "route_file_from_path",
    "scan_app_dir",
    "scan_pages_dir",
]

ROUTE_FILE_NAME = "route.py"
PAGES_PREFIX = "pages/"
SOURCE_PREFIX = "src/"
"""Every Pages Router route file starts with this (relative to the project root)."""
_PAGES_INDEX = "index"


@dataclass(frozen=True, slots=True)
class RouteFile:
    """A route file and the URL segments its folders make (groups already removed).

    `file` is relative to the project root, with forward slashes.
    """

    file: str
    segments: tuple[Segment, ...]
    param_names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    one_segment_params: bool = field(init=False, repr=False, compare=False)
    pattern: str = field(init=False, repr=False, compare=False)
    """The URL pattern, e.g. "/api/users/[id]"."""

    def __post_init__(self) -> None:
        # PERF: read on every dynamic match, and the pattern on every request (the request
        # state's route template): computed once here.
        names = tuple(s.name for s in self.segments if s.kind != "static")
        object.__setattr__(self, "param_names", names)
        simple = all(s.kind in ("static", "dynamic") for s in self.segments)
        object.__setattr__(self, "one_segment_params", simple)
        pattern = "/" + "/".join(segment_label(s) for s in self.segments)
        object.__setattr__(self, "pattern", pattern)

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

    @property
    def is_pages(self) -> bool:
        """True for a Pages Router file (`pages/api/**.py`), False for an `app/` route.py."""
        return in_code_dir(self.file).startswith(PAGES_PREFIX)


def scan_app_dir(root: Path, source: str = "") -> list[RouteFile]:
    """Every routable `route.py` under `root / source / "app"`, in a stable order.

    `source` is `"src"` for a project whose code lives under `src/`; the files are named
    from the root (`src/app/api/route.py`). Private folders (`_name`) and everything under
    them are skipped, as are hidden folders and `__pycache__`.

    Raises:
        RouteTreeError: a folder name with malformed brackets.
    """
    app_dir = root / source / "app"
    found: list[RouteFile] = []
    if app_dir.is_dir():
        _walk(os.fspath(app_dir), _from_root(source, "app"), (), found)
    return found


def scan_pages_dir(root: Path, source: str = "") -> list[RouteFile]:
    """Every `.py` file under `root / source / "pages" / "api"`, in a stable order.

    The URL is the folders and the file name without `.py`, as in Next: `pages/api/index.py`
    is `/api`, `pages/api/users/[id].py` is `/api/users/[id]`, `pages/api/docs/[[...slug]].py`
    is `/api/docs/[[...slug]]`. Files and folders starting with `_` or `.` are skipped (helper
    modules, `__init__.py`), as are `__pycache__` and files outside `pages/api/`. A folder in
    parentheses is an ordinary URL segment here: route groups are an App Router feature.

    Raises:
        RouteTreeError: a file or folder name with malformed brackets.
    """
    api_dir = root / source / "pages" / "api"
    found: list[RouteFile] = []
    if api_dir.is_dir():
        _walk_pages(os.fspath(api_dir), _from_root(source, "pages/api"), found)
    return found


def route_file_from_path(file: str) -> RouteFile:
    """Rebuild the RouteFile of `file` (relative to the project root), as the manifest stores it."""
    code = in_code_dir(file)
    if code.startswith(PAGES_PREFIX):
        return RouteFile(file, tuple(_pages_segments(file)))
    folders = code.split("/")[1:-1]
    return RouteFile(file, tuple(_url_segments(file, folders)))


def in_code_dir(file: str) -> str:
    """`file` as seen from the folder that holds `app/` and `pages/`.

    >>> in_code_dir("src/app/api/route.py"), in_code_dir("pages/api/x.py")
    ('app/api/route.py', 'pages/api/x.py')
    """
    return file.removeprefix(SOURCE_PREFIX)


def _from_root(source: str, folder: str) -> str:
    """The name of the code folder `folder` from the project root (`src/app`, `app`)."""
    return f"{source}/{folder}" if source else folder


# PERF: plain strings, not Paths, and one list filled in place of nested generators: the
# scan of 1,000 routes in 1,910 folders, 39 -> 25 ms (most of what is left is scandir).
def _walk(folder: str, rel: str, folders: tuple[str, ...], found: list[RouteFile]) -> None:
    """Add the route files of `folder` (`rel` from the root) and its subfolders to `found`."""
    with os.scandir(folder) as entries:
        ordered = sorted(entries, key=_name)
    for entry in ordered:
        if entry.name == ROUTE_FILE_NAME and entry.is_file():
            file = f"{rel}/{ROUTE_FILE_NAME}"
            found.append(RouteFile(file, tuple(_url_segments(file, folders))))
    for entry in ordered:
        name = entry.name
        if name.startswith((".", "_")) or not entry.is_dir():
            continue  # hidden and private folders, `__pycache__`
        _walk(entry.path, f"{rel}/{name}", (*folders, name), found)


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _url_segments(rel: str, folders: Sequence[str]) -> Iterator[Segment]:
    for folder in folders:
        segment = _segment_of(rel, folder)
        if segment.kind != "group":
            yield segment


def _segment_of(rel: str, name: str) -> Segment:
    """Parse one folder (or pages file) name of `rel`, naming the file when it is malformed."""
    try:
        return parse_segment(name)
    except ValueError as exc:
        raise RouteTreeError(
            code="bad-segment-name",
            files=(rel,),
            problem=str(exc),
            fix="rename it to one of the shapes in docs/routing.md",
        ) from exc


def _walk_pages(folder: str, rel: str, found: list[RouteFile]) -> None:
    """Add the pages files of `folder` (`rel` from the root) and its subfolders to `found`."""
    with os.scandir(folder) as entries:
        ordered = sorted(entries, key=_name)
    for entry in ordered:
        name = entry.name
        if name.startswith((".", "_")):
            continue
        if name.endswith(".py") and entry.is_file():
            file = f"{rel}/{name}"
            found.append(RouteFile(file, tuple(_pages_segments(file))))
    for entry in ordered:
        name = entry.name
        if not name.startswith((".", "_")) and entry.is_dir():
            _walk_pages(entry.path, f"{rel}/{name}", found)


def _pages_segments(rel: str) -> Iterator[Segment]:
    """The URL segments of a `pages/...py` file: its folders after `pages`, then its stem."""
    parts = in_code_dir(rel).split("/")[1:]
    stem = parts[-1].removesuffix(".py")
    names = parts[:-1] if stem == _PAGES_INDEX else (*parts[:-1], stem)
    for name in names:
        segment = _segment_of(rel, name)
        # COMPAT(next): no route groups in the Pages Router: "(name)" is literal URL text.
        yield Segment("static", name) if segment.kind == "group" else segment
