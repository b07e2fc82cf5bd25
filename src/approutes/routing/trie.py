"""SegmentTrie: routes inserted once, matched in O(path depth).

At each level a static child beats the dynamic child, which beats a catch-all, which beats an
optional catch-all; when a more specific branch fails deeper down the next one is tried, so
the result is the same as trying Next's sorted route list in order. Insertion refuses the
trees Next refuses, naming both files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.errors import RouteTreeError
from approutes.routing.segment import Segment, segment_label

if TYPE_CHECKING:
    from approutes.routing.scanner import RouteFile

__all__ = ["MatchValue", "SegmentTrie"]

# A dynamic value (str), a catch-all's segments (list), or None for an empty optional catch-all.
MatchValue = str | list[str] | None


class _Node:
    __slots__ = (
        "catch_all",
        "dynamic",
        "dynamic_file",
        "dynamic_name",
        "optional",
        "rest",
        "route",
        "static",
    )

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.dynamic: _Node | None = None
        self.dynamic_name = ""
        self.dynamic_file = ""
        self.catch_all: RouteFile | None = None
        self.optional: RouteFile | None = None
        # PERF: whichever of the two exists (never both), so matching checks one slot.
        self.rest: RouteFile | None = None
        self.route: RouteFile | None = None


class SegmentTrie:
    """Routes by URL segments; see the module docstring for the precedence rules."""

    __slots__ = ("_root",)

    def __init__(self) -> None:
        """Start with no routes."""
        self._root = _Node()

    def insert(self, route: RouteFile) -> None:
        """Add `route`.

        Raises:
            RouteTreeError: the route clashes with one already inserted, or is malformed on
                its own (catch-all not last, a param name used twice).
        """
        _check_alone(route)
        node = self._root
        for segment in route.segments:
            if segment.kind == "static":
                node = node.static.setdefault(segment.url_text, _Node())
            elif segment.kind == "dynamic":
                node = _dynamic_child(node, segment, route)
            else:
                _add_catch_all(node, segment, route)
                return
        if node.route is not None:
            raise _duplicate(node.route, route)
        if node.optional is not None:
            raise _optional_beside_parent(node.optional, route)
        node.route = route

    def match(self, parts: list[str], values: list[MatchValue]) -> RouteFile | None:
        """Find the most specific route for the raw path segments `parts`.

        On a match, `values` holds the raw (still percent-encoded) values of its params, in
        order; its content is undefined otherwise.
        """
        return _match(self._root, parts, 0, values)


def _match(node: _Node, parts: list[str], index: int, values: list[MatchValue]) -> RouteFile | None:
    end = len(parts)
    # PERF: walk the levels that offer one way on in a loop; recurse only where there is a
    # choice to come back to (a static and a dynamic child, or a catch-all) (callgrind, S2).
    while index < end and node.rest is None:
        part = parts[index]
        child = node.static.get(part)
        if child is None:
            if node.dynamic is None:
                return None
            values.append(part)
            node = node.dynamic
        elif node.dynamic is None:
            node = child
        else:
            break
        index += 1
    if index == end and node.route is not None:
        return node.route  # PERF: the walk ended on a route: no _choose call (callgrind, S2)
    return _choose(node, parts, index, values)


def _choose(
    node: _Node, parts: list[str], index: int, values: list[MatchValue]
) -> RouteFile | None:
    """At the end of the path, or where several children could match: try them in order."""
    if index == len(parts):
        if node.route is not None:
            return node.route
        if node.optional is not None:
            values.append(None)
            return node.optional
        return None
    mark = len(values)
    part = parts[index]
    child = node.static.get(part)
    if child is not None:
        found = _match(child, parts, index + 1, values)
        if found is not None:
            return found
        del values[mark:]
    if node.dynamic is not None:
        values.append(part)
        found = _match(node.dynamic, parts, index + 1, values)
        if found is not None:
            return found
        del values[mark:]
    rest = node.rest
    if rest is not None:
        values.append(parts[index:])
        return rest
    return None


def _dynamic_child(node: _Node, segment: Segment, route: RouteFile) -> _Node:
    if node.dynamic is None:
        node.dynamic = _Node()
        node.dynamic_name = segment.name
        node.dynamic_file = route.file
    elif node.dynamic_name != segment.name:
        raise _slug_conflict(node.dynamic_file, route, node.dynamic_name, segment.name)
    return node.dynamic


def _add_catch_all(node: _Node, segment: Segment, route: RouteFile) -> None:
    existing = node.rest
    if existing is not None:
        if (node.catch_all is not None) != (segment.kind == "catch_all"):
            raise RouteTreeError(
                code="catch-all-conflict",
                files=(existing.file, route.file),
                problem="a required and an optional catch-all are at the same level",
                fix="keep one of the two folders",
            )
        raise _duplicate(existing, route)
    if segment.kind == "catch_all":
        node.catch_all = route
    else:
        if node.route is not None:
            raise _optional_beside_parent(route, node.route)
        node.optional = route
    node.rest = route


def _check_alone(route: RouteFile) -> None:
    seen: set[str] = set()
    last = len(route.segments) - 1
    for index, segment in enumerate(route.segments):
        if segment.kind in ("catch_all", "optional_catch_all") and index != last:
            raise RouteTreeError(
                code="catch-all-not-last",
                files=(route.file,),
                problem=f"the catch-all {segment_label(segment)} must be the last segment",
                fix="move the route file into the catch-all folder itself",
            )
        if segment.kind != "static":
            if segment.name in seen:
                raise RouteTreeError(
                    code="repeated-param-name",
                    files=(route.file,),
                    problem=f"the param name {segment.name!r} is used twice in one path",
                    fix="give each dynamic folder of the path its own name",
                )
            seen.add(segment.name)


def _duplicate(first: RouteFile, second: RouteFile) -> RouteTreeError:
    return RouteTreeError(
        code="duplicate-route",
        files=(first.file, second.file),
        problem=f"both files resolve to the URL {second.pattern}",
        fix="remove one, or move it out of its route group",
    )


def _slug_conflict(first_file: str, route: RouteFile, first: str, second: str) -> RouteTreeError:
    return RouteTreeError(
        code="slug-name-conflict",
        files=(first_file, route.file),
        problem=(
            f"two dynamic segments at the same level use different names ([{first}] and [{second}])"
        ),
        fix="rename one folder so both use the same name",
    )


def _optional_beside_parent(optional: RouteFile, parent: RouteFile) -> RouteTreeError:
    return RouteTreeError(
        code="optional-catch-all-conflict",
        files=(parent.file, optional.file),
        problem=(
            f"{parent.pattern} is served both by its own route and by the optional catch-all "
            f"{optional.pattern}"
        ),
        fix="remove the parent route, or make the catch-all required ([...name])",
    )
