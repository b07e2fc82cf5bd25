"""The ETag `res.send` adds, and whether a request's validators make the response 304.

`is_fresh` is the `fresh` package Next uses: `If-None-Match` against the ETag (weak
comparison, `*` matches), `If-Modified-Since` against a `Last-Modified` the handler set, and
never fresh when the request says `Cache-Control: no-cache`.
"""

from __future__ import annotations

import hashlib
import re
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["generate_etag", "is_fresh"]

_NO_CACHE = re.compile(r"(?:^|,)\s*?no-cache\s*?(?:,|$)")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def generate_etag(payload: bytes) -> str:
    """A strong ETag for `payload`: a 52-bit hash and the length, in base 36, quoted.

    Next's shape (`"<hash><length>"`); the hash is BLAKE2b where Next uses FNV-1a (a C
    implementation here, where a Python FNV loop costs per byte), so the values differ.

    >>> generate_etag(b"hello")
    '"j79t5tngjh5"'
    """
    digest = int.from_bytes(hashlib.blake2b(payload, digest_size=8).digest(), "big")
    return f'"{_base36(digest & (2**52 - 1))}{_base36(len(payload))}"'


def is_fresh(request_headers: Mapping[str, object], response_headers: Mapping[str, str]) -> bool:
    """Whether the client's cached copy is current (the response becomes a 304).

    `request_headers` are Node-style (lower-case names); `response_headers` hold `etag`
    and `last-modified` when the response has them.

    >>> is_fresh({"if-none-match": 'W/"a", "b"'}, {"etag": '"b"'})
    True
    >>> is_fresh({"if-none-match": '"b"', "cache-control": "no-cache"}, {"etag": '"b"'})
    False
    """
    modified_since = request_headers.get("if-modified-since")
    none_match = request_headers.get("if-none-match")
    if not isinstance(modified_since, str):
        modified_since = None
    if not isinstance(none_match, str):
        none_match = None
    if not modified_since and not none_match:
        return False
    cache_control = request_headers.get("cache-control")
    if isinstance(cache_control, str) and _NO_CACHE.search(cache_control):
        return False
    if none_match and none_match != "*":
        etag = response_headers.get("etag")
        if not etag or not any(
            match in (etag, "W/" + etag) or "W/" + match == etag
            for match in (m.strip() for m in none_match.split(","))
        ):
            return False
    if modified_since:
        last_modified = response_headers.get("last-modified")
        if not last_modified or not _not_after(last_modified, modified_since):
            return False
    return True


def _not_after(last_modified: str, modified_since: str) -> bool:
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(modified_since)
    except (TypeError, ValueError):
        return False


def _base36(number: int) -> str:
    if number == 0:
        return "0"
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_DIGITS[rest])
    return "".join(reversed(digits))
