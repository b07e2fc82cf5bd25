"""PublicFiles: the files under a project's `public/`, indexed once, looked up per request.

`public/logo.png` is served at `/logo.png`. The index is built when the project loads (dev
reload rebuilds it when a file under `public/` changes), so a request costs one dict
lookup and no walk of the file system. Each file is stat'ed when it is served.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["PUBLIC_DIR", "PublicFile", "PublicFiles"]

PUBLIC_DIR = "public"

_DOT_SEGMENTS = frozenset({".", ".."})
_UNSAFE_IN_SEGMENT = ("/", "\\", "\0")


@dataclass(frozen=True, slots=True)
class PublicFile:
    """One servable file: its URL path, where it really is, and its Content-Type."""

    url: str
    """The decoded URL path (`/images/logo.png`)."""
    file: str
    """Relative to the project, as messages show it (`public/images/logo.png`)."""
    real_path: str
    """The resolved path, inside `public/`: what is opened."""
    content_type: str


class PublicFiles:
    """The index of `public/`: URL path to file.

    SECURITY: only files whose resolved path lies inside `public/` are indexed (a symlink
    leading out is left out), and a request is only ever looked up in the index, so `..`,
    `%2e%2e`, an encoded slash or backslash, or a NUL cannot reach any other file.
    """

    __slots__ = ("by_url",)

    def __init__(self, files: dict[str, PublicFile]) -> None:
        """Serve `files`, keyed by their decoded URL path."""
        self.by_url = files
        """The files by decoded URL path: a path without `%` is looked up here as it is."""

    @classmethod
    def scan(cls, root: Path) -> PublicFiles | None:
        """Index `root/public`; None when the folder is missing or holds no file."""
        folder = root / PUBLIC_DIR
        if not folder.is_dir():
            return None
        files = {entry.url: entry for entry in _walk(folder)}
        return cls(files) if files else None

    def __len__(self) -> int:
        """The number of files served."""
        return len(self.by_url)

    def __iter__(self) -> Iterator[PublicFile]:
        """Every file served, in no particular order."""
        return iter(self.by_url.values())

    def lookup(self, path: str) -> PublicFile | None:
        """The file served at the raw request `path` (percent-escapes still in), or None.

        >>> files = PublicFiles({"/a b.txt": PublicFile("/a b.txt", "", "", "text/plain")})
        >>> files.lookup("/a%20b.txt").url
        '/a b.txt'
        >>> files.lookup("/a%2Fb.txt") is None
        True
        """
        if "%" in path:
            decoded = _decoded(path)
            if decoded is None:
                return None
            path = decoded
        return self.by_url.get(path)


def _decoded(path: str) -> str | None:
    """`path` percent-decoded segment by segment, or None.

    None when a segment decodes to a separator, a NUL or a dot segment, or is not UTF-8.

    >>> _decoded("/%7Euser/%E2%82%AC.txt")
    '/~user/€.txt'
    >>> [_decoded(p) for p in ("/%2e%2e/x", "/a%5Cb", "/a%00", "/%FF")]
    [None, None, None, None]
    """
    segments = []
    for segment in path.split("/"):
        try:
            text = unquote(segment, errors="strict")
        except UnicodeDecodeError:
            return None
        if text in _DOT_SEGMENTS or any(c in text for c in _UNSAFE_IN_SEGMENT):
            return None
        segments.append(text)
    return "/".join(segments)


def _walk(folder: Path) -> Iterator[PublicFile]:
    """Every regular file under `folder` whose resolved path stays inside it."""
    top = folder.resolve()
    visited = {top}
    for current, dirs, names in os.walk(top, followlinks=True):
        here = Path(current)
        # SECURITY: a symlinked folder is walked only when it resolves inside public/, and
        # each real folder once (a link back up would loop).
        kept = []
        for name in dirs:
            real = (here / name).resolve()
            if real.is_relative_to(top) and real not in visited:
                visited.add(real)
                kept.append(name)
        dirs[:] = kept
        for name in names:
            if "\\" in name:
                continue  # NOTE: no URL reaches it: a backslash in a path is refused.
            real = (here / name).resolve()
            if not real.is_relative_to(top) or not real.is_file():
                continue
            url = "/" + (here / name).relative_to(top).as_posix()
            yield PublicFile(
                url=url,
                file=f"{PUBLIC_DIR}{url}",
                real_path=str(real),
                content_type=_content_type(name),
            )


def _content_type(name: str) -> str:
    """The Content-Type for a file name, with a charset for text.

    >>> _content_type("a.css"), _content_type("a.png"), _content_type("a.unknown")
    ('text/css; charset=utf-8', 'image/png', 'application/octet-stream')
    """
    guessed, encoding = mimetypes.guess_type(name, strict=False)
    if guessed is None or encoding is not None:
        # NOTE: `x.tar.gz` is a gzip file to the client, not a tar with Content-Encoding.
        return _ENCODED_TYPES.get(encoding or "", "application/octet-stream")
    if guessed.startswith("text/") or guessed in _CHARSET_TYPES:
        return f"{guessed}; charset=utf-8"
    return guessed


_ENCODED_TYPES = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "compress": "application/x-compress",
    "br": "application/x-brotli",
}
_CHARSET_TYPES = frozenset({"application/javascript", "application/json"})
