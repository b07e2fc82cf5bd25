"""`req.cookies`: the `cookie` package's parser, which Next's Pages Router uses.

It differs from the App Router's (`approutes.web.cookies`): the first duplicate wins,
surrounding double quotes are removed, and a pair without `=` is dropped.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["parse_cookies"]

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def parse_cookies(header: str) -> dict[str, str]:
    """Parse a Cookie header value.

    >>> parse_cookies('a=1; a=2; q="quoted"; flag; s=a%20b; bad=%E0%A4%A')
    {'a': '1', 'q': 'quoted', 's': 'a b', 'bad': '%E0%A4%A'}
    >>> parse_cookies("")
    {}
    """
    out: dict[str, str] = {}
    index = 0
    size = len(header)
    # NOTE: a port of cookie@0.x `parse`, index for index, so odd headers split the same way.
    while index < size:
        equals = header.find("=", index)
        if equals == -1:
            break
        end = header.find(";", index)
        if end == -1:
            end = size
        elif end < equals:
            # A pair without "=": go back to the last ";" before this "=".
            index = header.rfind(";", 0, equals) + 1
            continue
        key = header[index:equals].strip()
        if key not in out:
            value = header[equals + 1 : end].strip()
            if value.startswith('"'):
                value = value[1:-1]
            out[key] = _decode(value)
        index = end + 1
    return out


def _decode(value: str) -> str:
    """`decodeURIComponent`, keeping the raw value where it would throw."""
    if "%" not in value or _BAD_ESCAPE.search(value):
        return value
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        return value
