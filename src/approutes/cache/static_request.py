"""The empty request a cached route renders with (Next's build-time request)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from approutes.errors import DynamicBailout, DynamicUsageError
from approutes.web.bytes_body import BytesBody
from approutes.web.request import NextRequest, RequestLimits
from approutes.web.synthetic_request import synthetic_request, synthetic_scope
from approutes.web.url import NextURL

if TYPE_CHECKING:
    from approutes.route_modules.cache_policy import RequestReads

__all__ = ["static_request"]

_LIMITS = RequestLimits(0, 0)


def static_request(
    path: str, port: int, *, reads: RequestReads = "empty", route_file: str = ""
) -> NextRequest:
    """A GET of `path` with no query, headers, cookies or body.

    Reading the query, headers, cookies, client address or body gives empty values
    (`reads="empty"`, force-static), raises DynamicBailout (`"bail-out"`, a
    `dynamic = "auto"` route: it becomes dynamic) or DynamicUsageError (`"error"`,
    `dynamic = "error"`), naming `route_file`.
    """
    scope = synthetic_scope("GET", path, server=("localhost", port))
    if reads == "empty":
        return synthetic_request(scope)
    return _GuardedRequest(scope, BytesBody(), path, _LIMITS, route_file=route_file, reads=reads)


class _GuardedRequest(NextRequest):
    __slots__ = ("_reads", "_route_file")

    def __init__(self, *args: Any, route_file: str, reads: RequestReads) -> None:
        super().__init__(*args)
        self._route_file = route_file
        self._reads = reads

    def _refuse(self, what: str) -> NoReturn:
        if self._reads == "bail-out":
            raise DynamicBailout(what, self._route_file)
        raise DynamicUsageError(what, self._route_file)

    def mark_dynamic(self, what: str) -> None:
        """`connection()` and the like: refused as a read is."""
        self._refuse(what)

    @property
    def headers(self) -> Any:
        self._refuse("request.headers")

    @property
    def cookies(self) -> Any:
        self._refuse("request.cookies")

    @property
    def search_params(self) -> Any:
        self._refuse("request.search_params")

    @property
    def ip(self) -> Any:
        self._refuse("request.ip")

    @property
    def next_url(self) -> NextURL:
        url = super().next_url
        guarded = _GuardedURL.__new__(_GuardedURL)
        for name in ("base_path", "hash", "hostname", "pathname", "port", "protocol"):
            setattr(guarded, name, getattr(url, name))
        guarded.request = self
        return guarded

    async def bytes(self) -> Any:
        self._refuse("the request body")


class _GuardedURL(NextURL):
    """The URL of a guarded render: the path is there, reading the query is not."""

    __slots__ = ("request",)
    request: _GuardedRequest

    @property
    def search_params(self) -> Any:  # type: ignore[override]
        self.request.mark_dynamic("request.next_url.search_params")

    @property
    def search(self) -> str:
        self.request.mark_dynamic("request.next_url.search")
        return ""

    @search.setter
    def search(self, value: str) -> None:
        self.request.mark_dynamic("request.next_url.search")

    @property
    def href(self) -> str:
        return f"{self.origin}{self.base_path}{self.pathname}{self.hash}"
