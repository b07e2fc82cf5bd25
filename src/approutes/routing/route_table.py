"""RouteTable: every route of a project, compiled once, matched per request."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from approutes.routing.request_path import decode_param, split_path
from approutes.routing.trie import MatchValue, SegmentTrie
from approutes.web.route_context import Params

if TYPE_CHECKING:
    from collections.abc import Iterable

    from approutes.routing.scanner import RouteFile

__all__ = ["Params", "RouteMatch", "RouteTable"]

# COMPAT(next): "%2E%2E" is not resolved like "..", and no route matches it
# (conformance: catch-all-encoded-dots-not-resolved). SECURITY: so a param is never "..".
_DOT_SEGMENTS = frozenset({".", ".."})


def _climbs(value: str) -> bool:
    r"""Whether a decoded param could lead a path join out of its folder.

    SECURITY: `..`, `.`, a leading slash or backslash, or a `.`/`..` between encoded separators
    (`..%2Fsecret`): such a request matches no route. `a%2Fb` (`a/b`) is still a value.
    """
    if value in _DOT_SEGMENTS:
        return True
    if "/" not in value and "\\" not in value:
        return False
    if value[0] in "/\\":
        return True
    return not _DOT_SEGMENTS.isdisjoint(value.replace("\\", "/").split("/"))


class RouteMatch(NamedTuple):
    """The route a path resolved to and its decoded params."""

    route: RouteFile
    params: Params


# PERF: builds a RouteMatch without running NamedTuple's Python-level __new__.
_new_match = tuple.__new__


class RouteTable:
    """Immutable set of routes with an O(depth) `match`.

    Raises:
        RouteTreeError: at construction, for any tree Next would refuse.
    """

    __slots__ = ("_exact", "_trie", "routes")

    def __init__(self, routes: Iterable[RouteFile]) -> None:
        """Compile `routes` into a trie, checking the tree as they go in."""
        self.routes: tuple[RouteFile, ...] = tuple(routes)
        self._trie = SegmentTrie()
        self._exact: dict[str, RouteFile] = {}
        for route in self.routes:
            self._trie.insert(route)
            if route.is_static:
                self._exact["/" + "/".join(s.url_text for s in route.segments)] = route

    def static_route(self, path: str) -> RouteFile | None:
        """The route without dynamic segments that serves the canonical raw `path`, if any."""
        return self._exact.get(path)

    def is_static(self, path: str) -> bool:
        """Whether a route without dynamic segments serves the canonical raw `path`."""
        return path in self._exact

    def route_at_setting_path(self, path: str, base_path: str) -> RouteFile | None:
        """The route a URL path named in the settings (with the base path) would reach, if any.

        For settings that claim a path of their own (`metrics_path`, `docs_path`, ...): a
        path outside the base path reaches no route.
        """
        served = path.removeprefix(base_path) if path.startswith(base_path + "/") else path
        if base_path and served == path:
            return None
        found = self.match(served)
        return None if found is None else found.route

    def match(self, path: str) -> RouteMatch | None:
        """Return the route for a canonical raw `path` (percent-escapes still in), or None.

        Raises:
            BadRequest: a dynamic value that cannot be percent-decoded.
        """
        found = self.lookup(path)
        return None if found is None else _new_match(RouteMatch, found)

    def lookup(self, path: str) -> tuple[RouteFile, Params] | None:
        """`match` as a plain (route, params) tuple: what the pipeline asks of every request.

        PERF: a plain tuple costs ~1.3k instructions less than a RouteMatch (callgrind, S1).

        Raises:
            BadRequest: a dynamic value that cannot be percent-decoded.
        """
        # PERF: a fully static route is the most specific possible match: one dict lookup.
        exact = self._exact.get(path)
        if exact is not None:
            return exact, {}
        values: list[MatchValue] = []
        route = self._trie.match(split_path(path), values)
        if route is None:
            return None
        if route.one_segment_params and "%" not in path and "/." not in path:
            # PERF: nothing to decode, no dot segment, no catch-all: the values are the params
            # (bench S2), each a str. One param (an `[id]`) without zip: 4.5k -> 0.7k instructions.
            names = route.param_names
            if len(names) == 1:
                return route, {names[0]: values[0]}  # type: ignore[dict-item]
            return route, dict(zip(names, values))  # type: ignore[arg-type]  # noqa: B905
        params: Params = {}
        # NOTE: the trie yields exactly one value per param name, in order.
        for name, value in zip(route.param_names, values):  # noqa: B905 - PERF: see NOTE
            if type(value) is str:
                value = decode_param(value)
                if _climbs(value):
                    return None
                params[name] = value
            elif value is not None:
                decoded = [decode_param(v) for v in value]
                if any(map(_climbs, decoded)):
                    return None
                params[name] = decoded
        return route, params
