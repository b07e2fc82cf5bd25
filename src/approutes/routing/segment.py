"""One folder name of the app/ tree, classified."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

__all__ = ["Segment", "SegmentKind", "parse_segment", "segment_label"]

SegmentKind = Literal["static", "dynamic", "catch_all", "optional_catch_all", "group", "private"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_OPTIONAL_CATCH_ALL = re.compile(rf"\[\[\.\.\.({_NAME})\]\]")
_CATCH_ALL = re.compile(rf"\[\.\.\.({_NAME})\]")
_DYNAMIC = re.compile(rf"\[({_NAME})\]")
_GROUP = re.compile(r"\(([^()/]+)\)")
# Characters a URL path segment may carry unescaped (RFC 3986 pchar).
_PCHAR_SAFE = "!$&'()*+,;=:@-._~"


@dataclass(frozen=True, slots=True)
class Segment:
    """A classified folder name; `name` is the param name or the static text."""

    kind: SegmentKind
    name: str

    @property
    def url_text(self) -> str:
        """The segment as it appears in a request path (static segments percent-encoded)."""
        return quote(self.name, safe=_PCHAR_SAFE)


def parse_segment(folder: str) -> Segment:
    """Classify one folder name of the app/ tree.

    >>> parse_segment("users")
    Segment(kind='static', name='users')
    >>> parse_segment("[id]")
    Segment(kind='dynamic', name='id')
    >>> parse_segment("[...path]")
    Segment(kind='catch_all', name='path')
    >>> parse_segment("[[...slug]]")
    Segment(kind='optional_catch_all', name='slug')
    >>> parse_segment("(admin)")
    Segment(kind='group', name='admin')
    >>> parse_segment("_lib")
    Segment(kind='private', name='_lib')
    >>> parse_segment("%5Fnext")
    Segment(kind='static', name='_next')

    Raises:
        ValueError: brackets that form none of the shapes above, e.g. "[id" or "[...]";
            the caller turns it into a RouteTreeError naming the file.
    """
    if folder.startswith("_"):
        return Segment("private", folder)
    if folder.startswith(("%5F", "%5f")):
        # COMPAT(next): "%5Fname" is Next's escape for a literal "_name" URL segment.
        return Segment("static", "_" + folder[3:])
    for pattern, kind in _BRACKETED:
        found = pattern.fullmatch(folder)
        if found:
            return Segment(kind, found.group(1))
    if "[" in folder or "]" in folder:
        raise ValueError(
            f"the folder name {folder!r} uses brackets but is none of [name], [...name], "
            "[[...name]] (a name is letters, digits and underscores)"
        )
    return Segment("static", folder)


def segment_label(segment: Segment) -> str:
    """Write a segment back the way the app/ tree spells it.

    >>> segment_label(Segment("catch_all", "path"))
    '[...path]'
    """
    return {
        "static": "{}",
        "dynamic": "[{}]",
        "catch_all": "[...{}]",
        "optional_catch_all": "[[...{}]]",
        "group": "({})",
        "private": "{}",
    }[segment.kind].format(segment.name)


_BRACKETED: tuple[tuple[re.Pattern[str], SegmentKind], ...] = (
    (_OPTIONAL_CATCH_ALL, "optional_catch_all"),
    (_CATCH_ALL, "catch_all"),
    (_DYNAMIC, "dynamic"),
    (_GROUP, "group"),
)
