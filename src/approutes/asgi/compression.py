"""Response compression, as Next's `compress: true`: gzip, plus zstd and br when installed.

`Compression.coding_for` decides, from the response's header lines and the request's
`Accept-Encoding`, whether a response is compressed and with what, and rewrites the header
lines to match. `asgi/send.py` is the one caller: every road (the servers, the TestClient,
the Lambda adapter, cached and static answers) sends through it.

What is compressed, as Next's `compression` middleware does: a compressible type
(`text/*`, JSON, JavaScript, XML, SVG, ... but never `text/event-stream`) of at least
`THRESHOLD` bytes (a stream of unknown length always qualifies), with no `Content-Encoding`
or `Content-Range` already, and no `Cache-Control: no-transform`. Such a response always
gets `Vary: Accept-Encoding` (another client may get another encoding).
"""

from __future__ import annotations

import importlib
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["THRESHOLD", "Coding", "Compression", "Encoder", "compressible", "preferred_coding"]

THRESHOLD = 1024
"""Bytes below which a body is sent as is (the `compression` middleware's default, 1 KiB)."""

_CACHE_LIMIT = 256
"""Distinct header values remembered by the per-process decision caches (then cleared)."""

_COMPRESSIBLE_TYPES = frozenset(
    {
        b"application/javascript",
        b"application/json",
        b"application/manifest+json",
        b"application/wasm",
        b"application/x-javascript",
        b"application/xhtml+xml",
        b"application/xml",
        b"application/x-ndjson",
        b"application/graphql",
        b"application/rtf",
        b"application/vnd.ms-fontobject",
        b"font/otf",
        b"font/ttf",
        b"image/bmp",
        b"image/svg+xml",
        b"image/x-icon",
        b"image/vnd.microsoft.icon",
    }
)
_COMPRESSIBLE_SUFFIXES = (b"+json", b"+xml", b"+text")
_EVENT_STREAM = b"text/event-stream"
_AS_IS = (b"content-encoding", b"content-range")
_VARY_LINE = (b"vary", b"Accept-Encoding")
_V = TypeVar("_V")


class Encoder(Protocol):
    """Compresses one streamed body, chunk by chunk."""

    def chunk(self, data: bytes) -> bytes:
        """`data` compressed and flushed, so the client can decode it now."""
        ...

    def finish(self) -> bytes:
        """The end of the compressed stream."""
        ...


@dataclass(frozen=True, slots=True)
class Coding:
    """One content coding: its token, a one-shot compressor and a streaming one."""

    token: bytes
    whole: Callable[[bytes], bytes]
    stream: Callable[[], Encoder]


class _GzipEncoder:
    __slots__ = ("_zlib",)

    def __init__(self) -> None:
        # NOTE: wbits 31 writes the gzip framing; level 6 is zlib's default, as Node's.
        self._zlib = zlib.compressobj(6, zlib.DEFLATED, 31)

    def chunk(self, data: bytes) -> bytes:
        return self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        return self._zlib.flush()


def _gzip_whole(data: bytes) -> bytes:
    return zlib.compress(data, 6, 31)


GZIP = Coding(b"gzip", _gzip_whole, _GzipEncoder)


def _optional_codings() -> list[Coding]:
    """The zstd and br codings, each when its library (the `compression` extra) is installed."""
    found = []
    for name, make in (("zstandard", _zstd_coding), ("brotli", _brotli_coding)):
        try:
            # NOTE: looked up once, when the app is created; `import approutes` never pays.
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        found.append(make(module))
    return found


def _zstd_coding(zstd: Any) -> Coding:
    context = zstd.ZstdCompressor(level=3)
    flush_block = zstd.COMPRESSOBJ_FLUSH_BLOCK

    class ZstdEncoder:
        __slots__ = ("_compressor",)

        def __init__(self) -> None:
            self._compressor = context.compressobj()

        def chunk(self, data: bytes) -> bytes:
            compressor = self._compressor
            return bytes(compressor.compress(data) + compressor.flush(flush_block))

        def finish(self) -> bytes:
            return bytes(self._compressor.flush())

    def whole(data: bytes) -> bytes:
        return bytes(context.compress(data))

    return Coding(b"zstd", whole, ZstdEncoder)


def _brotli_coding(brotli: Any) -> Coding:
    # NOTE: quality 4 (of 11): the usual choice for responses made per request; 11 is for
    # files compressed once ahead of time.

    class BrotliEncoder:
        __slots__ = ("_compressor",)

        def __init__(self) -> None:
            self._compressor = brotli.Compressor(quality=4)

        def chunk(self, data: bytes) -> bytes:
            compressor = self._compressor
            return bytes(compressor.process(data) + compressor.flush())

        def finish(self) -> bytes:
            return bytes(self._compressor.finish())

    def whole(data: bytes) -> bytes:
        return bytes(brotli.compress(data, quality=4))

    return Coding(b"br", whole, BrotliEncoder)


def compressible(content_type: bytes) -> bool:
    """Whether a body of `content_type` is worth compressing.

    >>> compressible(b"application/json; charset=utf-8"), compressible(b"text/html")
    (True, True)
    >>> compressible(b"image/png"), compressible(b"text/event-stream")
    (False, False)
    >>> compressible(b"application/problem+json")
    True
    """
    media = content_type.partition(b";")[0].strip().lower()
    if media.startswith(b"text/"):
        return media != _EVENT_STREAM
    return media in _COMPRESSIBLE_TYPES or media.endswith(_COMPRESSIBLE_SUFFIXES)


