"""Property tests for the router: random route trees and paths against a slow reference.

The reference below is written from the documented rules (DESIGN.md §2, NEXTJS-SEMANTICS.md
§1), not from the trie: it tries every route on its own, keeps those that fit the path,
orders them segment by segment (static > dynamic > catch-all > optional catch-all) and
percent-decodes the winner's params once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING
from urllib.parse import quote

from hypothesis import event, example, given, note
from hypothesis import strategies as st

from approutes.errors import BadRequest, RouteTreeError
from approutes.routing.request_path import redirect_target
from approutes.routing.route_table import RouteTable
from approutes.routing.scanner import RouteFile
from approutes.routing.segment import Segment, segment_label
from approutes.web.url_path import remove_dot_segments

if TYPE_CHECKING:
    from collections.abc import Sequence

    from approutes.routing.route_table import Params, RouteMatch
    from approutes.routing.segment import SegmentKind

# --- the reference ------------------------------------------------------------------------

_RANK: dict[SegmentKind, int] = {
    "static": 0,
    "dynamic": 1,
    "catch_all": 2,
    "optional_catch_all": 3,
}
# RFC 3986 pchar: what a static folder name keeps unescaped in a request path.
_PCHAR = "!$&'()*+,;=:@-._~"
_HEX = "0123456789abcdefABCDEF"
_DOTS = (".", "..")


def _climbs(value: str) -> bool:
    """The documented rule (docs/security.md): a value that is a dot segment, starts with a
    slash or backslash, or has a dot part between separators, matches no route."""
    if value in _DOTS:
        return True
    parts = value.replace("\\", "/").split("/")
    return len(parts) > 1 and (value[0] in "/\\" or any(part in _DOTS for part in parts))


RawValue = str | list[str] | None


def reference_canonical(path: str) -> str:
    """The path a request for `path` ends up routed at.

    `.` and `..` are resolved as a URL parser does (empty segments count for `..`), then
    repeated and trailing slashes are removed (each is a 308 to the path without them).
    """
    stack: list[str] = []
    for part in path[1:].split("/"):
        if part == "..":
            if stack:
                stack.pop()
        elif part != ".":
            stack.append(part)
    return "/" + "/".join(part for part in stack if part)


def project_canonical(path: str) -> str:
    """What the ASGI entrypoint routes for `path` (after following its 308, if any)."""
    resolved = remove_dot_segments(path)
    return redirect_target(resolved) or resolved


def reference_decode(raw: str) -> str | None:
    """Percent-decode `raw` once, as decodeURIComponent does; None where it would throw."""
    out = bytearray()
    index = 0
    while index < len(raw):
        if raw[index] != "%":
            out += raw[index].encode()
            index += 1
            continue
        digits = raw[index + 1 : index + 3]
        if len(digits) != 2 or any(c not in _HEX for c in digits):
            return None
        out.append(int(digits, 16))
        index += 3
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def fit(route: RouteFile, parts: Sequence[str]) -> list[RawValue] | None:
    """The raw value of each param of `route` when it fits the raw segments `parts`."""
    values: list[RawValue] = []
    for index, segment in enumerate(route.segments):
        if segment.kind in ("catch_all", "optional_catch_all"):
            rest = list(parts[index:])
            if segment.kind == "catch_all" and not rest:
                return None
            values.append(rest or None)
            return values
        if index >= len(parts):
            return None
        if segment.kind == "static":
            if parts[index] != quote(segment.name, safe=_PCHAR):
                return None
        else:
            values.append(parts[index])
    return values if len(parts) == len(route.segments) else None


def precedence(route: RouteFile) -> tuple[int, ...]:
    """Smaller is more specific: the segment kinds, compared left to right."""
    return tuple(_RANK[s.kind] for s in route.segments)


@dataclass
class Expected:
    """What the reference says `RouteTable.match` does with one canonical path."""

    route: RouteFile | None = None
    params: Params = field(default_factory=dict)
    undecodable: bool = False  # a param value decodeURIComponent refuses: a 400
    dot_param: bool = False  # a param value that could climb out of a folder: no match


def reference_match(routes: Sequence[RouteFile], path: str) -> Expected:
    """Try every route on `path` (canonical) and keep the most specific one that fits."""
    parts = path[1:].split("/") if path != "/" else []
    fitting = [(precedence(r), r, v) for r in routes if (v := fit(r, parts)) is not None]
    if not fitting:
        return Expected()
    fitting.sort(key=lambda entry: entry[0])
    if len(fitting) > 1:
        # A tree the table accepts never has two equally specific routes for one path.
        assert fitting[0][0] != fitting[1][0], (fitting[0][1], fitting[1][1])
    _, route, raw_values = fitting[0]
    expected = Expected(route)
    names = [s.name for s in route.segments if s.kind != "static"]
    for name, raw in zip(names, raw_values, strict=True):
        if raw is None:
            continue  # an optional catch-all with no segments: the key is absent
        decoded = [reference_decode(v) for v in ([raw] if isinstance(raw, str) else raw)]
        expected.undecodable |= None in decoded
        expected.dot_param |= any(d is not None and _climbs(d) for d in decoded)
        values = [d for d in decoded if d is not None]
        expected.params[name] = values[0] if isinstance(raw, str) and values else values
    return expected


def reference_refuses(routes: Sequence[RouteFile]) -> bool:
    """Whether Next refuses this tree (DESIGN.md §2 "The route tree is checked...")."""
    for route in routes:
        names = [s.name for s in route.segments if s.kind != "static"]
        if len(names) != len(set(names)):
            return True  # one param name twice in a path
        if any(_RANK[s.kind] >= 2 for s in route.segments[:-1]):
            return True  # a catch-all that is not the last segment
    return any(_clash(first, second) for first, second in combinations(routes, 2))


def _shape(segment: Segment) -> tuple[str, str]:
    """A segment as the URL sees it: the kind, and the text of a static one."""
    return segment.kind, quote(segment.name, safe=_PCHAR) if segment.kind == "static" else ""


def _clash(first: RouteFile, second: RouteFile) -> bool:
    for one, other in zip(first.segments, second.segments, strict=False):
        kinds = {one.kind, other.kind}
        if kinds == {"dynamic"} and one.name != other.name:
            return True  # two slug names at one level
        if kinds == {"catch_all", "optional_catch_all"}:
            return True  # a required and an optional catch-all at one level
        if _shape(one) != _shape(other):
            return False
    shorter, longer = sorted((first.segments, second.segments), key=len)
    if len(shorter) == len(longer):
        return True  # both serve the same URL
    # An optional catch-all beside a route at its own parent path.
    return len(longer) == len(shorter) + 1 and longer[-1].kind == "optional_catch_all"


# --- strategies ---------------------------------------------------------------------------

_PARAM_NAMES = ("a", "b", "slug")
_NAMED_STATICS = ("users", "new", "a", "docs", "a b", "\u00e9t\u00e9", "100%", "(g)", "_x", "...")
_STATIC_ALPHABET = "abAB09-._~ %()+&'@:\u00e9\u4e2d"
_WORD_ALPHABET = "abAB09-._~!$&'()*+,;=:@ \"[]"
_ESCAPES = (
    "%20",
    "%2F",
    "%2f",
    "%25",
    "%2541",
    "%252F",
    "%2E",
    "%2e",
    "%2E%2E",
    ".%2E",
    "%41",
    "%C3%A9",
    "%c3%a9",
    "%E4%B8%AD",
    "%ZZ",
    "%",
    "%4",
    "%FF",
    "%C3",
    "%ED%A0%80",
)

static_names = st.one_of(
    st.sampled_from(_NAMED_STATICS),
    st.text(_STATIC_ALPHABET, min_size=1, max_size=3).filter(lambda s: s not in _DOTS),
)
raw_words = st.lists(
    st.one_of(*[st.sampled_from(_WORD_ALPHABET)] * 4, st.sampled_from(_ESCAPES)),
    min_size=1,
    max_size=4,
).map("".join)


def make_route(segments: Sequence[Segment]) -> RouteFile:
    labels = "".join("/" + segment_label(s) for s in segments)
    return RouteFile(f"app{labels}/route.py", tuple(segments))


@st.composite
def route_files(draw: st.DrawFn, statics: Sequence[str]) -> RouteFile:
    """A route whose static segments come from `statics` (so routes of a tree overlap)."""
    static = st.sampled_from(statics).map(lambda name: Segment("static", name))
    dynamic = st.sampled_from(_PARAM_NAMES).map(lambda name: Segment("dynamic", name))
    head = draw(st.lists(st.one_of(static, static, dynamic), max_size=3))
    tails: list[SegmentKind | None] = [None, "static", "dynamic", "catch_all", "optional_catch_all"]
    tail_kind = draw(st.sampled_from(tails))
    if tail_kind == "static":
        head.append(draw(static))
    elif tail_kind is not None:
        head.append(Segment(tail_kind, draw(st.sampled_from(_PARAM_NAMES))))
    return make_route(head)


@st.composite
def candidate_trees(draw: st.DrawFn) -> list[RouteFile]:
    """Routes that may or may not form a tree the table accepts."""
    statics = draw(st.lists(static_names, min_size=1, max_size=4, unique=True))
    return draw(st.lists(route_files(statics), min_size=1, max_size=8))


def accepted_routes(candidates: Sequence[RouteFile]) -> list[RouteFile]:
    """Keep each candidate that the table accepts beside the ones kept before it."""
    kept: list[RouteFile] = []
    for route in candidates:
        try:
            RouteTable([*kept, route])
        except RouteTreeError:
            continue
        kept.append(route)
    return kept


@st.composite
def raw_part_for(draw: st.DrawFn, segment: Segment) -> list[str]:
    """Raw path segments meant to fit `segment` (sometimes a near miss)."""
    if segment.kind == "static":
        url_text = quote(segment.name, safe=_PCHAR)
        variants = [url_text, url_text.lower(), url_text.upper(), segment.name]
        return [draw(st.one_of(st.sampled_from(variants), raw_words))]
    if segment.kind == "dynamic":
        return [draw(raw_words)]
    low = 1 if segment.kind == "catch_all" else 0
    return draw(st.lists(raw_words, min_size=low, max_size=3))


@st.composite
def paths_near(draw: st.DrawFn, routes: Sequence[RouteFile]) -> str:
    """A raw request path: built on one of `routes`, or from the tree's words, then bent."""
    words = [quote(s.name, safe=_PCHAR) for r in routes for s in r.segments if s.kind == "static"]
    any_part = st.one_of(raw_words, st.sampled_from(["", ".", "..", *words]))
    on_a_route = draw(st.sampled_from([True, True, True, False]))
    if routes and on_a_route:
        route = draw(st.sampled_from(routes))
        parts = [p for s in route.segments for p in draw(raw_part_for(s))]
    else:
        parts = draw(st.lists(any_part, max_size=5))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        parts.insert(draw(st.integers(0, len(parts))), draw(any_part))
    path = "/" + "/".join(parts) + draw(st.sampled_from(["", "", "", "/"]))
    # NOTE: the entrypoint answers 400 to a path that is not ASCII, before routing.
    return path if path.isascii() else quote(path, safe="/" + _PCHAR + "%")


