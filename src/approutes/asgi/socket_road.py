"""The road of a WebSocket upgrade: the same front half and pipeline as HTTP, then the socket.

An ASGI "websocket" scope becomes a GET `NextRequest` with a `WebSocket` in its request
state, and is answered by the project's `Handle` like any request: rules, `proxy.py`, the
route's GET (which takes the socket). What the handler does decides the connection:

- it accepts: the handshake (101) carries its `cookies().set()` lines, middleware's headers
  and `[[headers]]`; once the handler returns the socket is closed (1000) if still open;
- it answers (or raises) before accepting: that response is the refusal, sent as HTTP with
  the ASGI denial extension, else (no extension) as a close with code 4000 + status;
- it raises after accepting: the socket is closed with 1011 and the error logged once;
  an `HTTPError` closes it with 4000 + its status and its message as the reason.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

from approutes.error_responses import error_response, is_uncaught, json_error
from approutes.errors import HTTPError, WebSocketDisconnect
from approutes.handlers.respond import finish_response
from approutes.handlers.socket_runner import not_accepted
from approutes.log import log_access
from approutes.request_context import CURRENT_STATE, RequestState, run_after
from approutes.web.bytes_body import BytesBody
from approutes.web.origin import is_cross_origin, origin_authority
from approutes.web.request import NextRequest
from approutes.web.response import Response
from approutes.web.websocket import WebSocket

if TYPE_CHECKING:
    from collections.abc import Iterable

    from approutes.asgi.handle import Handle
    from approutes.asgi.interface import Receive, Scope, Send
    from approutes.request_context import ErrorSink
    from approutes.web.headers import Headers
    from approutes.web.request import RequestLimits

__all__ = ["SocketHost", "SocketPolicy", "deny", "serve_socket"]

DENIAL_EXTENSION = "websocket.http.response"
REFUSED_CLOSE_BASE = 4000
"""A refusal without the denial extension closes with 4000 + its status (4401, 4403, ...)."""


class SocketHost(Protocol):
    """What the road reads of the ASGI entrypoint serving the upgrade."""

    pipeline: Handle
    sockets: SocketPolicy
    limits: RequestLimits
    trust_proxy: bool
    error_sink: ErrorSink | None
    dev: bool
    access_log: bool


class SocketPolicy:
    """The project's WebSocket settings, as the road reads them on every upgrade."""

    __slots__ = ("idle_timeout", "live", "max_sockets", "message_size_limit", "origins")

    def __init__(
        self,
        *,
        message_size_limit: int,
        idle_timeout: float | None,
        max_sockets: int,
        origins: Iterable[str],
    ) -> None:
        """Keep the limits; `origins` are the other origins a browser's socket may come from."""
        self.message_size_limit = message_size_limit
        self.idle_timeout = idle_timeout
        self.max_sockets = max_sockets
        self.origins = frozenset(_origin_key(o) for o in origins)
        self.live: set[WebSocket] = set()
        """Upgrades being served in this process (from the handshake until the socket ends)."""

    async def close_all(self, code: int, reason: str) -> None:
        """Close every open socket with `code` (the server is stopping: 1001)."""
        for socket in list(self.live):
            if socket.state == "open":
                await socket.close(code, reason)

    def refuses_origin(self, request: NextRequest) -> bool:
        """Whether a browser on another origin, not allowed here, opens this socket.

        SECURITY: cross-site WebSocket hijacking: a browser sends the site's cookies with a
        socket any page opens, and no CORS preflight guards it. A request without `Origin`
        (not a browser) passes, as with `is_cross_origin`.
        """
        if "*" in self.origins or not is_cross_origin(request):
            return False
        origin = request.headers.get("origin")
        return origin is None or _origin_key(origin) not in self.origins


