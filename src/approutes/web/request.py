"""NextRequest: the request a handler receives, parsed lazily on first access."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from approutes.errors import BadRequest
from approutes.web.cookies import RequestCookies
from approutes.web.form_data import FormData, parse_multipart, parse_urlencoded
from approutes.web.headers import Headers
from approutes.web.json_codec import loads_body
from approutes.web.url import NextURL, URLSearchParams
from approutes.web.url_path import normalize_rewrite_path

if TYPE_CHECKING:
    import builtins
    from collections.abc import AsyncIterator, Iterable, Mapping

__all__ = ["BodySource", "NextRequest", "RequestLimits", "scope_header"]

_BODYLESS_METHODS = frozenset({"GET", "HEAD"})


class BodySource(Protocol):
    """Where a request body comes from (the ASGI receive channel, or bytes in tests)."""

    async def read_all(self, limit: int) -> bytes:
        """Return the whole body; raise PayloadTooLarge past `limit` bytes."""
        ...

    def chunks(self, limit: int) -> AsyncIterator[bytes]:
        """Yield the body as it arrives; raise PayloadTooLarge past `limit` bytes."""
        ...


class RequestLimits:
    """Byte limits for reading bodies.

    `body` applies to json/text/bytes/urlencoded, `upload` to multipart and `stream()`.
    """

    __slots__ = ("body", "upload")

    def __init__(self, body: int, upload: int) -> None:
        """Keep both limits, in bytes."""
        self.body = body
        self.upload = upload


class NextRequest:
    """The incoming request, as Next's `NextRequest`, snake_case.

    Attributes:
        method: Upper-case method.

    Everything else (`url`, `next_url`, `headers`, `cookies`, `ip`) is parsed on first
    access. Bodies are read once, under the body size limit (413 above it).

    Next.js: `nextUrl` is `next_url`, `arrayBuffer()` is `array_buffer()`, `formData()` is
    `form_data()`; `url`'s origin is `http://localhost:<port>` whatever the Host header says
    (X-Forwarded-Proto sets the scheme), as `next start` does.
    """

    __slots__ = (
        "_body",
        "_body_source",
        "_cookies",
        "_form",
        "_headers",
        "_next_url",
        "_scope",
        "base_path",
        "limits",
        "method",
        "path",
        "trust_proxy",
    )

    def __init__(
        self,
        scope: Mapping[str, Any],
        body: BodySource,
        path: str,
        limits: RequestLimits,
        trust_proxy: bool = False,
    ) -> None:
        """Wrap an ASGI HTTP scope; `path` is the canonical raw path that was routed."""
        self._scope = scope
        self._body_source = body
        self.method: str = scope["method"]
        self.path = path
        self.limits = limits
        self.trust_proxy = trust_proxy
        self.base_path = ""
        self._headers: Headers | None = None
        self._cookies: RequestCookies | None = None
        self._next_url: NextURL | None = None
        self._body: builtins.bytes | None = None
        self._form: FormData | None = None

    @property
    def headers(self) -> Headers:
        """The request headers, read-only and case-insensitive."""
        if self._headers is None:
            self._headers = Headers.from_asgi(self._scope["headers"])
        return self._headers

    @property
    def cookies(self) -> RequestCookies:
        """The cookies the request carries."""
        if self._cookies is None:
            headers = self.headers
            self._cookies = RequestCookies("; ".join(headers.get_all("cookie")) or None, headers)
        return self._cookies

    def cookie(self, name: str) -> str | None:
        """The value of the cookie `name`, or None.

        PERF: the Cookie header is parsed only when it mentions `name` (the cache asks this
        of every request it answers, for draft mode).
        """
        needle = name.encode("latin-1")
        for key, value in self._scope["headers"]:
            if key == b"cookie" and needle in value:
                found = self.cookies.get(name)
                return None if found is None else found.value
        return None

    @property
    def next_url(self) -> NextURL:
        """The URL as a NextURL (`pathname`, `search_params`, ...)."""
        if self._next_url is None:
            self._next_url = self._build_url()
        return self._next_url

    @property
    def search_params(self) -> URLSearchParams:
        """Shortcut for `next_url.search_params`."""
        return self.next_url.search_params

    @property
    def url(self) -> str:
        """The full URL as a string."""
        return self.next_url.href

    @property
    def ip(self) -> str | None:
        """The client's address.

        From the connection, or from the first X-Forwarded-For entry when `trust_proxy` is set.
        """
        if self.trust_proxy:
            forwarded = self.headers.get("x-forwarded-for")
            if forwarded:
                return forwarded.split(",")[0].strip()
        client = self._scope.get("client")
        return client[0] if client else None

    async def bytes(self) -> builtins.bytes:
        """Return the whole body.

        Raises:
            PayloadTooLarge: the body is over the limit; reading stopped there.
        """
        if self._body is None:
            if self.method in _BODYLESS_METHODS:
                # COMPAT(next): a GET or HEAD body is dropped (conformance: get-body-dropped).
                self._body = b""
            else:
                self._body = await self._body_source.read_all(self.limits.body)
        return self._body

    async def array_buffer(self) -> builtins.bytes:
        """Return the whole body (the Web name for `bytes()`)."""
        return await self.bytes()

    async def text(self) -> str:
        """Return the body decoded as UTF-8 (invalid bytes become U+FFFD, as in Next)."""
        return (await self.bytes()).decode("utf-8", "replace")

    async def json(self) -> Any:
        """Return the body parsed as JSON, whatever the Content-Type.

        Raises:
            BadRequest: malformed or empty JSON (answered 400 "Invalid JSON body").
        """
        return loads_body(await self.bytes())

    async def form_data(self) -> FormData:
        """Return the fields of a multipart or urlencoded body.

        Raises:
            BadRequest: another content type, or a malformed body.
            PayloadTooLarge: over `upload_size_limit` (multipart) or `body_size_limit`.
        """
        if self._form is not None:
            return self._form
        content_type = self.headers.get("content-type") or ""
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "multipart/form-data":
            if self._body is not None:
                raise BadRequest("The body was already read")
            self._form = await parse_multipart(
                content_type, self._body_source.chunks(self.limits.upload), self.limits.body
            )
        elif kind == "application/x-www-form-urlencoded":
            self._form = parse_urlencoded(await self.bytes())
        else:
            raise BadRequest(
                "form_data() needs a multipart/form-data or application/x-www-form-urlencoded "
                f"body, got {kind or 'no Content-Type'!r}"
            )
        return self._form

    def stream(self) -> AsyncIterator[builtins.bytes]:
        """Yield the raw body in chunks as they arrive (up to `upload_size_limit`)."""
        return self._body_source.chunks(self.limits.upload)

    def portable_scope(self) -> dict[str, Any]:
        """The parts of the ASGI scope a copy of this request needs, picklable.

        For a request rebuilt in another process (`runtime = "process"`); `path` is the
        routed path.
        """
        scope = self._scope
        return {
            "type": "http",
            "method": self.method,
            "scheme": scope.get("scheme", "http"),
            "path": self.path,
            "raw_path": self.path.encode("latin-1"),
            "query_string": scope.get("query_string", b""),
            "headers": [(bytes(n), bytes(v)) for n, v in scope["headers"]],
            "server": tuple(scope["server"]) if scope.get("server") else None,
            "client": tuple(scope["client"]) if scope.get("client") else None,
        }

    def reroute(self, path: str, query: str) -> None:
        """Serve this request as `path` with `query` (a rewrite); the URL follows.

        `path` is a raw path, read as a URL parser reads it: dot segments (encoded ones too)
        are resolved, so a rewrite never hands a route a `..` param; `query` is without its
        `?`.
        """
        self.path = normalize_rewrite_path(path)
        self._scope = {**self._scope, "query_string": query.encode("latin-1")}
        self._next_url = None

    def override_headers(self, overrides: Iterable[tuple[str, str]]) -> None:
        """Replace the headers named in `overrides` (middleware's `request_headers`)."""
        replaced = {name.lower(): value for name, value in overrides}
        kept = [(n, v) for n, v in self._scope["headers"] if n.decode("latin-1") not in replaced]
        added = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in replaced.items()]
        self._scope = {**self._scope, "headers": kept + added}
        self.forget_changes()

    def mark_dynamic(self, what: str) -> None:
        """Note that the handler needs a live request (`connection()`): nothing to do here.

        A render without a request (a cached route's) refuses it instead.
        """

    def forget_changes(self) -> None:
        """Read headers and cookies from the request again, dropping what was changed in them.

        After middleware: its `request.cookies.set()` reaches the route only when forwarded
        with `NextResponse.next(request_headers=...)`, as in Next.
        """
        self._headers = None
        self._cookies = None

    def close(self) -> None:
        """Release what reading the body held (temporary files of uploads)."""
        if self._form is not None:
            self._form.close()

    def _build_url(self) -> NextURL:
        scope = self._scope
        scheme = scope.get("scheme", "http")
        for name, value in scope["headers"]:
            if name == b"x-forwarded-proto":
                forwarded = value.decode("latin-1").split(",")[0].strip().lower()
                # SECURITY: only a scheme, never text that would move the URL's origin.
                if forwarded in ("http", "https"):
                    scheme = forwarded
                break
        server = scope.get("server")
        port = str(server[1]) if server and server[1] else ""
        query = scope.get("query_string", b"")
        url = NextURL.from_parts(
            f"{scheme}:", "localhost", port, self.path, query.decode("latin-1") if query else ""
        )
        url.base_path = self.base_path
        return url

    def __repr__(self) -> str:
        return f"NextRequest({self.method} {self.path})"


def scope_header(request: NextRequest, name: bytes) -> bytes | None:
    """The value of the header `name` (lower-case) as the server sent it; repeats joined by ", ".

    What `request.headers.get()` gives, as bytes, without building `request.headers`: ASGI
    servers send header names lower-case.

    PERF: the CORS check reads the `Origin` of every answer (bench S8, S9).
    """
    found = None
    for key, value in request._scope["headers"]:
        if key == name:
            found = value if found is None else found + b", " + value
    return found
