"""FrontStages: settings rules, CORS and middleware around the route pipeline, in Next's order.

For each request: base path, CORS preflight, `[[redirects]]`, `middleware.py`,
`[[rewrites]]`, then the route. On the way out, whatever answered: the middleware's
`next()` headers, `[[headers]]` and CORS headers. Errors of any stage are answered here too,
so that error responses carry the same headers.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from approutes.error_responses import error_response
from approutes.errors import (
    ClientDisconnected,
    ControlFlowSignal,
    HandlerReturnError,
    HTTPError,
    RouteNotFound,
)
from approutes.handlers.invoke import signal_outcome, threads_past_deadline
from approutes.matching import any_match
from approutes.project.middleware_module import MIDDLEWARE_FILE
from approutes.stages.cors import CorsPolicy
from approutes.web.response import Response

if TYPE_CHECKING:
    from approutes.asgi.entrypoint import Handle
    from approutes.project.middleware_module import MiddlewareModule
    from approutes.request_context import RequestScope
    from approutes.routing.route_table import RouteTable
    from approutes.settings.model import Settings
    from approutes.web.headers import Headers
    from approutes.web.request import NextRequest

__all__ = ["HEALTH_PATH", "FrontStages"]

HEALTH_PATH = "/_approutes/health"


class FrontStages:
    """Answers a request through the project-wide stages and then `pipeline`."""

    __slots__ = ("_cors", "_dev", "_middleware", "_pipeline", "_routes", "_settings")

    def __init__(
        self,
        pipeline: Handle,
        routes: RouteTable,
        settings: Settings,
        middleware: MiddlewareModule | None,
        *,
        dev: bool,
    ) -> None:
        """Wrap `pipeline` (serving `routes`) in what `settings` and `middleware` ask for."""
        self._pipeline = pipeline
        self._routes = routes
        self._settings = settings
        self._middleware = middleware
        self._cors = CorsPolicy(settings.cors) if settings.cors is not None else None
        self._dev = dev

    async def handle(self, scope: RequestScope) -> Response:
        """Answer the request of `scope`; every response gets the outgoing headers."""
        request = scope.request
        if request.path == HEALTH_PATH and self._settings.health_check:
            return _health()
        path_seen = request.path
        added: Headers | None = None
        try:
            path_seen = self._strip_base_path(request)
            answer = self._before_middleware(request)
            if answer is None:
                answer, added = await self._middleware_stage(scope)
            if answer is None:
                self._rewrite(request)
                answer = await self._pipeline.handle(scope)
        except ClientDisconnected:
            raise
        except Exception as exc:  # noqa: BLE001 - answered here so it gets the same headers
            answer = error_response(exc, dev=self._dev, route_file=scope.route_file)
        self._outgoing_headers(request, path_seen, answer, added)
        return answer

    def _strip_base_path(self, request: NextRequest) -> str:
        base = self._settings.base_path
        if not base:
            return request.path
        path = request.path
        if path != base and not path.startswith(base + "/"):
            raise RouteNotFound
        request.path = path[len(base) :] or "/"
        request.base_path = base
        return request.path

    def _before_middleware(self, request: NextRequest) -> Response | None:
        if self._cors is not None:
            preflight = self._cors.preflight(request)
            if preflight is not None:
                return preflight
        for rule in self._settings.redirects:
            params = rule.matcher.match(request)
            if params is not None:
                target, _, query = rule.destination.fill(params).partition("?")
                if target.startswith("/"):
                    target = self._settings.base_path + target
                # COMPAT(next): the request's query goes along to the destination.
                query = _merge_query(query, request.next_url.search[1:])
                return Response.redirect(f"{target}?{query}" if query else target, rule.status)
        return None

    async def _middleware_stage(
        self, scope: RequestScope
    ) -> tuple[Response | None, Headers | None]:
        """Run middleware: (a response that ends the request, or headers for the one to come)."""
        middleware = self._middleware
        request = scope.request
        if middleware is None or (
            middleware.matchers and not any_match(middleware.matchers, request)
        ):
            return None, None
        scope.route_file = MIDDLEWARE_FILE
        outcome = await _run(middleware, request)
        if outcome is None:
            return None, None
        action = outcome.middleware_action
        if action is None:
            if outcome.resolve_location:
                outcome.resolve_location_against(request.url)
                if outcome.body is None and outcome.stream is None:
                    # COMPAT(next): a middleware redirect's body is its Location (rule 48).
                    outcome.body = (outcome.headers.get("location") or "").encode()
            return outcome, None
        if action.kind == "rewrite":
            path, query = self._same_origin_target(request, action.rewrite_url)
            # COMPAT(next): the target's query replaces the request's (rule 47).
            request.reroute(path, query)
        else:
            request.override_headers(action.request_headers)
        return None, outcome.headers

    def _same_origin_target(self, request: NextRequest, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        if parts.netloc and parts.netloc not in (
            request.next_url.host,
            request.headers.get("host"),
        ):
            raise HTTPError(
                500, f"middleware.py rewrote to {url}: rewrites to another origin are not supported"
            )
        path = parts.path or "/"
        base = self._settings.base_path
        if base and (path == base or path.startswith(base + "/")):
            path = path[len(base) :] or "/"
        return path, parts.query

    def _rewrite(self, request: NextRequest) -> None:
        """Apply `[[rewrites]]` in order, after static routes (Next's `afterFiles`)."""
        rules = self._settings.rewrites
        if not rules or self._routes.is_static(request.path):
            return
        visited = [request.path]
        for rule in rules:
            params = rule.matcher.match(request)
            if params is None:
                continue
            path, _, query = rule.destination.fill(params).partition("?")
            request.reroute(path, _merge_query(query, request.next_url.search[1:]))
            if path in visited[:-1]:
                trail = " -> ".join([*visited, path])
                raise HTTPError(500, f"Rewrite loop: {trail} (see [[rewrites]] in the settings)")
            visited.append(path)
            if self._routes.is_static(path):
                return

    def _outgoing_headers(
        self, request: NextRequest, path: str, response: Response, added: Headers | None
    ) -> None:
        headers = response.headers
        if added is not None:
            for name, value in added.raw():
                if name == "set-cookie":
                    headers.append(name, value)
                else:
                    headers.set(name, value)
        for rule in self._settings.headers:
            params = rule.matcher.match(request, path)
            if params is not None:
                for name, template in rule.headers:
                    if not headers.has(name):  # the route's own header wins
                        headers.set(name, template.fill(params))
        if self._cors is not None:
            self._cors.decorate(request, response)


async def _run(middleware: MiddlewareModule, request: NextRequest) -> Response | None:
    """Call the middleware; a sync one runs in a worker thread."""
    try:
        if middleware.is_async:
            result = await middleware.fn(request)
        else:
            result = await asyncio.to_thread(middleware.fn, request)
            if inspect.isawaitable(result):
                result = await result
    except ControlFlowSignal as signal:
        return signal_outcome(signal)
    if result is None or isinstance(result, Response):
        return result
    raise HandlerReturnError(
        MIDDLEWARE_FILE,
        f"middleware returned a {type(result).__name__}; return None or a Response",
    )


def _health() -> Response:
    """The health check's answer: this process serves (for load balancers)."""
    running = threads_past_deadline.running
    return Response.json(
        {"status": "ok", "threads_past_deadline": running},
        headers={"cache-control": "no-store"},
    )


def _merge_query(destination: str, original: str) -> str:
    """The destination's query, then the original's parameters it does not set."""
    if not original:
        return destination
    if not destination:
        return original
    taken = {pair.partition("=")[0] for pair in destination.split("&")}
    kept = [pair for pair in original.split("&") if pair.partition("=")[0] not in taken]
    return "&".join([destination, *kept])