@st.composite
def trees_and_paths(draw: st.DrawFn) -> tuple[list[RouteFile], list[str]]:
    routes = accepted_routes(draw(candidate_trees()))
    return routes, draw(st.lists(paths_near(routes), min_size=1, max_size=8))


@st.composite
def param_values(draw: st.DrawFn, route: RouteFile) -> dict[str, str | list[str]]:
    """Decoded params for `route`, as a handler would pass them to `url_for`."""
    text = st.one_of(st.text(min_size=1, max_size=5), st.text("%2Fe.a/ ", min_size=1, max_size=5))
    value = text.filter(lambda v: not _climbs(v))
    params: dict[str, str | list[str]] = {}
    for segment in route.segments:
        if segment.kind == "dynamic":
            params[segment.name] = draw(value)
        elif segment.kind != "static":
            # An optional catch-all is left out half the time (it then has no key).
            wanted = segment.kind == "catch_all" or draw(st.booleans())
            if wanted:
                params[segment.name] = draw(st.lists(value, min_size=1, max_size=3))
    return params


@st.composite
def trees_and_params(
    draw: st.DrawFn,
) -> tuple[list[RouteFile], list[tuple[RouteFile, dict[str, str | list[str]]]]]:
    routes = accepted_routes(draw(candidate_trees()))
    return routes, [(route, draw(param_values(route))) for route in routes]


