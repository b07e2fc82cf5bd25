"""The empty request a cached route renders with (Next's build-time request)."""

from __future__ import annotations

from typing import Any, NoReturn

from approutes.errors import DynamicUsageError
from approutes.web.bytes_body import BytesBody
from approutes.web.request import NextRequest, RequestLimits
from approutes.web.synthetic_request import synthetic_request, synthetic_scope
from approutes.web.url import NextURL

__all__ = ["static_request"]

_LIMITS = RequestLimits(0, 0)


def static_request(path: str, port: int, *, forbid_reads_in: str | None = None) -> NextRequest:
    """A GET of `path` with no query, headers, cookies or body.

    With `forbid_reads_in` (the route file of a `dynamic = "error"` route), reading the
    query, headers, cookies, client address or body raises DynamicUsageError.
    """
    scope = synthetic_scope("GET", path, server=("localhost", port))
    if forbid_reads_in is None:
        return synthetic_request(scope)
    return _ForbiddingRequest(scope, BytesBody(), path, _LIMITS, route_file=forbid_reads_in)


class _ForbiddingRequest(NextRequest):
    __slots__ = ("_route_file",)

    def __init__(self, *args: Any, route_file: str) -> None:
        super().__init__(*args)
        self._route_file = route_file

    def _refuse(self, what: str) -> NoReturn:
        raise DynamicUsageError(what, self._route_file)

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
        forbidding = _ForbiddingURL.__new__(_ForbiddingURL)
        for name in ("base_path", "hash", "hostname", "pathname", "port", "protocol"):
            setattr(forbidding, name, getattr(url, name))
        forbidding.route_file = self._route_file
        return forbidding

    async def bytes(self) -> Any:
        self._refuse("the request body")


class _ForbiddingURL(NextURL):
    """The URL of a `dynamic = "error"` render: the path is there, reading the query is not."""

    __slots__ = ("route_file",)
    route_file: str

    @property
    def search_params(self) -> Any:  # type: ignore[override]
        raise DynamicUsageError("request.next_url.search_params", self.route_file)

    @property
    def search(self) -> str:
        raise DynamicUsageError("request.next_url.search", self.route_file)

    @search.setter
    def search(self, value: str) -> None:
        raise DynamicUsageError("request.next_url.search", self.route_file)

    @property
    def href(self) -> str:
        return f"{self.origin}{self.base_path}{self.pathname}{self.hash}"
