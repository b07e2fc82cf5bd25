"""Internal: the attributes of the session cookie, and when it may go without Secure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.request_context import CURRENT_STATE

if TYPE_CHECKING:
    from approutes.web.request import NextRequest

__all__ = ["LOOPBACK_HOSTS", "MAX_COOKIE_BYTES", "host_name", "needs_secure"]

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
# Browsers drop a cookie whose name and value pass 4096 bytes (RFC 6265 §6.1 minimums).
MAX_COOKIE_BYTES = 4096


def needs_secure(cookie_name: str) -> bool:
    """Return True unless the current request is plain HTTP addressed to this machine.

    The scheme is the connection's, or `X-Forwarded-Proto` when a proxy sets it; the host is
    the `Host` header (and `X-Forwarded-Host`, when present, must be local too). So behind a
    TLS-terminating proxy that forwards either the original `Host` or `X-Forwarded-Proto:
    https`, the cookie is Secure. With no request being handled, it is Secure. A
    `__Host-` or `__Secure-` cookie name is always Secure (browsers insist).
    """
    if cookie_name.startswith(("__Host-", "__Secure-")):
        return True
    state = CURRENT_STATE.get()
    return state is None or not _is_local_plain_http(state.request)


def host_name(host: str) -> str:
    """Return the host of a `Host` value, without its port, lower-case.

    >>> host_name("LocalHost:3000"), host_name("[::1]:3000"), host_name("127.0.0.1")
    ('localhost', '[::1]', '127.0.0.1')
    """
    host = host.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]


def _is_local_plain_http(request: NextRequest) -> bool:
    if request.next_url.protocol != "http:":
        return False
    host = request.headers.get("host")
    if host is None or host_name(host) not in LOOPBACK_HOSTS:
        return False
    forwarded = request.headers.get("x-forwarded-host")
    return forwarded is None or host_name(forwarded.split(",")[0]) in LOOPBACK_HOSTS