# --- properties ---------------------------------------------------------------------------


_BAD_REQUEST = "400 Bad Request"


def _outcome(table: RouteTable, path: str) -> RouteMatch | str | None:
    try:
        return table.match(path)
    except BadRequest:
        return _BAD_REQUEST


def _label(expected: Expected) -> str:
    if expected.route is None:
        return "no route fits"
    if expected.undecodable or expected.dot_param:
        return "undecodable or dot param"
    kinds = [s.kind for s in expected.route.segments] or ["static"]
    return f"matches a route with a {max(kinds, key=_RANK.__getitem__)} segment"


def check_path(table: RouteTable, routes: Sequence[RouteFile], path: str) -> None:
    canonical = reference_canonical(path)
    assert project_canonical(path) == canonical, path
    expected = reference_match(routes, canonical)
    observed = _outcome(table, canonical)
    note(f"path {path!r} -> {canonical!r}: expected {expected}, observed {observed}")
    event(_label(expected))
    if expected.route is None:
        assert observed is None
    elif expected.undecodable and expected.dot_param:
        # Both rules apply to one route; which param is looked at first is not specified.
        assert observed is None or observed == _BAD_REQUEST
    elif expected.undecodable:
        assert observed == _BAD_REQUEST
    elif expected.dot_param:
        assert observed is None
    else:
        assert observed is not None
        assert not isinstance(observed, str)
        assert (observed.route, observed.params) == (expected.route, expected.params)


