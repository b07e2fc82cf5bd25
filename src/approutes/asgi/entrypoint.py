"""The ASGI callable: "http" and "websocket" through the pipeline, "lifespan" to its hooks."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

from approutes.asgi.body import AsgiBody
from approutes.asgi.compression import Compression
from approutes.asgi.send import send_response
from approutes.asgi.socket_road import SocketPolicy, deny, serve_socket
from approutes.error_responses import error_response, json_error
from approutes.errors import ClientDisconnected
from approutes.log import error_log, log_access
from approutes.request_context import CURRENT_STATE, RequestState, run_after
from approutes.routing.request_path import redirect_target
from approutes.web.request import NextRequest, RequestLimits
from approutes.web.request_id import new_request_id
from approutes.web.response import Response
from approutes.web.url_path import remove_dot_segments

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from approutes.asgi.handle import Handle
    from approutes.asgi.interface import Message, Receive, Scope, Send
    from approutes.cache.route_cache import RouteCache
    from approutes.request_context import ErrorSink
    from approutes.settings.model import Settings

__all__ = ["AsgiEntrypoint", "Observation", "Observer"]

_PATH_SAFE = "/:@!$&'()*+,;=-._~"
# At most this many canonical raw paths are remembered (bytes each at most the second).
_REMEMBERED_PATHS = 1024
_REMEMBERED_PATH_LENGTH = 256


class Observation(Protocol):
    """One request being traced or counted (see `approutes.observability`)."""

    def send(self, message: Message) -> Awaitable[None]:
        """Send `message` on, noting the response's status."""
        ...

    def end(self, route_pattern: str, error: BaseException | None) -> None:
        """The response is sent, or never will be.

        `route_pattern` is the template of the route that answered ("" for none), `error`
        what the request raised before it became an error response.
        """
        ...


class Observer(Protocol):
    """Traces and counts requests; the entrypoint holds one only when tracing or metrics are on."""

    scrape_path: str
    """The path the metrics are answered at ("" for none)."""

    def begin(self, scope: Scope, send: Send) -> Observation:
        """Start observing the request of `scope`, whose response goes to `send`."""
        ...

    def scrape(self, method: str) -> Response:
        """The answer to a request of `method` for `scrape_path`."""
        ...


