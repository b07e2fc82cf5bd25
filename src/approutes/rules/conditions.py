r"""`has` and `missing` conditions: header, cookie, query or host checks, compiled once.

An item is `{"type": "header" | "cookie" | "query" | "host", "key": str, "value"?: str}`
(`host` takes no key and needs a value). Without `value` the item holds when the request
carries a non-empty value; with one, `value` is a regex that must match the whole value.
Matched values are captured so destinations can use them:

>>> [item] = compile_conditions([{"type": "header", "key": "x-user-id"}], where="has")
>>> item.captures
('xuserid',)
>>> [item] = compile_conditions(
...     [{"type": "host", "value": "(?<tenant>[a-z]+)\\.example\\.com"}], where="has"
... )
>>> item.captures
('tenant',)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from approutes.rules.path_pattern import PatternError, python_regex

if TYPE_CHECKING:
    from approutes.web.request import NextRequest
    from approutes.web.route_context import Params

__all__ = ["Condition", "ConditionType", "compile_conditions"]

ConditionType = Literal["header", "cookie", "query", "host"]
_TYPES: tuple[str, ...] = get_args(ConditionType)
_ITEM_KEYS = frozenset({"type", "key", "value"})


@dataclass(frozen=True, slots=True)
class Condition:
    """One compiled `has`/`missing` item.

    Attributes:
        type: Where the value is read: a header, a cookie, a query parameter, the host.
        key: The header, cookie or query name (None for `host`).
        value: The compiled value regex, or None to accept any non-empty value.
        captures: The parameter names a match adds (the regex's named groups; with no
            value, the key's letters, as Next's `getSafeParamName`; `host` for a host regex
            without groups).

    Next.js: the value regex must match the whole value (Next writes `^value$`, where an
    unbracketed `a|b` anchors each side separately); an empty value counts as absent; a
    repeated query parameter is tested on its last value; header names are case-insensitive,
    cookie and query names are not; the host is lower-cased and its port removed.
    """

    type: ConditionType
    key: str | None
    value: re.Pattern[str] | None
    captures: tuple[str, ...]

    def read(self, request: NextRequest) -> str | list[str] | None:
        """Return the request's value for this item, or None when absent or empty."""
        found: str | list[str] | None
        if self.type == "header":
            found = request.headers.get(self.key or "")
        elif self.type == "cookie":
            cookie = request.cookies.get(self.key or "")
            found = None if cookie is None else cookie.value
        elif self.type == "query":
            values = request.next_url.search_params.get_all(self.key or "")
            found = values if len(values) > 1 else (values[0] if values else None)
        else:
            found = _hostname(request.headers.get("host"))
        return found or None

    def test(self, request: NextRequest, captured: Params) -> bool:
        """Return whether the request satisfies the item, adding its captures to `captured`."""
        found = self.read(request)
        if found is None:
            return False
        if self.value is None:
            if self.captures:
                captured[self.captures[0]] = found
            return True
        matched = self.value.fullmatch(found[-1] if isinstance(found, list) else found)
        if matched is None:
            return False
        groups = matched.groupdict()
        if groups:
            captured.update({k: v for k, v in groups.items() if v is not None})
        elif self.captures and matched[0]:
            captured[self.captures[0]] = matched[0]  # COMPAT(next): `host` captures the host
        return True


def compile_conditions(items: object, *, where: str) -> tuple[Condition, ...]:
    """Compile a `has` or `missing` list once.

    Args:
        items: What the user wrote: a list of `{"type", "key", "value"}` dicts, or None.
        where: Where the list sits (`has`, `config["matcher"][1].missing`), for messages.

    Raises:
        PatternError: Not a list, an item that is not a dict, an unknown type or key, a
            missing `key` (or host `value`), a value that is not a valid regex.
    """
    if items is None:
        return ()
    if not isinstance(items, list | tuple):
        raise PatternError(f"{where} must be a list of conditions, not {type(items).__name__}")
    return tuple(_compile_item(item, f"{where}[{i}]") for i, item in enumerate(items))


def _compile_item(item: object, where: str) -> Condition:
    if not isinstance(item, dict):
        raise PatternError(f"{where} must be a dict like {{'type': 'header', 'key': 'x-token'}}")
    unknown = sorted(str(k) for k in item if k not in _ITEM_KEYS)
    if unknown:
        raise PatternError(f"{where} has unknown keys {unknown}; allowed: 'type', 'key', 'value'")
    kind, key, value = item.get("type"), item.get("key"), item.get("value")
    if kind not in _TYPES:
        raise PatternError(f"{where} has type {kind!r}; use one of {', '.join(map(repr, _TYPES))}")
    if kind == "host":
        if key is not None:
            raise PatternError(f"{where}: a 'host' condition takes no 'key', only 'value'")
        if not isinstance(value, str) or not value:
            raise PatternError(f"{where}: a 'host' condition needs a 'value' (a regex)")
    elif not isinstance(key, str) or not key:
        raise PatternError(f"{where}: a {kind!r} condition needs a 'key' (a string)")
    if value is not None and not isinstance(value, str):
        raise PatternError(f"{where}: 'value' must be a regex string, not {type(value).__name__}")
    return _condition(kind, key, value or None, where)


def _condition(kind: ConditionType, key: str | None, value: str | None, where: str) -> Condition:
    if value is None:
        # COMPAT(next): captured under the key's ASCII letters only (`x-user-id` -> `xuserid`),
        # a header's lower-cased first, as Next's getSafeParamName.
        named = (key or "").lower() if kind == "header" else key or ""
        name = "".join(c for c in named if c.isascii() and c.isalpha())
        return Condition(kind, key, None, (name,) if name else ())
    try:
        regex = re.compile(python_regex(value), re.ASCII)
    except re.error as exc:
        raise PatternError(
            f"{where}: 'value' is not a valid regular expression ({exc.msg})", text=value
        ) from exc
    captures = tuple(regex.groupindex) or (("host",) if kind == "host" else ())
    return Condition(kind, key, regex, captures)


def _hostname(host: str | None) -> str | None:
    """`example.com:3000` -> `example.com`; `[::1]:3000` -> `[::1]`; lower-cased."""
    if not host:
        return None
    if host.startswith("[") and "]" in host:  # an IPv6 literal keeps its colons
        return host[: host.index("]") + 1].lower()
    return host.split(":", 1)[0].lower()