def preferred_coding(accept_encoding: bytes, codings: Iterable[Coding]) -> Coding | None:
    """The coding the client accepts with the highest q-value; ties go to `codings`' order.

    `*` stands for every coding not named; `q=0` refuses one. Identity is always
    acceptable here: a client that refuses it (`identity;q=0`) and every coding we have gets
    the body uncompressed rather than a 406 (as Next).

    >>> [c.token for c in [preferred_coding(b"gzip, br;q=0.5", [GZIP])] if c]
    [b'gzip']
    >>> preferred_coding(b"gzip;q=0", [GZIP]) is None
    True
    >>> preferred_coding(b"*", [GZIP]) is GZIP
    True
    """
    weights: dict[bytes, float] = {}
    for part in accept_encoding.lower().split(b","):
        token, _, params = part.partition(b";")
        token = token.strip()
        if not token:
            continue
        weights[token] = _q_value(params)
    star = weights.get(b"*", 0.0)
    best: Coding | None = None
    best_q = 0.0
    for coding in codings:
        q = weights.get(coding.token, star)
        if q > best_q:
            best, best_q = coding, q
    return best


def _q_value(params: bytes) -> float:
    """The q of `;q=0.5`-style parameters; 1 when absent, 0 when unreadable."""
    for param in params.split(b";"):
        name, _, value = param.partition(b"=")
        if name.strip() == b"q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


class Compression:
    """The codings this process produces (server preference: zstd, br, gzip).

    Example:
        compression = Compression.available()   # when `compress` is on (the default)
    """

    __slots__ = ("_choices", "_codings", "_types")

    def __init__(self, codings: Iterable[Coding]) -> None:
        """Offer `codings`, the first preferred on a tie of q-values."""
        self._codings = tuple(codings)
        # PERF: a handful of distinct Content-Type and Accept-Encoding values come back on
        # every request: each is parsed once per process.
        self._types: dict[bytes, bool] = {}
        self._choices: dict[bytes, Coding | None] = {}

    @classmethod
    def available(cls) -> Compression:
        """gzip, and zstd and br when their libraries are installed."""
        return cls([*_optional_codings(), GZIP])

    @property
    def tokens(self) -> tuple[str, ...]:
        """The codings offered, preferred first (`("zstd", "br", "gzip")`)."""
        return tuple(coding.token.decode() for coding in self._codings)

    def coding_for(  # noqa: C901 - PERF: one inline path, see below
        self,
        headers: list[tuple[bytes, bytes]],
        request_headers: Iterable[tuple[bytes, bytes]],
        length: int | None,
    ) -> Coding | None:
        """The coding to send a response with, or None to send it as is.

        `headers` are the response's header lines (lower-case names), changed in place: a
        compressible response gets `Vary: Accept-Encoding`; a compressed one also gets
        `Content-Encoding`, loses `Content-Length` and has a strong ETag made weak (the
        bytes differ, the meaning does not). `length` is the body's size when known
        (`None` for a stream: its `Content-Length`, if set, is read here).
        """
        # PERF: the lines read and the Accept-Encoding found here, no call (a frame each;
        # callgrind, bench S4). Content-Type, Content-Length, and where Vary and ETag are.
        content_type = given_length = None
        vary = etag = -1
        for index, (name, value) in enumerate(headers):
            if name == b"content-type":
                content_type = value
            elif name == b"content-length":
                given_length = int(value) if value.isdigit() else None
            elif name == b"vary":
                vary = index
            elif name == b"etag":
                etag = index
            elif name in _AS_IS or (name == b"cache-control" and b"no-transform" in value.lower()):
                return None  # already encoded, a range, or `no-transform`: sent as is
        if length is None:
            length = given_length
        if content_type is None or (length is not None and length < THRESHOLD):
            return None
        fits = self._types.get(content_type)
        if fits is None:
            fits = self._remember(self._types, content_type, compressible(content_type))
        if not fits:
            return None
        if vary < 0:
            headers.append(_VARY_LINE)
        else:
            _add_vary(headers, vary)
        accept = b""
        for name, value in request_headers:
            if name == b"accept-encoding":
                accept = value if not accept else accept + b"," + value
        if not accept:
            return None
        try:
            coding = self._choices[accept]
        except KeyError:
            coding = self._remember(self._choices, accept, preferred_coding(accept, self._codings))
        if coding is None:
            return None
        if etag >= 0 and not headers[etag][1].startswith(b"W/"):
            headers[etag] = (b"etag", b"W/" + headers[etag][1])
        headers[:] = [line for line in headers if line[0] != b"content-length"]
        headers.append((b"content-encoding", coding.token))
        return coding

    @staticmethod
    def _remember(cache: dict[bytes, _V], key: bytes, value: _V) -> _V:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = value
        return value


def _add_vary(headers: list[tuple[bytes, bytes]], index: int) -> None:
    """Add `Accept-Encoding` to the response's Vary line at `index`, merged with its names."""
    value = headers[index][1]
    names = {name.strip().lower() for name in value.split(b",")}
    if b"accept-encoding" in names or b"*" in names:
        return
    headers[index] = (
        b"vary",
        value + b", Accept-Encoding" if value.strip() else b"Accept-Encoding",
    )
