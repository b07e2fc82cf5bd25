"""The answer for a file of `public/`: 200, 206, 304 or 416, its body read from the file.

As Next's `send`: `ETag` and `Last-Modified` with 304s for `If-None-Match` /
`If-Modified-Since`, `Accept-Ranges: bytes` with single-range 206s (a multi-range request
gets the whole file, 200), `If-Range`, and `Cache-Control: public, max-age=0`.
"""

from __future__ import annotations

import stat
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from approutes.errors import MethodNotAllowed, RouteNotFound
from approutes.web.file_body import FileBody
from approutes.web.response import Response

if TYPE_CHECKING:
    from approutes.static.public_files import PublicFile
    from approutes.web.request import NextRequest

__all__ = ["byte_range", "file_response"]

UNSATISFIABLE: Final = (-1, -1)
"""`byte_range`'s answer for a range outside the file (416)."""

_ALLOW = "GET, HEAD"


def file_response(entry: PublicFile, request: NextRequest) -> Response:
    """Answer `request` for the public file `entry`.

    Raises:
        MethodNotAllowed: not GET or HEAD (405, `Allow: GET, HEAD`, as Next).
        RouteNotFound: the file is gone since the index was built.
    """
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(_ALLOW)
    try:
        info = Path(entry.real_path).stat()
    except OSError:
        raise RouteNotFound from None
    if not stat.S_ISREG(info.st_mode):
        raise RouteNotFound
    size = info.st_size
    mtime = int(info.st_mtime)
    etag = f'"{info.st_mtime_ns:x}-{size:x}"'
    headers = {
        "accept-ranges": "bytes",
        "cache-control": "public, max-age=0",
        "etag": etag,
        "last-modified": formatdate(mtime, usegmt=True),
    }
    request_headers = request.headers
    if _not_modified(
        request_headers.get("if-none-match"), request_headers.get("if-modified-since"), etag, mtime
    ):
        return Response(None, status=304, headers=headers)
    headers["content-type"] = entry.content_type
    wanted = request_headers.get("range")
    if wanted is not None and _range_applies(request_headers.get("if-range"), etag, mtime):
        span = byte_range(wanted, size)
        if span == UNSATISFIABLE:
            headers["content-range"] = f"bytes */{size}"
            return Response(None, status=416, headers=headers)
        if span is not None:
            start, end = span
            headers["content-range"] = f"bytes {start}-{end}/{size}"
            headers["content-length"] = str(end - start + 1)
            response = Response(None, status=206, headers=headers)
            response.stream = FileBody(entry.real_path, start, end - start + 1)
            return response
    headers["content-length"] = str(size)
    response = Response(None, headers=headers)
    response.stream = FileBody(entry.real_path, 0, size, whole=True)
    return response


def byte_range(value: str, size: int) -> tuple[int, int] | None:
    """The first and last byte a `Range` header asks of a file of `size` bytes.

    None to send the whole file (not a bytes range, a malformed one, or several ranges);
    `UNSATISFIABLE` when it starts past the end.

    >>> byte_range("bytes=0-99", 1000), byte_range("bytes=900-", 1000)
    ((0, 99), (900, 999))
    >>> byte_range("bytes=-100", 1000), byte_range("bytes=990-2000", 1000)
    ((900, 999), (990, 999))
    >>> byte_range("bytes=1000-", 1000), byte_range("bytes=0-1,5-9", 1000)
    ((-1, -1), None)
    """
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first or last) or not (first.isdigit() or not first):
        return None
    if last and not last.isdigit():
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - suffix), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    return start, min(int(last), size - 1) if last else size - 1


def _not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, mtime: int
) -> bool:
    """Whether the client's copy is current (RFC 9110 §13.2.2: If-None-Match decides first)."""
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        return any(_weak_equal(tag, etag) for tag in if_none_match.split(","))
    since = _http_date(if_modified_since)
    return since is not None and mtime <= since


def _range_applies(if_range: str | None, etag: str, mtime: int) -> bool:
    """Whether to honour Range: no If-Range, or one that still names this file."""
    if if_range is None:
        return True
    if_range = if_range.strip()
    if if_range.startswith(('"', "W/")):
        return if_range == etag  # NOTE: strong comparison: a weak tag never matches
    since = _http_date(if_range)
    return since is not None and mtime <= since


def _weak_equal(tag: str, etag: str) -> bool:
    tag = tag.strip()
    return (tag[2:] if tag.startswith("W/") else tag) == etag


def _http_date(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
