"""Response and NextResponse: status, headers, cookies and a body (bytes or a stream)."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar
from urllib.parse import urljoin, urlsplit

from approutes.web.cookies import ResponseCookies
from approutes.web.headers import Headers, checked_line, extend_headers
from approutes.web.json_codec import dumps

if TYPE_CHECKING:
    from typing import Self

    from approutes.web.headers import HeaderLines, HeadersInit
    from approutes.web.url import NextURL

__all__ = [
    "BodyInit",
    "MiddlewareAction",
    "NextResponse",
    "Response",
    "StreamBody",
    "add_header_lines",
    "answered",
    "body_chunk",
    "encoded_json",
    "has_header_of",
    "set_headers",
    "whole_body",
]

Chunk: TypeAlias = str | bytes
StreamBody: TypeAlias = AsyncIterable[Chunk] | Iterable[Chunk]
BodyInit: TypeAlias = str | bytes | bytearray | memoryview | StreamBody | None

_TEXT_TYPE = "text/plain; charset=utf-8"
_JSON_TYPE = "application/json"
_JSON_HEADER_LINES = [(b"content-type", _JSON_TYPE.encode())]
_NO_BODY_STATUSES = frozenset({204, 205, 304})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
R = TypeVar("R", bound="Response")


@dataclass(frozen=True, slots=True)
class MiddlewareAction:
    """What `NextResponse.next()` / `rewrite()` ask of the framework (middleware only).

    `Response.error()` carries the kind "error": no code path may send it.
    """

    kind: Literal["next", "rewrite", "error"]
    rewrite_url: str = ""
    request_headers: tuple[tuple[str, str], ...] = ()


_NETWORK_ERROR = MiddlewareAction("error")
# PERF: `NextResponse.next()` without request headers, built once (the action is frozen).
_NEXT = MiddlewareAction("next")


class Response:
    """An HTTP response, as the Web `Response`, snake_case.

    Args:
        body: `str` (sent as UTF-8, `text/plain; charset=utf-8` unless a type is given),
            `bytes` (no Content-Type unless given), an iterable or async iterable of
            `str`/`bytes` chunks (streamed, each chunk flushed as it comes), or None.
        status: 200-599.
        headers: Initial headers.

    Raises:
        ValueError: a status outside 200-599, or a body with status 204, 205 or 304.

    Example:
        return Response("pong", headers={"Cache-Control": "no-store"})

    Next.js: the same constructor rules as the Web `Response`.
    """

    __slots__ = (
        "_cookies",
        "_encoded_headers",
        "_headers",
        "body",
        "middleware_action",
        "resolve_location",
        "status",
        "stream",
    )

    def __init__(
        self,
        body: BodyInit = None,
        *,
        status: int = 200,
        headers: HeadersInit | None = None,
    ) -> None:
        """Check the status, classify the body and copy the headers."""
        if not 200 <= status <= 599:
            raise ValueError(f"Response status must be within 200-599, got {status}")
        self.status = status
        self._headers: Headers | None = Headers(headers)
        self._encoded_headers: list[tuple[bytes, bytes]] | None = None
        self.stream: StreamBody | None = None
        self.body: bytes | None = None
        self._cookies: ResponseCookies | None = None
        self.middleware_action: MiddlewareAction | None = None
        self.resolve_location = False
        if body is None:
            return
        if status in _NO_BODY_STATUSES:
            raise ValueError(f"Response with status {status} cannot have a body")
        if isinstance(body, str):
            self.body = body.encode()
            if not self.headers.has("content-type"):
                self.headers.append("content-type", _TEXT_TYPE)
        elif isinstance(body, bytes | bytearray | memoryview):
            self.body = bytes(body)
        elif isinstance(body, dict | set):
            raise TypeError(
                f"Response body cannot be a {type(body).__name__}; use Response.json(...)"
            )
        elif isinstance(body, AsyncIterable | Iterable):
            self.stream = body  # type: ignore[assignment]  # chunks are checked as they are sent
        else:
            raise TypeError(f"Response body cannot be a {type(body).__name__}")

    @property
    def headers(self) -> Headers:
        """The response headers (mutable)."""
        if self._headers is None:
            # Built on first access; from then on the Headers are the truth (they may change).
            lines = self._encoded_headers or []
            self._headers = Headers.of(
                [(n.decode("latin-1"), v.decode("latin-1")) for n, v in lines]
            )
            self._encoded_headers = None
        return self._headers

    def encoded_headers(self) -> tuple[list[tuple[bytes, bytes]], bool]:
        """Return the header lines as bytes, for sending, and whether Content-Length is set."""
        if self._headers is None:
            return list(self._encoded_headers or ()), False
        lines = []
        has_length = False
        for name, value in self._headers.raw():
            if name == "content-length":
                has_length = True
            lines.append((name.encode("latin-1"), value.encode("latin-1")))
        return lines, has_length

    @property
    def cookies(self) -> ResponseCookies:
        """The cookies this response sets (`set`, `get`, `get_all`, `delete`)."""
        if self._cookies is None:
            self._cookies = ResponseCookies(self.headers)
        return self._cookies

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status <= 299

    @property
    def type(self) -> Literal["default", "error"]:
        """`"error"` for `Response.error()`, `"default"` otherwise (the Web `type`)."""
        action = self.middleware_action
        return "error" if action is not None and action.kind == "error" else "default"

    @classmethod
    def error(cls) -> Self:
        """Return a network error, as the Web `Response.error()`: status 0, type "error".

        It cannot be sent: a handler or `proxy.py` returning it is answered 500 and logged
        naming the file, as a Node server answers a response whose status is 0.

        Example:
            if upstream_failed:
                return Response.error()
        """
        response = cls(None, status=500)
        response.status = 0
        response.middleware_action = _NETWORK_ERROR
        return response

    @classmethod
    def json(cls, data: Any, *, status: int = 200, headers: HeadersInit | None = None) -> Self:
        """Return a JSON response (`Content-Type: application/json`).

        Serialises dicts, lists, dataclasses, pydantic models, datetimes, dates, UUIDs,
        Decimals, enums and sets.

        Example:
            return NextResponse.json({"error": "User not found"}, status=404)
        """
        return encoded_json(cls, dumps(data), status, headers)

    @classmethod
    def redirect(
        cls, url: str | NextURL, status: int = 307, *, headers: HeadersInit | None = None
    ) -> Self:
        """Return a redirect to `url` with an empty body.

        Args:
            url: Absolute URL, or a path resolved against the current request's URL.
            status: One of 301, 302, 303, 307, 308.
            headers: More headers to send (Next's `redirect(url, {headers})`); the
                `Location` is always `url`'s.

        Raises:
            ValueError: `status` is not a redirect status, or the URL holds a line break.

        Example:
            return NextResponse.redirect("/login")

        Next.js: relative URLs are accepted here, where Next requires absolute ones.
        """
        if status not in _REDIRECT_STATUSES:
            raise ValueError(
                f"redirect status must be one of 301, 302, 303, 307, 308; got {status}"
            )
        target = str(url)
        response = cls(None, status=status, headers=headers)
        response.headers.set("location", target)
        response.resolve_location = not urlsplit(target).scheme
        return response

    def resolve_location_against(self, base_url: str) -> None:
        """Make a relative `Location` (from `redirect("/x")`) absolute against `base_url`."""
        if self.resolve_location:
            self.headers.set("location", urljoin(base_url, self.headers.get("location") or ""))
            self.resolve_location = False

    def __repr__(self) -> str:
        kind = "stream" if self.stream is not None else f"{len(self.body or b'')} bytes"
        return f"{type(self).__name__}(status={self.status}, {kind})"


def add_header_lines(response: Response, lines: HeaderLines) -> None:
    """Add `lines` to `response`, as `extend_headers` adds them to its `headers`.

    PERF: lines still kept encoded stay so: no `Headers` is built only to be encoded again
    at send (bench S8, S9: what `[cors]` and `[[headers]]` add to every answer).
    """
    headers = response._headers
    if headers is not None:
        extend_headers(headers, lines)
        return
    current = response._encoded_headers or ()
    dropped = lines.encoded_replaces
    kept = [line for line in current if line[0] not in dropped] if dropped else list(current)
    kept.extend(lines.encoded)
    response._encoded_headers = kept


def set_headers(response: Response, added: Headers) -> None:
    """Set each line of `added` on `response` as `Headers.set` does (`set-cookie` appended).

    PERF: lines still kept encoded stay so, as in `add_header_lines` (bench S9: what
    middleware's `NextResponse.next()` adds).
    """
    headers = response._headers
    if headers is not None:
        for name, value in added.raw():
            if name == "set-cookie":
                headers.append(name, value)
            else:
                headers.set(name, value)
        return
    lines = list(response._encoded_headers or ())
    for line in added.raw():
        name, value = checked_line(*line)
        key = name.encode("latin-1")
        if name != "set-cookie":
            for known, _ in lines:
                if known == key:
                    lines = [kept for kept in lines if kept[0] != key]
                    break
        lines.append((key, value.encode("latin-1")))
    response._encoded_headers = lines


def has_header_of(response: Response, lines: HeaderLines) -> bool:
    """Whether `response` has a line of any of the names of `lines` (without building `headers`)."""
    headers = response._headers
    if headers is None:
        encoded_names = lines.encoded_names
        for name, _ in response._encoded_headers or ():  # noqa: SIM110 - PERF: no generator
            if name in encoded_names:
                return True
        return False
    names = lines.names
    for key, _ in headers.raw():  # noqa: SIM110 - PERF: no generator
        if key in names:
            return True
    return False


class NextResponse(Response):
    """A Response with Next's extra class methods (`json`, `redirect`, `next`, `rewrite`).

    Example:
        return NextResponse.json(user, status=201)
    """

    __slots__ = ()

    @classmethod
    def next(
        cls,
        *,
        request_headers: HeadersInit | None = None,
        headers: HeadersInit | None = None,
    ) -> Self:
        """In middleware: go on to the route.

        Args:
            request_headers: Headers set over the incoming ones for the route to see.
            headers: Headers added to the final response.

        Next.js: `NextResponse.next({request: {headers}})`.
        """
        response = cls(None, headers=headers)
        # PERF: without request headers, the one shared action: no Headers built only to be
        # emptied into a tuple (16.2k -> 7.2k instructions a call; bench S9).
        response.middleware_action = (
            _NEXT
            if request_headers is None
            else MiddlewareAction("next", request_headers=tuple(Headers(request_headers).raw()))
        )
        return response

    @classmethod
    def rewrite(
        cls,
        url: str | NextURL,
        *,
        headers: HeadersInit | None = None,
        request_headers: HeadersInit | None = None,
    ) -> Self:
        """In middleware: serve the route at `url` instead, keeping the client's URL.

        `request_headers` replace the headers of those names the route sees, as with
        `next(request_headers=...)` (Next's `rewrite(url, { request: { headers } })`).
        """
        response = cls(None, headers=headers)
        forwarded = () if request_headers is None else tuple(Headers(request_headers).raw())
        response.middleware_action = MiddlewareAction(
            "rewrite", rewrite_url=str(url), request_headers=forwarded
        )
        return response


def encoded_json(
    cls: type[R], body: bytes, status: int = 200, headers: HeadersInit | None = None
) -> R:
    """The answer of `cls.json(data, status=status, headers=headers)`; `body` is `data` as JSON.

    PERF: JSON written already (a typed handler's response model, by pydantic) becomes the
    body as it is, not parsed or copied again (callgrind, bench S8: 4k instructions).
    """
    if headers is None and status == 200:
        # PERF: the common case skips the constructor's checks (bench S1-S5).
        response = cls.__new__(cls)
        response.status = 200
        # PERF: header lines kept encoded until someone reads `.headers` (callgrind, S1-S5).
        response._headers = None
        response._encoded_headers = _JSON_HEADER_LINES
        response.body = body
        response.stream = None
        response._cookies = None
        response.middleware_action = None
        response.resolve_location = False
        return response
    response = cls(body, status=status, headers=headers)
    if not response.headers.has("content-type"):
        response.headers.append("content-type", _JSON_TYPE)
    return response


async def answered(response: Response) -> Response:
    """`response` as an awaitable (a plain `handle` function's answer made without waiting)."""
    return response


async def whole_body(response: Response) -> bytes:
    """Read the whole body of `response`, draining its stream if it has one."""
    stream = response.stream
    if stream is None:
        return response.body or b""
    if isinstance(stream, AsyncIterable):
        return b"".join([body_chunk(chunk) async for chunk in stream])
    return b"".join(body_chunk(chunk) for chunk in stream)


def body_chunk(chunk: object) -> bytes:
    """Turn one streamed chunk into bytes."""
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, str):
        return chunk.encode()
    raise TypeError(f"a streamed chunk must be str or bytes, not {type(chunk).__name__}")
