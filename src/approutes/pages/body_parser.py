"""`req.body`: the raw body parsed by its Content-Type, as Next's `parseBody` does.

| Content-Type | `req.body` |
| --- | --- |
| `application/json`, `application/ld+json` (any charset) | the parsed value; `{}` when empty |
| `application/x-www-form-urlencoded` | a dict (repeated keys as lists, a bare key `""`) |
| anything else, none, or one that cannot be parsed | the text (`""` with no body) |

Malformed JSON is a 400 with the text `Invalid JSON`; a charset that is not one of the text
encodings below is a 400 `Invalid body`, as Next answers one iconv-lite does not know.

Charsets taken (any spelling Python knows: `utf8`, `UTF-8`, `latin1`, `windows-1252`, ...):
UTF-8, UTF-16 and UTF-32 (with or without a byte-order mark, LE or BE), US-ASCII,
ISO-8859-1 to -16, windows-1250 to -1258, KOI8-R, KOI8-U, and the common CJK encodings
(Shift_JIS, cp932, EUC-JP, EUC-KR, cp949, GB2312, GBK, GB18030, Big5, cp950). Everything
else is refused: Python codecs that are not text encodings (`zlib`, `base64`, `rot13`,
`idna`, `punycode`, `unicode_escape`), and UTF-7 and the ISO-2022 family, whose escape
sequences have been used to smuggle markup past filters.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from approutes.errors import BadRequest
from approutes.pages.querystring import parse_querystring
from approutes.web.json_codec import loads_body

__all__ = ["BodyRejected", "parse_body", "parse_content_type", "text_encoding"]

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


# SECURITY: an allow-list, by the codec's canonical name. `codecs.lookup` also finds
# bytes-to-bytes and str-to-str codecs (`zlib`, `rot13`), whose decode raises (a 500) or
# does work the client chooses (decompression).
_TEXT_ENCODINGS = frozenset(
    {"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
     "utf-32-be", "ascii", "koi8-r", "koi8-u", "shift_jis", "cp932", "euc_jp", "euc_kr",
     "cp949", "gb2312", "gbk", "gb18030", "big5", "cp950"}
    | {f"iso8859-{n}" for n in range(1, 17) if n != 12}
    | {f"cp{n}" for n in range(1250, 1259)}
)  # fmt: skip


def text_encoding(charset: str | None) -> str | None:
    """The Python codec for `charset` when it is a text encoding taken here, else None.

    >>> text_encoding("UTF8"), text_encoding("latin1"), text_encoding(None)
    ('utf-8', 'iso8859-1', 'utf-8')
    >>> text_encoding("zlib"), text_encoding("rot13"), text_encoding("no-such-charset")
    (None, None, None)
    """
    if charset is None:
        return "utf-8"
    try:
        name = codecs.lookup(charset).name
    except (LookupError, ValueError):  # ValueError: a name holding a NUL byte
        return None
    return name if name in _TEXT_ENCODINGS else None


def _decode(raw: bytes, charset: str | None) -> str:
    encoding = text_encoding(charset)
    if encoding is None:
        raise BodyRejected(400, "Invalid body")
    text = raw.decode(encoding, "replace")
    # COMPAT(next): iconv-lite drops a byte-order mark while decoding.
    return text.removeprefix("\ufeff")