def _refused(routes: Sequence[RouteFile]) -> bool:
    try:
        RouteTable(routes)
    except RouteTreeError:
        return True
    return False


@given(candidate_trees())
def test_table_refuses_exactly_the_trees_next_refuses(candidates: list[RouteFile]) -> None:
    assert _refused(candidates) == reference_refuses(candidates)
    kept: list[RouteFile] = []
    for route in candidates:
        trial = [*kept, route]
        refused = _refused(trial)
        note(f"{[r.pattern for r in trial]} refused: {refused}")
        assert refused == reference_refuses(trial)
        if not refused:
            kept.append(route)


@given(trees_and_paths())
@example(
    (
        [
            make_route([Segment("static", "api"), Segment("dynamic", "a")]),
            make_route([Segment("static", "api"), Segment("static", "\u00e9t\u00e9")]),
            make_route([Segment("optional_catch_all", "slug")]),
        ],
        ["/api/%C3%A9t%C3%A9", "/api/%c3%a9t%c3%a9", "/api/%2E%2E", "/api/a/../%ZZ", "/"],
    )
)
def test_match_agrees_with_the_reference_matcher(
    case: tuple[list[RouteFile], list[str]],
) -> None:
    routes, paths = case
    table = RouteTable(routes)
    for path in paths:
        check_path(table, routes, path)


@given(trees_and_params())
def test_url_for_path_matches_its_route_or_a_more_specific_one(
    case: tuple[list[RouteFile], list[tuple[RouteFile, dict[str, str | list[str]]]]],
) -> None:
    routes, wanted = case
    table = RouteTable(routes)
    for route, params in wanted:
        path = route.url_for(params)
        note(f"{route.pattern} with {params!r} -> {path!r}")
        assert reference_canonical(path) == path
        found = table.match(path)
        assert found is not None
        assert precedence(found.route) <= precedence(route)
        if found.route == route:
            assert found.params == params
        expected = reference_match(routes, path)
        assert (found.route, found.params) == (expected.route, expected.params)