class AsgiEntrypoint:
    """An ASGI 3 application serving one project.

    `pipeline` may be replaced while serving (dev reload); `on_startup` / `on_shutdown`
    run in the lifespan. With `access_log` on (`approutes start` by default, and dev) every
    response carries its request id and each request is logged once, as it is sent.
    """

    def __init__(self, pipeline: Handle, settings: Settings, *, dev: bool = False) -> None:
        """Serve through `pipeline` with `settings`."""
        self.pipeline = pipeline
        self.dev = dev
        self.compression: Compression | None = None
        self.apply_settings(settings)
        self.on_startup: list[Callable[[], Awaitable[None]]] = []
        self.on_shutdown: list[Callable[[], Awaitable[None]]] = []
        self.route_cache: RouteCache | None = None
        # instrumentation.py's on_request_error, when the project has one.
        self.error_sink: ErrorSink | None = None
        self.access_log = dev
        self.route_count = 0
        # Routes that take WebSocket upgrades, and the largest message any of them takes
        # (what the server is told to refuse above).
        self.socket_route_count = 0
        self.largest_message = settings.websocket_message_size_limit
        self.observer: Observer | None = None

    def apply_settings(self, settings: Settings) -> None:
        """Use `settings` from the next request on (dev reload)."""
        self.limits = RequestLimits(settings.body_size_limit, settings.upload_size_limit)
        # PERF: plain attributes, read on every request.
        self.trust_proxy = settings.trust_proxy
        self.trailing_slash = settings.trailing_slash
        # What the canonical redirect does with a trailing slash: add, drop, or None: keep.
        self.slash_policy = None if settings.skip_trailing_slash_redirect else self.trailing_slash
        self.body_timeout = settings.body_timeout
        # The raw paths served lately that need no redirect, each with its text (their checks
        # depend on `trailing_slash`: a reload starts afresh).
        self._canonical_paths: dict[bytes, str] = {}
        previous: SocketPolicy | None = getattr(self, "sockets", None)
        self.sockets = SocketPolicy(
            message_size_limit=settings.websocket_message_size_limit,
            idle_timeout=settings.websocket_idle_timeout,
            max_sockets=settings.websocket_max_sockets,
            origins=(*settings.websocket_origins, *_cors_origins(settings)),
        )
        if previous is not None:
            self.sockets.live = previous.live  # NOTE: a dev reload keeps the open sockets
        # NOTE: kept across a dev reload that leaves `compress` on (its caches stay).
        if not settings.compress:
            self.compression = None
        elif self.compression is None:
            self.compression = Compression.available()

    async def __call__(  # noqa: C901 - PERF: one inline path, see below
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Serve one ASGI connection scope: HTTP requests, WebSocket upgrades, the lifespan."""
        kind = scope["type"]
        if kind != "http":
            if kind != "websocket":
                return await self._lifespan(receive, send)
            if (await receive())["type"] != "websocket.connect":
                return None
        # PERF: the HTTP path is inline here, one frame fewer per request (callgrind, S1-S3).
        observed = self.access_log
        started = time.perf_counter() if observed else 0.0
        raw = scope.get("raw_path")
        # PERF: a raw path seen before is known canonical, decoded and checked already (~3k
        # instructions a request, callgrind, bench S1-S9).
        path = self._canonical_paths.get(raw) if raw else None
        redirect_to = None
        if path is None:
            path = raw.decode("latin-1") if raw else quote(scope["path"], safe=_PATH_SAFE)
            # SECURITY: browsers read "\\" as "/": "/\\evil.example" would redirect off-site.
            if not path.startswith("/") or not path.isascii() or "\\" in path:
                return await self._refuse(scope, path, send, started)
            # PERF: most paths are canonical; test for the rare shapes before calling anything.
            if "/." in path or "//" in path or path.endswith("/") != self.trailing_slash:
                path = remove_dot_segments(path)
                redirect_to = redirect_target(path, trailing_slash=self.slash_policy)
            elif raw:
                self._remember_canonical(raw, path)
        # SECURITY: RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host. granian fills in
        # an empty one when it is missing, so an empty Host counts as none.
        if scope.get("http_version") == "1.1":
            # PERF: a plain loop here, no call and no generator (callgrind, bench S1-S9).
            hosts = 0
            for name, value in scope["headers"]:
                if name == b"host":
                    hosts += 1 if value else 2
            if hosts != 1:
                return await self._refuse(scope, path, send, started)
        if kind != "http":
            redirect = None if redirect_to is None else _canonical_redirect(redirect_to, scope)
            return await serve_socket(self, scope, receive, send, path, redirect, started)
        head_only = scope["method"] == "HEAD"
        # PERF: off (the default), observing costs this one test and one in `finally`.
        observer = self.observer
        observation = None
        if observer is not None:
            if path == observer.scrape_path:
                await send_response(observer.scrape(scope["method"]), send, head_only=head_only)
                return None
            observation = observer.begin(scope, send)
            send = observation.send
        body = AsgiBody(scope, receive, self.body_timeout)
        request = NextRequest(scope, body, path, self.limits, self.trust_proxy)
        state = RequestState(request, self.error_sink)
        token = CURRENT_STATE.set(state)
        pipeline = self.pipeline
        failure = None
        try:
            try:
                if redirect_to is None:
                    response = await pipeline.handle(state)
                else:
                    response = pipeline.redirect(state, _canonical_redirect(redirect_to, scope))
            except ClientDisconnected:
                # NOTE: some servers report a malformed body (bad chunk framing) as a disconnect;
                # a 400 answers it, and a client that is really gone never sees it.
                return await self._answer_bad_body(state, path, send, started)
            except Exception as exc:  # noqa: BLE001 - the one place errors become responses
                response = error_response(exc, dev=self.dev, route_file=state.route_file)
                failure = exc
            finish = pipeline.finish
            if finish is not None:
                finish(state, response)
            # NOTE: the id goes out when logged, or when the handler (or a log line) made it.
            request_id = state.request_id if observed else state.made_request_id
            sent = await send_response(
                response,
                send,
                head_only=head_only,
                route_file=state.route_file,
                body=body,
                scope=scope,
                compression=self.compression,
                request_id=request_id,
            )
            if observed:
                # NOTE: while the request's state is current, so the line carries its id.
                millis = (time.perf_counter() - started) * 1e3
                log_access(request.method, path, response.status, millis, sent)
            if state.after:
                # NOTE: in the request's context, with its uploads still open, as in Next.
                await run_after(state)
            if failure is not None and state.error_sink is not None:
                await state.error_sink.report(failure, state)
        finally:
            CURRENT_STATE.reset(token)
            request.close()
            if observation is not None:
                observation.end(state.route_pattern, failure)
        return None

    def _remember_canonical(self, raw: bytes, path: str) -> None:
        """Remember that `raw`, as `path`, is canonical; a bounded few, short ones only."""
        paths = self._canonical_paths
        if len(raw) > _REMEMBERED_PATH_LENGTH:
            return
        if len(paths) >= _REMEMBERED_PATHS:
            paths.clear()
        paths[raw] = path

    async def _answer_bad_body(
        self, state: RequestState, path: str, send: Send, started: float
    ) -> None:
        """Answer 400 to a body the server reported as broken; logged as any other."""
        request_id = state.request_id if self.access_log else None
        try:
            sent = await send_response(
                json_error(400, {"error": "Bad Request"}), send, request_id=request_id
            )
        except Exception:  # noqa: BLE001 - the connection is gone: nothing to answer
            sent = 0
        if request_id is not None:
            millis = (time.perf_counter() - started) * 1e3
            log_access(state.request.method, path, 400, millis, sent)

    async def _refuse(self, scope: Scope, path: str, send: Send, started: float) -> None:
        """Answer 400 to a request refused before it is built; logged as any other."""
        request_id = new_request_id() if self.access_log else None
        refusal = json_error(400, {"error": "Bad Request"})
        if scope["type"] == "websocket":
            await deny(refusal, scope, send, request_id)
            sent = 0
        else:
            sent = await send_response(refusal, send, request_id=request_id)
        method = scope.get("method", "GET")
        if request_id is not None:
            millis = (time.perf_counter() - started) * 1e3
            log_access(method, path, 400, millis, sent, request_id=request_id)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for hook in self.on_startup:
                        await hook()
                except Exception as exc:  # noqa: BLE001 - reported to the server, which stops
                    error_log.error("start-up failed", exc_info=exc)
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for hook in self.on_shutdown:
                    await hook()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _cors_origins(settings: Settings) -> tuple[str, ...]:
    """The origins `[cors]` allows: a page they serve may open this project's sockets too."""
    return () if settings.cors is None else tuple(settings.cors.allow_origins)


def _canonical_redirect(target: str, scope: Scope) -> Response:
    query = scope.get("query_string", b"")
    location = f"{target}?{query.decode('latin-1')}" if query else target
    # COMPAT(next): 308, the target as a text body, and a Refresh header.
    return Response(
        location, status=308, headers={"location": location, "refresh": f"0;url={location}"}
    )
