"""`req.body`: the raw body parsed by its Content-Type, as Next's `parseBody` does.

| Content-Type | `req.body` |
| --- | --- |
| `application/json`, `application/ld+json` (any charset) | the parsed value; `{}` when empty |
| `application/x-www-form-urlencoded` | a dict (repeated keys as lists, a bare key `""`) |
| anything else, none, or one that cannot be parsed | the text (`""` with no body) |

Malformed JSON is a 400 with the text `Invalid JSON`; a charset Python does not know is a
400 `Invalid body`.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from approutes.errors import BadRequest
from approutes.pages.querystring import parse_querystring
from approutes.web.json_codec import loads_body

__all__ = ["BodyRejected", "parse_body", "parse_content_type"]

_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE = re.compile(rf"({_TCHARS}/{_TCHARS})")
_PARAMETER = re.compile(rf' *; *({_TCHARS})=({_TCHARS}|"(?:[^"\\]|\\.)*")')
_JSON_TYPES = frozenset({"application/json", "application/ld+json"})
_FORM_TYPE = "application/x-www-form-urlencoded"
_TEXT = ("text/plain", None)


class BodyRejected(Exception):
    """The body cannot be parsed; Next answers `status` with `message` as plain text."""

    def __init__(self, status: int, message: str) -> None:
        """Answer `status` with the text `message`."""
        self.status = status
        self.message = message
        super().__init__(message)


def parse_content_type(header: str | None) -> tuple[str, str | None]:
    """Return the media type (lower-case) and charset of a Content-Type header.

    A missing or malformed header reads as `text/plain`, as in Next.

    >>> parse_content_type("Application/JSON; charset=latin1")
    ('application/json', 'latin1')
    >>> parse_content_type("json"), parse_content_type(None)
    (('text/plain', None), ('text/plain', None))
    >>> parse_content_type('text/plain; charset="utf-8"; format=flowed')
    ('text/plain', 'utf-8')
    """
    if not header:
        return _TEXT
    text = header.strip()
    found = _MEDIA_TYPE.match(text)
    if found is None:
        return _TEXT
    charset = None
    position = found.end()
    while position < len(text):
        parameter = _PARAMETER.match(text, position)
        if parameter is None:
            return _TEXT
        name, value = parameter.groups()
        if name.lower() == "charset":
            charset = value[1:-1].replace("\\", "") if value.startswith('"') else value
        position = parameter.end()
    return found.group(1).lower(), charset


def parse_body(content_type: str | None, raw: bytes) -> Any:
    """Parse the whole body `raw` by its Content-Type header.

    >>> parse_body("application/json", b'{"x":[1,2]}')
    {'x': [1, 2]}
    >>> parse_body("application/json", b""), parse_body(None, b""), parse_body("text/csv", b"a,b")
    ({}, '', 'a,b')
    >>> parse_body("application/x-www-form-urlencoded", b"a=1&a=2&b")
    {'a': ['1', '2'], 'b': ''}

    Raises:
        BodyRejected: malformed JSON (400 `Invalid JSON`), an unknown charset (400
            `Invalid body`).
    """
    media_type, charset = parse_content_type(content_type)
    text = _decode(raw, charset)
    if media_type in _JSON_TYPES:
        if not text:
            # COMPAT(next): an empty JSON body is {} ("a common client-side mistake").
            return {}
        try:
            return loads_body(text.encode())
        except BadRequest:
            raise BodyRejected(400, "Invalid JSON") from None
    if media_type == _FORM_TYPE:
        return parse_querystring(text)
    return text


def _decode(raw: bytes, charset: str | None) -> str:
    encoding = charset or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise BodyRejected(400, "Invalid body") from None
    text = raw.decode(encoding, "replace")
    # COMPAT(next): iconv-lite drops a byte-order mark while decoding.
    return text.removeprefix("\ufeff")
