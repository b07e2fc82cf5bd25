"""ApiResponse: the `res` of a pages/api handler (Next's `NextApiResponse`), snake_case.

The response is sent when the handler ends it (`end`, `send`, `json`, `redirect`), not when
it returns; after its first `write()` the status and headers are sent and the body streams.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterable, Iterator
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from approutes.cache import revalidate_path
from approutes.log import error_log
from approutes.pages.etag import generate_etag, is_fresh
from approutes.request_context import DRAFT_MODE_COOKIE, draft_mode_cookie
from approutes.web.cookies import serialize_cookie
from approutes.web.headers import header_value
from approutes.web.json_codec import dumps
from approutes.web.response import Response

if TYPE_CHECKING:
    from collections.abc import Awaitable, Generator, Mapping

    from approutes.pages.channel import ResponseChannel
    from approutes.route_modules.pages_config import PagesConfig

__all__ = ["ApiResponse", "HeaderValue"]

HeaderValue: TypeAlias = str | int | float | list[str] | tuple[str, ...]
"""What `set_header` takes: a list sends one header line per item (Node's arrays)."""

_JSON_TYPE = "application/json; charset=utf-8"
_BYTES_TYPE = "application/octet-stream"
_NO_BODY_STATUSES = frozenset({204, 205, 304})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADERS_SENT = "Cannot set headers after they are sent to the client"
_BAD_REDIRECT = (
    "Invalid redirect arguments. Please use a single argument URL, e.g. "
    "res.redirect('/destination') or use a status code and URL, e.g. "
    "res.redirect(307, '/destination')."
)

_State = Literal["open", "streaming", "ended"]


class ApiResponse:
    """The response of a pages/api handler, as its `res`.

    Attributes:
        status_code: The status to send (200 until changed; Node's `res.statusCode`).

    Example:
        def handler(req, res):
            res.set_header("Cache-Control", "no-store")
            res.status(200).json({"name": "John Doe"})

    Next.js: the same helpers, snake_case (`set_header`, `get_header`, `remove_header`,
    `has_header`, `headers_sent`); `send` and `json` add an ETag from a hash of the body, so
    its value differs from Next's (FNV-1a), while a matching `If-None-Match` is a 304 as there.
    """

    __slots__ = ("_channel", "_config", "_file", "_headers", "_request_headers", "_sent",
                 "_state", "_url", "status_code")  # fmt: skip

    def __init__(
        self,
        channel: ResponseChannel,
        request_headers: Mapping[str, object],
        url: str,
        file: str,
        config: PagesConfig,
    ) -> None:
        """Answer through `channel`; the rest serves ETags (`request_headers`) and logs."""
        self.status_code = 200
        self._channel = channel
        self._request_headers = request_headers
        self._url = url
        self._file = file
        self._config = config
        # By lower-case name: (the name as written, the value as set), in order.
        self._headers: dict[str, tuple[str, HeaderValue]] = {}
        self._state: _State = "open"
        self._sent = 0

    @property
    def headers_sent(self) -> bool:
        """Whether the status and headers are sent (after `write`, `end`, `send`, ...)."""
        return self._state != "open"

    @property
    def writable_ended(self) -> bool:
        """Whether the response has ended (`end`, `send`, `json`, `redirect`)."""
        return self._state == "ended"

    def status(self, status_code: int) -> ApiResponse:
        """Set the status code; returns `res`, so `res.status(201).json(...)` chains.

        Raises:
            TypeError: `status_code` is not an int (a status outside 200-599 fails when the
                response is sent).
        """
        if isinstance(status_code, bool) or not isinstance(status_code, int):
            raise TypeError(f"status code must be an int, got {status_code!r}")
        self.status_code = status_code
        return self

    def set_header(self, name: str, value: HeaderValue) -> ApiResponse:
        """Set a header, replacing any of that name; a list sends one line per item.

        Example:
            res.set_header("Allow", ["GET", "POST"])

        Raises:
            RuntimeError: the headers are already sent.
            ValueError: a name that is not an HTTP token, or a value with a line break or a
                character outside Latin-1 (`Location` is percent-encoded instead, as a
                browser serialises a URL).
        """
        if self._state != "open":
            raise RuntimeError(_HEADERS_SENT)
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"invalid header name {name!r}")
        items = value if isinstance(value, list | tuple) else (value,)
        key = name.lower()
        for item in items:
            header_value(key, item)  # NOTE: refused here, in the handler, not at send time
        self._headers[name.lower()] = (name, value)
        return self

    def set_draft_mode(self, *, enable: bool) -> ApiResponse:
        """Turn draft mode on or off for this client (Next's `res.setDraftMode({enable})`).

        Adds the `__prerender_bypass` cookie (or its removal) to the response's Set-Cookie
        lines; while it is on, cached App Router routes render for each of its requests.

        Raises:
            RuntimeError: the headers are already sent.
        """
        value, attributes = draft_mode_cookie(enable=enable)
        line = serialize_cookie(DRAFT_MODE_COOKIE, value, **attributes)
        current = self.get_header("set-cookie")
        lines = (
            []
            if current is None
            else list(current)
            if isinstance(current, list | tuple)
            else [current]
        )
        return self.set_header("Set-Cookie", [*map(str, lines), line])

    def get_header(self, name: str) -> HeaderValue | None:
        """The value set for `name` (case-insensitive) as it was given, or None."""
        entry = self._headers.get(name.lower())
        return None if entry is None else entry[1]

    def has_header(self, name: str) -> bool:
        """Whether a header `name` is set."""
        return name.lower() in self._headers

    def remove_header(self, name: str) -> None:
        """Remove the header `name`.

        Raises:
            RuntimeError: the headers are already sent.
        """
        if self._state != "open":
            raise RuntimeError(_HEADERS_SENT)
        self._headers.pop(name.lower(), None)

    def json(self, body: Any) -> None:
        """Send `body` as JSON, `Content-Type: application/json; charset=utf-8`.

        Raises:
            RuntimeError: the response was already sent.
            TypeError: `body` cannot be serialised.
        """
        self.set_header("Content-Type", _JSON_TYPE)
        payload = dumps(body)
        if self.status_code in (204, 304):
            self._end_without_body()
            return
        self._send_payload(payload, None)

    def send(self, body: Any = None) -> None:
        """Send `body` and end the response.

        A `str` is sent as it is, with no Content-Type unless set; `bytes` as
        `application/octet-stream`; None as an empty body; an (async) iterator is streamed;
        anything else (dict, list, number, bool, dataclass, ...) as JSON. `send` adds an
        ETag, and answers 304 when the request's `If-None-Match` matches it. With status 204
        or 304 the body and its Content-Type are dropped.

        Raises:
            RuntimeError: the response was already sent.
        """
        if body is None:
            self.end()
            return
        if self.status_code in (204, 304):
            self._end_without_body()
            return
        if isinstance(body, str):
            self._send_payload(body.encode(), None)
        elif isinstance(body, bytes | bytearray | memoryview):
            self._send_payload(bytes(body), _BYTES_TYPE)
        elif isinstance(body, AsyncIterable | Iterator):
            self._send_stream(body)
        else:
            self._send_payload(dumps(body), _JSON_TYPE)

    def redirect(self, status_or_url: int | str, url: str | None = None) -> ApiResponse:
        """Redirect to `url` (sent as given, and as the body), with status 307 by default.

        Example:
            res.redirect("/login")          # 307
            res.redirect(308, "/new-home")

        Raises:
            TypeError: the arguments are neither `(url)` nor `(status, url)`.
        """
        status: object = 307
        if isinstance(status_or_url, str) and url is None:
            url = status_or_url
        else:
            status = status_or_url
        if isinstance(status, bool) or not isinstance(status, int) or not isinstance(url, str):
            raise TypeError(_BAD_REDIRECT)
        self.set_header("Location", url)
        self.status_code = status
        return self.end(url)

    def write(self, chunk: str | bytes) -> bool:
        """Send `chunk` now, streaming the body (chunked).

        The first call sends the status and headers; the body streams until `end()`, or
        until the handler returns.

        Returns:
            False once the client has gone away (stop writing), else True.

        Raises:
            RuntimeError: the response has ended.
            TypeError: `chunk` is not str or bytes.
        """
        if self._state == "ended":
            raise RuntimeError("write after end: the response has ended")
        data = _chunk(chunk)
        if self._channel.client_gone:
            return False  # NOTE: nobody reads the stream any more: keep nothing
        if self.status_code in _NO_BODY_STATUSES:
            return True  # NOTE: as Node, no body with this status; end() sends the head.
        if self._state == "open":
            head = Response(self._channel.stream(), status=self.status_code, headers=self._lines())
            self._state = "streaming"
            self._channel.respond(head)
        if data:
            self._sent += len(data)
            self._channel.push(data)
        return not self._channel.client_gone

    def end(self, data: str | bytes | None = None) -> ApiResponse:
        """End the response, with `data` as its last (or only) piece of body.

        A second `end()` does nothing, as in Node.

        Raises:
            TypeError: `data` is not str, bytes or None.
        """
        if self._state == "ended":
            return self
        chunk = _chunk(data) if data is not None else b""
        if self._state == "streaming":
            self._state = "ended"
            if chunk:
                self._sent += len(chunk)
                self._channel.push(chunk)
            self._channel.close()
        else:
            body = chunk if chunk and self.status_code not in _NO_BODY_STATUSES else None
            response = Response(body, status=self.status_code, headers=self._lines())
            self._state = "ended"
            self._sent += len(body or b"")
            self._channel.respond(response)
        self._warn_if_over_limit()
        return self

    def revalidate(self, url_path: str) -> Awaitable[None]:
        """Drop the cached response of `url_path`; the next request renders it afresh.

        `await res.revalidate("/api/posts")` in an async handler; in a sync handler (a worker
        thread) the call itself does the work and the result need not be awaited.

        Raises:
            ValueError: `url_path` does not start with "/".

        Next.js: `res.revalidate` regenerates the page at once; here the cached response is
        dropped (`approutes.cache.revalidate_path`) and rendered on its next request.
        """
        if not str(url_path).startswith("/"):
            raise ValueError(
                "Invalid url_path provided to revalidate(), must be a path e.g. /blog/post-1, "
                f"received {url_path!r}"
            )
        work = revalidate_path(url_path)
        if self._channel.on_loop():
            return work
        asyncio.run_coroutine_threadsafe(work, self._channel.loop).result()
        return _Done()

    def _send_payload(self, payload: bytes, content_type: str | None) -> None:
        """Next's `sendData`: an ETag, 304 when fresh, else the payload with its type."""
        if self._state != "open":
            raise RuntimeError(_HEADERS_SENT)
        etag = generate_etag(payload)
        self._headers["etag"] = ("ETag", etag)
        validators = {"etag": etag}
        last_modified = self.get_header("last-modified")
        if last_modified is not None:
            validators["last-modified"] = str(last_modified)
        if is_fresh(self._request_headers, validators):
            self.status_code = 304
            self.end()
            return
        if content_type is not None and (
            content_type == _JSON_TYPE or "content-type" not in self._headers
        ):
            self._headers["content-type"] = ("Content-Type", content_type)
        self.end(payload)

    def _end_without_body(self) -> None:
        """Status 204 or 304: no body, and none of the headers that describe one."""
        if self._state != "open":
            raise RuntimeError(_HEADERS_SENT)
        for name in ("content-type", "content-length", "transfer-encoding"):
            self._headers.pop(name, None)
        self.end()

    def _send_stream(self, body: AsyncIterable[Any] | Iterator[Any]) -> None:
        if self._state != "open":
            raise RuntimeError(_HEADERS_SENT)
        if "content-type" not in self._headers:
            self._headers["content-type"] = ("Content-Type", _BYTES_TYPE)
        response = Response(body, status=self.status_code, headers=self._lines())
        self._state = "ended"
        self._channel.respond(response)

    def _lines(self) -> list[tuple[str, str]]:
        lines: list[tuple[str, str]] = []
        for name, value in self._headers.values():
            if isinstance(value, list | tuple):
                lines.extend((name, str(item)) for item in value)
            else:
                lines.append((name, str(value)))
        return lines

    def _warn_if_over_limit(self) -> None:
        limit = self._config.response_limit
        if limit is not None and self._sent >= limit:
            error_log.warning(
                "API response for %s exceeds %s (%s). API Routes are meant to respond "
                'quickly; set config = {"api": {"response_limit": ...}} to change the limit',
                self._url,
                self._config.response_limit_text,
                self._file,
            )

    def __repr__(self) -> str:
        return f"ApiResponse(status={self.status_code}, {self._state})"


class _Done:
    """An awaitable that is already done (what `revalidate` gives a sync handler)."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield


def _chunk(data: object) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode()
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise TypeError(f"a body chunk must be str or bytes, not {type(data).__name__}")
