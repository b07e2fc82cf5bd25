r"""Next's `source` syntax (path-to-regexp v6) compiled once into a Python regex; destinations.

`PathPattern.compile` turns `/blog/:slug`, `/docs/:path*`, `/:id(\d+)`, `/(api|trpc)(.*)`,
`{/:lang}?` into one `re.Pattern`; `PathPattern.match` is one `fullmatch` plus a small dict.
`compile_destination` and `compile_template` turn `/new/:slug?ref=:slug` (or a header value)
into a `Destination` whose `fill(params)` substitutes matched values.

The syntax is re-implemented from path-to-regexp v6's documented behaviour, as Next uses it:

>>> PathPattern.compile("/api/mw/:path*").match("/api/mw/a/b")
{'path': ['a', 'b']}
>>> PathPattern.compile("/api/mw/:path*").match("/api/mw")
{}
>>> PathPattern.compile("/(api|trpc)(.*)").match("/trpc/x")
{'0': 'trpc', '1': '/x'}
>>> compile_destination("/new/:slug?ref=:slug", {"slug"}).fill({"slug": "hello"})
'/new/hello?ref=hello'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

    from approutes.web.route_context import Params

__all__ = [
    "Destination",
    "PathPattern",
    "PatternError",
    "compile_destination",
    "compile_template",
    "python_regex",
]

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# NOTE: a ":name" right after one of these owns it: "/:id?" makes the "/" optional too.
_PREFIXES = "./"
# COMPAT(path-to-regexp): the default for a parameter is one segment, lazily.
_SEGMENT = r"[^/#?]+?"
# After a parameter or a group: optional, zero or more, one or more.
_MODIFIERS = "*+?"

_Kind: TypeAlias = Literal["MODIFIER", "ESCAPED", "OPEN", "CLOSE", "NAME", "PATTERN", "CHAR", "END"]


class PatternError(ValueError):
    """A `source`, matcher, condition or destination that cannot be compiled.

    The message names the text, where in it the problem is, and what is wrong. Loaders
    (middleware.py, settings) catch it and report it with the file and key it came from.

    >>> str(PatternError("unbalanced '(' (no matching ')')", text="/a/(b", position=3))
    "'/a/(b' at position 3: unbalanced '(' (no matching ')')"

    Attributes:
        problem: What is wrong, in words.
        text: The pattern (or value) that was refused, when there is one.
        position: The index in `text` where the problem is, when known.
        where: The entry it was found in (`config["matcher"][2]`), when known.
    """

    def __init__(
        self,
        problem: str,
        *,
        text: str | None = None,
        position: int | None = None,
        where: str | None = None,
    ) -> None:
        """Describe `problem`, found in `text` at `position`, in the entry `where`."""
        self.problem = problem
        self.text = text
        self.position = position
        self.where = where
        subject = "" if text is None else repr(text)
        if position is not None:
            subject += f" at position {position}"
        message = f"{subject}: {problem}" if subject else problem
        super().__init__(f"{where}: {message}" if where else message)

    def within(self, where: str) -> PatternError:
        """Return the same error, located inside the entry `where` (`config["matcher"][2]`)."""
        inner = f"{where}: {self.where}" if self.where else where
        return PatternError(self.problem, text=self.text, position=self.position, where=inner)


def python_regex(pattern: str) -> str:
    r"""Return a JavaScript regex source in Python `re` syntax.

    Next's patterns are JavaScript regexes; the one common difference is the named group,
    `(?<name>...)` in JavaScript and `(?P<name>...)` in Python. Lookbehinds are left alone.

    >>> python_regex("(?<user>[a-z]+)-(?<!x)\\(?<no>")
    '(?P<user>[a-z]+)-(?<!x)\\(?<no>'
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        out.append(char)
        i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    index: int
    value: str


@dataclass(frozen=True, slots=True)
class _Param:
    key: str
    prefix: str
    suffix: str
    pattern: str
    modifier: str