async def serve_socket(
    entry: SocketHost,
    scope: Scope,
    receive: Receive,
    send: Send,
    path: str,
    redirect_to: Response | None,
    started: float,
) -> None:
    """Answer the upgrade of `scope` (whose websocket.connect was received) at `path`."""
    policy = entry.sockets
    http_scope = dict(scope)
    http_scope["method"] = "GET"
    http_scope["scheme"] = "https" if scope.get("scheme") == "wss" else "http"
    request = NextRequest(http_scope, BytesBody(), path, entry.limits, entry.trust_proxy)
    state = RequestState(request, entry.error_sink)
    pipeline = entry.pipeline
    socket = WebSocket(
        request,
        receive,
        send,
        subprotocols=tuple(scope.get("subprotocols") or ()),
        message_size_limit=policy.message_size_limit,
        idle_timeout=policy.idle_timeout,
        handshake=lambda headers: _handshake_lines(entry, state, headers),
    )
    state.socket = socket
    token = CURRENT_STATE.set(state)
    policy.live.add(socket)
    failure: Exception | None = None
    try:
        try:
            response = await _answer(entry, state, redirect_to)
        except WebSocketDisconnect:
            response = None  # NOTE: the client left (or a limit closed it): a normal end
        except Exception as exc:  # noqa: BLE001 - mapped in the one place, as for HTTP
            failure = exc
            response = error_response(exc, dev=entry.dev, route_file=state.route_file)
            if socket.state != "connecting":
                await socket.close(*_close_for(exc, response))
        if socket.state == "connecting":
            if response is None:
                response = not_accepted()
            finish = pipeline.finish
            if finish is not None:
                finish(state, response)
            request_id = state.request_id if entry.access_log else state.made_request_id
            await deny(response, scope, send, request_id)
            status = response.status
        else:
            await socket.end()
            status = 101
        if entry.access_log:
            millis = (time.perf_counter() - started) * 1e3
            log_access("GET", path, status, millis, 0)
        if state.after:
            await run_after(state)
        if failure is not None and state.error_sink is not None and is_uncaught(failure):
            await state.error_sink.report(failure, state)
    finally:
        policy.live.discard(socket)
        # PERF: the socket's handshake closure refers back to the state: a cycle that only
        # a full collection frees, rare in a tuned server (1,000 sockets kept ~12 MiB each
        # round). Cut it here.
        state.socket = None
        CURRENT_STATE.reset(token)
        request.close()


async def _answer(entry: SocketHost, state: RequestState, redirect_to: Response | None) -> Response:
    """What answers the upgrade: a limit or the origin check, the 308, or the project."""
    policy = entry.sockets
    if len(policy.live) > policy.max_sockets:
        return json_error(503, {"error": "Too many open WebSockets"}, {"retry-after": "5"})
    if policy.refuses_origin(state.request):
        return json_error(403, {"error": "Cross-origin WebSocket refused"})
    if redirect_to is not None:
        return entry.pipeline.redirect(state, redirect_to)
    return await entry.pipeline.handle(state)


async def deny(response: Response, scope: Scope, send: Send, request_id: str | None) -> None:
    """Refuse the upgrade of `scope` with `response`.

    With the ASGI denial extension the client gets the response as HTTP; without it the
    socket is accepted and closed at once with 4000 + the status, the error as the reason.
    """
    if request_id is not None:
        response.headers.set("x-request-id", request_id)
    body = response.body or b""
    try:
        if DENIAL_EXTENSION in (scope.get("extensions") or {}):
            lines, has_length = response.encoded_headers()
            if not has_length:
                lines.append((b"content-length", str(len(body)).encode()))
            start = {"status": response.status, "headers": lines}
            await send({"type": "websocket.http.response.start", **start})
            await send({"type": "websocket.http.response.body", "body": body})
            return
        code = REFUSED_CLOSE_BASE + response.status
        # NOTE: a close reason fits 123 bytes.
        reason = body.decode(errors="replace")[:120]
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": code, "reason": reason})
    except Exception:  # noqa: BLE001, S110 - the client left during the handshake
        pass


def _handshake_lines(
    entry: SocketHost, state: RequestState, headers: Headers
) -> list[tuple[bytes, bytes]]:
    """The handshake's header lines: `headers`, cookies set, and what the front half adds."""
    response = Response(headers=headers)
    finish_response(state, response)
    finish = entry.pipeline.finish
    if finish is not None:
        finish(state, response)
    if entry.access_log:
        response.headers.set("x-request-id", state.request_id)
    lines, _ = response.encoded_headers()
    return lines


def _close_for(exc: Exception, response: Response) -> tuple[int, str]:
    """The close code and reason for `exc`, raised after the socket was accepted."""
    if isinstance(exc, HTTPError):
        return REFUSED_CLOSE_BASE + response.status, exc.message[:120]
    return 1011, "Internal Server Error"


def _origin_key(origin: str) -> str:
    """An origin as compared: scheme and host[:port], lower-case, without a default port."""
    if origin == "*":
        return origin
    scheme = origin.partition("://")[0].lower()
    return f"{scheme}://{origin_authority(origin) or ''}"
