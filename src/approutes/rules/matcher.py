"""Matcher: a `source` plus `has`/`missing`, and middleware's `config["matcher"]`, compiled once.

>>> [m] = compile_matchers("/api/:path*")
>>> m
Matcher('/api/:path*')
>>> m.pattern.match("/api/a/b")
{'path': ['a', 'b']}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.rules.conditions import compile_conditions
from approutes.rules.path_pattern import PathPattern, PatternError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from approutes.rules.conditions import Condition
    from approutes.web.request import NextRequest
    from approutes.web.route_context import Params

__all__ = ["Matcher", "any_match", "compile_matchers"]

_MATCHER_KEYS = frozenset({"source", "has", "missing"})


class Matcher:
    """One entry: a path pattern that must match and conditions that must (not) hold.

    Attributes:
        pattern: The compiled `source`.
        has: Conditions that must all hold; their captured values join the params.
        missing: Conditions none of which may hold.
        names: The parameter names a destination may use: the source's named parameters
            and what `has` captures.
    """

    __slots__ = ("_fullmatch", "has", "missing", "names", "pattern")

    def __init__(
        self, pattern: PathPattern, has: tuple[Condition, ...], missing: tuple[Condition, ...]
    ) -> None:
        """Use `Matcher.compile` or `compile_matchers`; this takes compiled parts."""
        self.pattern = pattern
        self._fullmatch = pattern.fullmatch
        self.has = has
        self.missing = missing
        self.names: frozenset[str] = pattern.names.union(*(condition.captures for condition in has))

    @classmethod
    def compile(
        cls,
        source: str,
        has: object = None,
        missing: object = None,
        *,
        strict: bool = True,
        case_sensitive: bool = True,
    ) -> Matcher:
        """Compile one entry once.

        Args:
            source: The path pattern (see `PathPattern`).
            has: A list of condition dicts, or None.
            missing: A list of condition dicts, or None.
            strict: Passed to `PathPattern.compile` (see there for Next's choices).
            case_sensitive: Passed to `PathPattern.compile`.

        Raises:
            PatternError: The source or a condition is invalid.
        """
        return cls(
            PathPattern.compile(source, strict=strict, case_sensitive=case_sensitive),
            compile_conditions(has, where="has"),
            compile_conditions(missing, where="missing"),
        )

    def match(self, request: NextRequest, path: str | None = None) -> Params | None:
        """Return the params when the request matches, else None.

        Args:
            request: The request; conditions read its headers, cookies, query and host.
            path: The path to match instead of `request.path` (the raw path), e.g. a
                rewritten one.

        Returns:
            The path parameters updated with the values `has` captured (those win, as in
            Next), or None.
        """
        # PERF: the pattern's regex called here: a path that does not match (most, for rules
        # asked of every request) costs no call of the pattern's (callgrind, bench S8).
        found = self._fullmatch(request.path if path is None else path)
        if found is None:
            return None
        params = self.pattern.params(found)
        if not self.has and not self.missing:
            return params
        for condition in self.has:
            if not condition.test(request, params):
                return None
        scratch: Params = {}
        for condition in self.missing:
            if condition.test(request, scratch):
                return None
        return params

    def __repr__(self) -> str:
        return f"Matcher({self.pattern.source!r})"


def compile_matchers(value: object) -> tuple[Matcher, ...]:
    """Compile middleware's `config["matcher"]` once.

    Accepts a string, or a non-empty list of strings and `{"source", "has", "missing"}`
    dicts, mixed. Sources match as Next's middleware does: case-sensitive, with one
    trailing `/` allowed (`strict=False`, see `PathPattern`).

    >>> [m.pattern.source for m in compile_matchers(["/a", {"source": "/b/:id"}])]
    ['/a', '/b/:id']

    Raises:
        PatternError: Anything else, naming the entry (`config["matcher"][1]`) and the fix.
    """
    where = 'config["matcher"]'
    if isinstance(value, str):
        return (_compile_entry(value, where),)
    if isinstance(value, dict):
        raise PatternError(f"{where} is a dict; wrap it in a list: [{{'source': ...}}]")
    if not isinstance(value, list | tuple):
        raise PatternError(
            f"{where} must be a string or a list of strings and dicts, not {type(value).__name__}"
        )
    if not value:
        raise PatternError(
            f"{where} is empty, so the middleware would never run; list the paths it guards, "
            "or remove the matcher to run it on every path"
        )
    return tuple(_compile_entry(entry, f"{where}[{i}]") for i, entry in enumerate(value))


def _compile_entry(entry: object, where: str) -> Matcher:
    try:
        if isinstance(entry, str):
            return Matcher.compile(entry, strict=False)
        if not isinstance(entry, dict):
            raise PatternError(
                f"must be a source string or a dict with 'source', not {type(entry).__name__}"
            )
        unknown = sorted(str(key) for key in entry if key not in _MATCHER_KEYS)
        if unknown:
            raise PatternError(f"unknown keys {unknown}; allowed: 'source', 'has', 'missing'")
        source = entry.get("source")
        if not isinstance(source, str):
            raise PatternError("needs a 'source' string, e.g. {'source': '/api/:path*'}")
        return Matcher.compile(source, entry.get("has"), entry.get("missing"), strict=False)
    except PatternError as exc:
        raise exc.within(where) from exc


def any_match(matchers: Iterable[Matcher], request: NextRequest, path: str | None = None) -> bool:
    """Return whether any matcher matches the request, or `path` (whether middleware runs)."""
    for matcher in matchers:  # noqa: SIM110 - PERF: no generator (asked of every request)
        if matcher.match(request, path) is not None:
            return True
    return False