def _lex(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char in _MODIFIERS:
            tokens.append(_Token("MODIFIER", i, char))
            i += 1
        elif char == "\\":
            if i + 1 == len(source):
                raise PatternError("a trailing '\\' escapes nothing", text=source, position=i)
            tokens.append(_Token("ESCAPED", i, source[i + 1]))
            i += 2
        elif char in "{}":
            tokens.append(_Token("OPEN" if char == "{" else "CLOSE", i, char))
            i += 1
        elif char == ":":
            end = i + 1
            while end < len(source) and source[end] in _NAME_CHARS:
                end += 1
            if end == i + 1:
                raise PatternError(
                    "a parameter name (letters, digits, _) must follow ':'", text=source, position=i
                )
            tokens.append(_Token("NAME", i, source[i + 1 : end]))
            i = end
        elif char == "(":
            end = _group_end(source, i)
            tokens.append(_Token("PATTERN", i, source[i + 1 : end - 1]))
            i = end
        elif char == ")":
            # COMPAT(path-to-regexp): a stray ")" would be literal text there; it is far more
            # often a typo, so it is refused here.
            raise PatternError(
                "unbalanced ')' (escape it as '\\)' to match it)", text=source, position=i
            )
        else:
            tokens.append(_Token("CHAR", i, char))
            i += 1
    tokens.append(_Token("END", i, ""))
    return tokens


def _group_end(source: str, start: int) -> int:
    """Return the index just past the ')' closing the '(' at `start`."""
    if source.startswith("(?", start):
        raise PatternError(
            "a (pattern) cannot start with '?'; wrap it: '((?!api).*)'",
            text=source,
            position=start + 1,
        )
    depth, i = 1, start + 1
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == ")":
            depth -= 1
            if depth == 0:
                break
        elif char == "(":
            depth += 1
            if not source.startswith("(?", i):
                raise PatternError(
                    "capturing groups are not allowed inside a (pattern); use '(?:'",
                    text=source,
                    position=i,
                )
        i += 1
    if depth:
        raise PatternError("unbalanced '(' (no matching ')')", text=source, position=start)
    if i == start + 1:
        raise PatternError("empty pattern '()'", text=source, position=start)
    return i + 1


class _Parser:
    """Tokens -> literal strings and parameters, as path-to-regexp v6's `parse`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _lex(source)
        self.at = 0
        self.unnamed = 0

    def take(self, kind: _Kind) -> str | None:
        token = self.tokens[self.at]
        if token.kind != kind:
            return None
        self.at += 1
        return token.value

    def expect(self, kind: Literal["CLOSE", "END"]) -> None:
        if self.take(kind) is None:
            problem, position = self._unexpected(kind)
            raise PatternError(problem, text=self.source, position=position)

    def _unexpected(self, wanted: str) -> tuple[str, int]:
        token = self.tokens[self.at]
        if token.kind == "MODIFIER":
            problem = f"'{token.value}' must follow a :name, a (pattern) or a {{group}}"
        elif token.kind == "CLOSE":
            problem = "unbalanced '}' (no matching '{')"
        elif token.kind == "OPEN":
            problem = "{groups} cannot be nested"
        elif wanted == "CLOSE" and token.kind == "END":
            problem = "unclosed '{' (no matching '}')"
        else:
            problem = "a {group} holds at most one parameter"
        return problem, token.index

    def text(self) -> str:
        out = ""
        while (value := self.take("CHAR") or self.take("ESCAPED")) is not None:
            out += value
        return out

    def key(self, name: str | None) -> str:
        if name:
            return name
        self.unnamed += 1
        return str(self.unnamed - 1)

    def parse(self) -> list[str | _Param]:
        result: list[str | _Param] = []
        path = ""
        while self.at < len(self.tokens):
            char = self.take("CHAR")
            name = self.take("NAME")
            pattern = self.take("PATTERN")
            if name or pattern:
                prefix = char or ""
                if prefix not in _PREFIXES:
                    path, prefix = path + prefix, ""
                if path:
                    result.append(path)
                    path = ""
                modifier = self.take("MODIFIER") or ""
                param = _Param(self.key(name), prefix, "", pattern or _SEGMENT, modifier)
                result.append(param)
                continue
            value = char or self.take("ESCAPED")
            if value:
                path += value
                continue
            if path:
                result.append(path)
                path = ""
            if self.take("OPEN") is not None:
                result.append(self._group())
                continue
            self.expect("END")
        return result

    def _group(self) -> _Param:
        prefix = self.text()
        name = self.take("NAME")
        pattern = self.take("PATTERN")
        suffix = self.text()
        self.expect("CLOSE")
        modifier = self.take("MODIFIER") or ""
        if not name and not pattern:
            return _Param("", prefix, suffix, "", modifier)
        return _Param(self.key(name), prefix, suffix, pattern or _SEGMENT, modifier)


def _param_regex(param: _Param, group: str) -> str:
    """Build one parameter's regex, the way path-to-regexp v6 `tokensToRegexp` does."""
    prefix, suffix = re.escape(param.prefix), re.escape(param.suffix)
    if not param.pattern:
        return f"(?:{prefix}{suffix}){param.modifier}"
    pattern = python_regex(param.pattern)
    repeats = param.modifier in ("*", "+")
    if prefix or suffix:
        if repeats:
            optional = "?" if param.modifier == "*" else ""
            each = f"(?:{suffix}{prefix}(?:{pattern}))*"
            return f"(?:{prefix}(?P<{group}>(?:{pattern}){each}){suffix}){optional}"
        return f"(?:{prefix}(?P<{group}>{pattern}){suffix}){param.modifier}"
    if repeats:
        return f"(?P<{group}>(?:{pattern}){param.modifier})"
    return f"(?P<{group}>{pattern}){param.modifier}"


@dataclass(frozen=True, slots=True)
class _Slot:
    key: str
    index: int  # its position in `Match.groups()`
    separator: str | None  # None: one value; else the text between repeated values


class PathPattern:
    r"""A compiled `source` (`/blog/:slug`, `/docs/:path*`, `/(.*)`), matched in one call.

    Syntax (path-to-regexp v6): static text; `:name` (one segment, `[^/#?]+?`); `:name?`
    (optional, with its leading `/`); `:name*` / `:name+` (zero / one or more segments, a
    list); `:name(\d+)` (own regex); `(api|trpc)` (unnamed, keys "0", "1", ...);
    `{/:lang}?` groups; `\` escapes. `(?<name>...)` in a regex is JavaScript's named group.

    Matching is against the raw path as given: nothing is percent-decoded, values included.

    Trailing slash and case (`strict`, `case_sensitive`): path-to-regexp's defaults are
    `strict=False` (one trailing `/` is optional) and case-insensitive, and Next overrides
    them per use:
    - middleware `config["matcher"]`: Next keeps only the regex *source* of a default
      compile, so the flags are dropped: **case-sensitive, trailing `/` optional**
      (`strict=False`). `compile_matchers` uses that. It matters when `trailing_slash = true`
      puts a `/` on every path: `/api/:path*` must still guard `/api/x/`.
    - `[[headers]]`, `[[redirects]]`, `[[rewrites]]` sources: Next compiles them with
      `strict: true` and case-insensitively (unless `caseSensitive`): pass
      `strict=True, case_sensitive=False`.
    The defaults here (`strict=True, case_sensitive=True`) match a path exactly as written.

    Example:
        >>> PathPattern.compile("/users/:id(\\d+)").match("/users/42")
        {'id': '42'}
        >>> PathPattern.compile("/users/:id").match("/users/42/") is None
        True
        >>> PathPattern.compile("/users/:id", strict=False).match("/users/42/")
        {'id': '42'}

    Attributes:
        source: The pattern as written.
        keys: Every parameter key in order, unnamed ones ("0", "1", ...) included.
        names: The named parameters: what a destination may use (Next drops unnamed ones
            from `[[rewrites]]`/`[[redirects]]` params).

    Differences from path-to-regexp: a stray `)` and a repeated parameter name are errors;
    regexes run on Python's `re` (ASCII classes, as JavaScript without the `u` flag).
    """

    __slots__ = ("_regex", "_slots", "fullmatch", "keys", "names", "source")

    def __init__(self, source: str, regex: re.Pattern[str], slots: tuple[_Slot, ...]) -> None:
        """Use `PathPattern.compile`; this takes the already compiled parts."""
        self.source = source
        self._regex = regex
        self.fullmatch: Callable[[str], re.Match[str] | None] = regex.fullmatch
        """The whole of a path matched, for `params`; None when it does not match."""
        self._slots = slots
        self.keys: tuple[str, ...] = tuple(slot.key for slot in slots)
        self.names: frozenset[str] = frozenset(k for k in self.keys if not k.isdigit())

    @classmethod
    def compile(
        cls, source: str, *, strict: bool = True, case_sensitive: bool = True
    ) -> PathPattern:
        """Compile `source` once.

        Args:
            source: The pattern; must start with `/`.
            strict: When False, one trailing `/` (or `#`, `?`) is accepted after a match.
            case_sensitive: When False, letters match in either case.

        Raises:
            PatternError: The source is not a valid pattern; the message says why and where.
        """
        if not isinstance(source, str):
            raise PatternError(f"a source must be a string, not {_kind(source)}")
        if not source.startswith("/"):
            raise PatternError("a source must start with '/'", text=source)
        parts: list[str] = []
        slots: list[_Slot] = []
        for token in _Parser(source).parse():
            if isinstance(token, str):
                parts.append(re.escape(token))
                continue
            if token.key in (slot.key for slot in slots):
                raise PatternError(f"the parameter ':{token.key}' appears twice", text=source)
            group = f"_p{len(slots)}"
            parts.append(_param_regex(token, group))
            if token.pattern:
                repeats = token.modifier in ("*", "+")
                separator = token.prefix + token.suffix if repeats else None
                slots.append(_Slot(token.key, len(slots), separator))  # index fixed below
        if not strict:
            parts.append("[/#?]?")
        flags = re.ASCII if case_sensitive else re.ASCII | re.IGNORECASE
        try:
            regex = re.compile("".join(parts), flags)
        except re.error as exc:
            raise PatternError(f"invalid regular expression ({exc.msg})", text=source) from exc
        # Slots index m.groups(): map each generated group name to its position once.
        indexed = tuple(
            _Slot(s.key, regex.groupindex[f"_p{s.index}"] - 1, s.separator) for s in slots
        )
        return cls(source, regex, indexed)

    def match(self, path: str) -> Params | None:
        """Return the parameters when the whole of `path` matches, else None.

        A parameter that matched nothing (`:id?`, `:path*` with zero segments) is left out.
        """
        found = self._regex.fullmatch(path)
        return None if found is None else self.params(found)

    def params(self, found: re.Match[str]) -> Params:
        """The parameters of a path `fullmatch` matched (see `match`)."""
        groups = found.groups()
        params: Params = {}
        for slot in self._slots:
            value = groups[slot.index]
            if value is None:
                continue
            if slot.separator is None:
                params[slot.key] = value
            elif slot.separator:
                params[slot.key] = value.split(slot.separator)
            else:
                params[slot.key] = list(value)  # COMPAT(path-to-regexp): JS split("")
        return params

    def __repr__(self) -> str:
        return f"PathPattern({self.source!r})"


@dataclass(frozen=True, slots=True)
class _Fill:
    key: str
    slash: bool  # the "/" before it belongs to it: dropped when the value is absent


class Destination:
    """A destination (or header value) with `:name` slots, parsed once, filled per request.

    Build one with `compile_destination` or `compile_template`.
    """

    __slots__ = ("_parts", "text")

    def __init__(self, text: str, parts: tuple[str | _Fill, ...]) -> None:
        """Use `compile_destination` or `compile_template`; this takes the parsed parts."""
        self.text = text
        self._parts = parts

    def fill(self, params: Mapping[str, str | list[str]]) -> str:
        """Return the text with every slot replaced by its value in `params`.

        A list (`:path*`) is joined with `/`; an absent or empty value leaves the slot out,
        with the `/` before it. Values are inserted as they are (they come from the raw path).

        >>> compile_destination("/docs/:path*", {"path"}).fill({"path": []})
        '/docs'
        """
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = params.get(part.key)
            text = "/".join(value) if isinstance(value, list) else value
            if text:
                out.append(f"/{text}" if part.slash else text)
        return "".join(out)

    @property
    def fixed(self) -> str | None:
        """The text it always fills to, when it has no slot; else None.

        >>> compile_template("nosniff", set()).fixed, compile_template(":a", {"a"}).fixed
        ('nosniff', None)
        """
        if all(isinstance(part, str) for part in self._parts):
            return "".join(part for part in self._parts if isinstance(part, str))
        return None

    def __repr__(self) -> str:
        return f"Destination({self.text!r})"


def compile_destination(destination: str, names: Collection[str]) -> Destination:
    """Parse a redirect or rewrite `destination` once, checking the names it uses.

    The path and `#hash` may use only `names` (the source's named parameters and the
    values captured by `has`); in the query, `:word` is a slot only when `word` is one of
    `names` and is text otherwise (`?at=12:30` stays as written), as in Next. A `?` always
    starts the query, so `:name?` there is a slot and the query's start. In an absolute
    destination (`https://:sub.example.com:8080/...`) the port stays text.

    Args:
        destination: The destination as written, e.g. `/new/:slug?ref=:slug`.
        names: The parameter names available to it (`Matcher.names`).

    Raises:
        PatternError: The destination uses a name the source does not provide.

    >>> compile_destination("https://example.com:8080/:path*", {"path"}).fill({"path": ["a"]})
    'https://example.com:8080/a'
    """
    if not destination:
        raise PatternError("a destination must not be empty")
    known = frozenset(names)
    end = len(destination)
    query_at = min(
        (i for i in (destination.find("?"), destination.find("#")) if i >= 0), default=end
    )
    head, rest = destination[:query_at], destination[query_at:]
    origin = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://[^/]*?(:\d+)?(?=/|$)", head)
    parts: list[str | _Fill] = []
    at = 0
    if origin is not None:
        # NOTE: the host may hold slots (`https://:tenant.example.com`); scheme and port may not.
        host_at = head.index("://") + 3
        port_at = origin.start(1) if origin.group(1) else origin.end()
        parts.append(head[:host_at])
        parts += _slots(destination, host_at, port_at, known, strict=True)
        parts.append(head[port_at : origin.end()])
        at = origin.end()
    parts += _slots(destination, at, len(head), known, strict=True)
    hash_at = rest.find("#")
    query_end = query_at + (hash_at if hash_at >= 0 else len(rest))
    parts += _slots(destination, query_at, query_end, known, strict=False)
    parts += _slots(destination, query_end, end, known, strict=True)
    return Destination(destination, tuple(_merge(parts)))


def compile_template(text: str, names: Collection[str]) -> Destination:
    """Parse a value with `:name` slots where unknown words stay text (a `[[headers]]` value).

    >>> compile_template("s-maxage=:age, no:thing", {"age"}).fill({"age": "60"})
    's-maxage=60, no:thing'
    """
    if not isinstance(text, str):
        raise PatternError(f"a value must be a string, not {_kind(text)}")
    return Destination(text, tuple(_merge(_slots(text, 0, len(text), frozenset(names), False))))


def _slots(
    text: str, start: int, end: int, known: frozenset[str], strict: bool
) -> list[str | _Fill]:
    """Split `text[start:end]` into literal text and slots; `strict` refuses unknown names."""
    parts: list[str | _Fill] = []
    i = start
    while i < end:
        char = text[i]
        if char == "\\" and i + 1 < end and strict:
            parts.append(text[i + 1])
            i += 2
            continue
        if char != ":":
            parts.append(char)
            i += 1
            continue
        name_end = i + 1
        while name_end < end and text[name_end] in _NAME_CHARS:
            name_end += 1
        name = text[i + 1 : name_end]
        if name in known:
            slash = bool(parts) and parts[-1] == "/"
            if slash:
                parts.pop()
            parts.append(_Fill(name, slash))
            i = name_end + (name_end < end and text[name_end] in "*+")
            continue
        if strict:
            problem = (
                f"':{name}' is not a parameter of the source (it has: {_listed(known)})"
                if name
                else "a parameter name must follow ':' (write '\\:' for a literal colon)"
            )
            raise PatternError(problem, text=text, position=i)
        parts.append(text[i:name_end])
        i = name_end
    return parts


def _merge(parts: list[str | _Fill]) -> list[str | _Fill]:
    merged: list[str | _Fill] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return merged


def _listed(names: Collection[str]) -> str:
    return ", ".join(f":{n}" for n in sorted(names)) or "no named parameters"


def _kind(value: object) -> str:
    return type(value).__name__
