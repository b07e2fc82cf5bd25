"""The `[[headers]]`, `[[redirects]]` and `[[rewrites]]` tables, compiled once at start-up.

Each has Next's meaning (next.config.js): `source` in the matcher syntax, `has` and
`missing` conditions, and `:name` slots in `destination` or header values. Sources match
as Next's config rules do: the whole path, case-insensitive, no extra trailing slash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from approutes.rules.external import check_external_destination, is_external
from approutes.rules.matcher import Matcher
from approutes.rules.path_pattern import PatternError, compile_destination, compile_template
from approutes.web.headers import HeaderLines

if TYPE_CHECKING:
    from collections.abc import Callable

    from approutes.rules.path_pattern import Destination

__all__ = [
    "HeaderRule",
    "RedirectRule",
    "RewritePhase",
    "RewriteRule",
    "compile_header_rules",
    "compile_redirect_rules",
    "compile_rewrite_rules",
]

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class HeaderRule:
    """Headers set on responses to the paths `matcher` matches (unless the route set them).

    Attributes:
        matcher: The paths (and conditions).
        headers: Each header's name (lower-case) and value, in order.
        lines: The headers checked and encoded once, when no value has a slot and every
            line passes the checks of `Headers.set` (a later repeat of a name left out, as
            the first always wins); None otherwise.
    """

    matcher: Matcher
    headers: tuple[tuple[str, Destination], ...]
    lines: HeaderLines | None = None


@dataclass(frozen=True, slots=True)
class RedirectRule:
    """A redirect answered before middleware and routing."""

    matcher: Matcher
    destination: Destination
    status: int


RewritePhase = Literal["before_files", "after_files", "fallback"]
_PHASES: tuple[RewritePhase, ...] = ("before_files", "after_files", "fallback")


@dataclass(frozen=True, slots=True)
class RewriteRule:
    """A path served by another route; the client's URL stays.

    `phase` is Next's: `before_files` (after middleware, before `public/` and every route),
    `after_files` (the default: after `public/` and the static routes, before the dynamic
    ones) or `fallback` (only when nothing else serves the path).
    """

    matcher: Matcher
    destination: Destination
    phase: RewritePhase = "after_files"


def compile_header_rules(raw: object) -> tuple[HeaderRule, ...]:
    """Compile the `[[headers]]` tables.

    Raises:
        ValueError: a rule that is not valid, naming its index and key.
    """
    return _compile_each(raw, "headers", {"headers"}, _header_rule)


def compile_redirect_rules(raw: object) -> tuple[RedirectRule, ...]:
    """Compile the `[[redirects]]` tables (`permanent` or `status_code` is required).

    Raises:
        ValueError: a rule that is not valid, naming its index and key.
    """
    return _compile_each(
        raw, "redirects", {"destination", "permanent", "status_code"}, _redirect_rule
    )


def compile_rewrite_rules(raw: object) -> tuple[RewriteRule, ...]:
    """Compile the `[[rewrites]]` tables; a destination is a path of this app or a URL.

    Raises:
        ValueError: a rule that is not valid, naming its index and key.
    """
    return _compile_each(raw, "rewrites", {"destination", "phase"}, _rewrite_rule)


def _compile_each(
    raw: object, table: str, keys: set[str], build: Callable[[dict[str, Any], Matcher], R]
) -> tuple[R, ...]:
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise ValueError(f"write each rule as a [[{table}]] table")
    rules = []
    for index, entry in enumerate(raw):
        where = f"[[{table}]] number {index + 1}"
        unknown = set(entry) - keys - {"source", "has", "missing"}
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        source = entry.get("source")
        if not isinstance(source, str):
            raise ValueError(f"{where}: 'source' must be a path pattern like \"/old/:slug\"")
        try:
            matcher = Matcher.compile(
                source, entry.get("has"), entry.get("missing"), case_sensitive=False
            )
            rules.append(build(entry, matcher))
        except (PatternError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from exc
    return tuple(rules)


def _header_rule(entry: dict[str, Any], matcher: Matcher) -> HeaderRule:
    items = entry.get("headers")
    if not isinstance(items, list) or not items:
        raise ValueError("'headers' must be a list of {key = ..., value = ...} tables")
    headers = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"key", "value"}:
            raise ValueError("each header is a table with exactly 'key' and 'value'")
        key, value = item["key"], item["value"]
        if not isinstance(key, str) or not isinstance(value, str) or not key:
            raise ValueError("a header's key and value must be strings")
        if any(c in key + value for c in "\r\n"):
            raise ValueError(f"the header {key!r} contains a line break")
        headers.append((key.lower(), compile_template(value, matcher.names)))
    return HeaderRule(matcher, tuple(headers), _fixed_lines(headers))


def _fixed_lines(headers: list[tuple[str, Destination]]) -> HeaderLines | None:
    """The lines of a rule whose values have no slot, checked once (see `HeaderRule.lines`).

    PERF: a matching request then pays an extend, not a check and an encode per line.
    """
    fixed: dict[str, str] = {}
    for name, template in headers:
        value = template.fixed
        if value is None:
            return None
        fixed.setdefault(name, value)
    try:
        return HeaderLines.check(fixed.items())
    except ValueError:
        return None  # NOTE: refused per request, by `Headers.set`, as it always was


def _redirect_rule(entry: dict[str, Any], matcher: Matcher) -> RedirectRule:
    permanent = entry.get("permanent")
    status = entry.get("status_code")
    if (permanent is None) == (status is None):
        raise ValueError("give either 'permanent' (true: 308, false: 307) or 'status_code'")
    if permanent is not None and not isinstance(permanent, bool):
        raise ValueError("'permanent' must be true or false")
    if status is not None and status not in _REDIRECT_STATUSES:
        raise ValueError("'status_code' must be one of 301, 302, 303, 307, 308")
    code = status if status is not None else (308 if permanent else 307)
    return RedirectRule(matcher, _destination(entry, matcher), code)


def _rewrite_rule(entry: dict[str, Any], matcher: Matcher) -> RewriteRule:
    destination = _destination(entry, matcher)
    if is_external(destination.text):
        check_external_destination(destination.text)
    elif not destination.text.startswith("/"):
        raise ValueError("'destination' must be a path of this app or an http(s) URL")
    phase = entry.get("phase", "after_files")
    if phase not in _PHASES:
        shown = {"beforeFiles": "before_files", "afterFiles": "after_files"}.get(phase)
        hint = f" (spell it {shown!r})" if shown else ""
        raise ValueError(f"'phase' must be one of {', '.join(_PHASES)}{hint}, not {phase!r}")
    return RewriteRule(matcher, destination, phase)


def _destination(entry: dict[str, Any], matcher: Matcher) -> Destination:
    destination = entry.get("destination")
    if not isinstance(destination, str) or not destination:
        raise ValueError("'destination' must be a path or a URL")
    if any(c in destination for c in "\r\n"):
        raise ValueError("'destination' contains a line break")
    return compile_destination(destination, matcher.names)
