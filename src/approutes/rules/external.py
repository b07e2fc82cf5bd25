"""Rewrites to another origin: the request is proxied there and the answer streamed back.

As Next does for a `rewrites()` destination (or a middleware `rewrite()`) on another host:
the method, the headers less the hop-by-hop ones and the body go to the destination, with
`X-Forwarded-For`, `-Host` and `-Proto` set; its status, headers and body come back as they
are (still compressed, if they were). Both bodies stream: neither is read whole. Needs httpx
(the `external-rewrites` extra).
"""

from __future__ import annotations

import asyncio
import re
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from approutes.errors import HTTPError, MissingExtraError
from approutes.log import error_log
from approutes.web.response import Response

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from approutes.web.request import NextRequest

__all__ = ["EXTRA", "check_external_destination", "forward", "is_external"]

EXTRA = "external-rewrites"
# RFC 9110 §7.6.1, and the ones a proxy must not pass on; `host` is the destination's own.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        # NOTE: set anew below, from this request, never passed on as the client wrote them.
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-forwarded-for",
    }
)
_SLOT_IN_HOST = re.compile(r":[A-Za-z_]")
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
# One client per event loop (its connections belong to that loop), reused across requests.
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()


def is_external(destination: str) -> bool:
    """Whether a rewrite `destination` is on another origin (an absolute http(s) URL)."""
    return destination.startswith(("http://", "https://"))


def check_external_destination(destination: str) -> None:
    """Refuse what cannot be proxied safely or at all, when the settings load.

    Raises:
        ValueError: a parameter slot in the host (a request could pick the host: SSRF),
            or httpx is not installed.
    """
    if _SLOT_IN_HOST.search(urlsplit(destination).netloc.rpartition("@")[2]):
        raise ValueError(
            "an external destination's host must be written out: a :param there would let "
            "a request choose the host"
        )
    try:
        MissingExtraError.check("a rewrite to another origin", module="httpx", extra=EXTRA)
    except MissingExtraError as exc:
        raise ValueError(str(exc)) from None


async def forward(request: NextRequest, url: str) -> Response:
    """Proxy `request` to `url` and return the answer, its body streamed.

    Raises:
        HTTPError: 502 when the destination cannot be reached or answers garbage, 504 when
            it does not answer in time.
        MissingExtraError: httpx is not installed.
    """
    httpx = _httpx()
    client = _shared_client(httpx)
    headers = [(k, v) for k, v in request.headers.raw() if k not in _HOP_BY_HOP]
    headers.extend(_forwarded(request))
    content = None if request.method in _BODYLESS else request.stream()
    upstream_request = client.build_request(request.method, url, headers=headers, content=content)
    try:
        upstream = await client.send(upstream_request, stream=True)
    except httpx.TimeoutException:
        raise HTTPError(504, "Gateway Timeout") from None
    except httpx.HTTPError as exc:
        error_log.warning("rewrite to %s failed: %s", url, exc)
        raise HTTPError(502, "Bad Gateway") from None
    answer = [(k, v) for k, v in upstream.headers.multi_items() if k.lower() not in _HOP_BY_HOP]
    if upstream.status_code in (204, 304) or request.method == "HEAD":
        await upstream.aclose()
        return Response(None, status=upstream.status_code, headers=answer)
    return Response(_relay(upstream), status=upstream.status_code, headers=answer)


async def _relay(upstream: Any) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk
    finally:
        await upstream.aclose()


def _forwarded(request: NextRequest) -> list[tuple[str, str]]:
    url = request.next_url
    out = [
        ("x-forwarded-host", request.headers.get("host") or url.host),
        ("x-forwarded-proto", url.protocol.rstrip(":")),
    ]
    client = request.ip
    if client:
        previous = request.headers.get("x-forwarded-for")
        out.append(("x-forwarded-for", f"{previous}, {client}" if previous else client))
    return out


def _httpx() -> Any:
    try:
        import httpx  # noqa: PLC0415 - optional, the external-rewrites extra
    except ModuleNotFoundError as exc:
        raise MissingExtraError("a rewrite to another origin", module="httpx", extra=EXTRA) from exc
    return httpx


def _shared_client(httpx: Any) -> Any:
    """The client of the running event loop: its connections are kept across requests."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = httpx.AsyncClient(
            follow_redirects=False, timeout=httpx.Timeout(30.0, connect=5.0), trust_env=False
        )
        _clients[loop] = client
    return client
