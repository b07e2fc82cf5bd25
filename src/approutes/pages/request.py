"""ApiRequest: the `req` of a pages/api handler (Next's `NextApiRequest`), snake_case."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from approutes.pages.cookies import parse_cookies
from approutes.pages.querystring import QueryValue, parse_querystring
from approutes.request_context import draft_mode_enabled

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator, Mapping

    from approutes.web.request import NextRequest

__all__ = ["ApiRequest", "node_headers"]

# Node keeps the first of these when a request repeats them (IncomingMessage).
_FIRST_ONLY = frozenset(
    {
        "age",
        "authorization",
        "content-length",
        "content-type",
        "etag",
        "expires",
        "from",
        "host",
        "if-modified-since",
        "if-unmodified-since",
        "last-modified",
        "location",
        "max-forwards",
        "proxy-authorization",
        "referer",
        "retry-after",
        "server",
        "user-agent",
    }
)


class ApiRequest:
    """The request, as a pages/api handler's `req`.

    Attributes:
        method: Upper-case method (every method reaches the handler).
        url: The path and query string, e.g. `/api/items/5?q=x` (Node's `req.url`).
        headers: Lower-case names; repeated headers joined by `", "` (`cookie` by `"; "`,
            `set-cookie` a list; of `content-type`, `host`, `user-agent` and the other
            single-valued headers Node keeps only the first).
        query: The query string (repeated keys as lists, a bare key as `""`) merged with the
            route's params, which win; a catch-all param is a list; an empty optional
            catch-all has no key.
        body: Parsed by Content-Type (see `approutes.pages.body_parser`); `""` without a
            body; None when the module sets `config = {"api": {"body_parser": False}}`.

    With the body parser off, read the raw body with `async for chunk in req` (or
    `req.stream()`); a sync handler can use `for chunk in req`.

    Example:
        def handler(req, res):
            res.status(200).json({"id": req.query["id"], "method": req.method})

    Next.js: `req.cookies` is a dict here too; `req` is not a Node stream, so `req.on(...)`
    and `req.pipe(...)` have no equivalent (iterate `req` instead).
    """

    __slots__ = ("_cookies", "_loop", "_request", "body", "headers", "method", "query", "url")

    def __init__(
        self,
        request: NextRequest,
        params: Mapping[str, QueryValue],
        body: Any,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        """Describe `request`, routed with `params`, its body already parsed as `body`."""
        query_string: bytes = request._scope.get("query_string", b"")
        search = query_string.decode("latin-1")
        self.method = request.method
        self.url = request.base_path + request.path + (f"?{search}" if search else "")
        self.headers = node_headers(request.headers.raw())
        query = parse_querystring(query_string.decode("utf-8", "replace"))
        query.update(params)
        self.query = query
        self.body = body
        self._request = request
        self._loop = loop
        self._cookies: dict[str, str] | None = None

    @property
    def cookies(self) -> dict[str, str]:
        """The request's cookies by name (the first of a repeated name, quotes removed)."""
        if self._cookies is None:
            header = self.headers.get("cookie")
            self._cookies = parse_cookies(header if isinstance(header, str) else "")
        return self._cookies

    @property
    def draft_mode(self) -> bool:
        """Whether the client is in draft mode (Next's `req.draftMode`)."""
        return draft_mode_enabled(self._request)

    def stream(self) -> AsyncIterator[bytes]:
        """Yield the raw body in chunks as they arrive (up to `upload_size_limit`).

        Raises:
            BadRequest: the body parser already read it.
            PayloadTooLarge: the body passes `upload_size_limit`.
        """
        return self._request.stream()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.stream()

    def __iter__(self) -> Iterator[bytes]:
        """Yield the raw body in chunks, in a sync handler (which runs in a worker thread).

        Raises:
            RuntimeError: called on the event loop (in an async handler, use `async for`).
        """
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            raise RuntimeError("in an async handler, read the body with `async for chunk in req`")
        return self._pull(self.stream())

    def _pull(self, chunks: AsyncIterator[bytes]) -> Iterator[bytes]:
        while True:
            chunk = asyncio.run_coroutine_threadsafe(_next_chunk(chunks), self._loop).result()
            if chunk is None:
                return
            yield chunk

    def __repr__(self) -> str:
        return f"ApiRequest({self.method} {self.url})"


def node_headers(raw: Iterable[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Join request header lines into one value per name, as Node's `req.headers`.

    >>> node_headers([("accept", "a"), ("accept", "b"), ("cookie", "x=1"), ("cookie", "y=2"),
    ...               ("user-agent", "first"), ("user-agent", "second")])
    {'accept': 'a, b', 'cookie': 'x=1; y=2', 'user-agent': 'first'}
    """
    out: dict[str, str | list[str]] = {}
    for name, value in raw:
        seen = out.get(name)
        if seen is None:
            out[name] = [value] if name == "set-cookie" else value
        elif isinstance(seen, list):
            seen.append(value)
        elif name not in _FIRST_ONLY:
            out[name] = f"{seen}{'; ' if name == 'cookie' else ', '}{value}"
    return out


async def _next_chunk(chunks: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await anext(chunks)
    except StopAsyncIteration:
        return None
