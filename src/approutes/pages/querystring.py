"""Node's `querystring.parse`, which Next uses for `req.query` and urlencoded bodies."""

from __future__ import annotations

from approutes.web.url import decode_query_component

__all__ = ["MAX_KEYS", "QueryValue", "parse_querystring"]

QueryValue = str | list[str]

MAX_KEYS = 1000
"""Node's `maxKeys`: pairs past the first thousand are ignored."""


def parse_querystring(text: str) -> dict[str, QueryValue]:
    """Parse `a=1&b=2` the way Node's `querystring.parse` does.

    A repeated key becomes a list, a bare key reads as `""`, `+` is a space, and a broken
    escape stays literal.

    >>> parse_querystring("q=x&q=y&z=1&flag&name=Ada+Lovelace&bad=%ZZ")
    {'q': ['x', 'y'], 'z': '1', 'flag': '', 'name': 'Ada Lovelace', 'bad': '%ZZ'}
    >>> parse_querystring("")
    {}
    """
    out: dict[str, QueryValue] = {}
    if not text:
        return out
    for piece in text.split("&", MAX_KEYS)[:MAX_KEYS]:
        if not piece:
            continue
        name, _, value = piece.partition("=")
        key = decode_query_component(name)
        decoded = decode_query_component(value)
        seen = out.get(key)
        if seen is None:
            out[key] = decoded
        elif isinstance(seen, list):
            seen.append(decoded)
        else:
            out[key] = [seen, decoded]
    return out
