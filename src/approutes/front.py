"""FrontHalf: the project-wide stages before the route pipeline, and the finish of every answer.

For each request, in Next's order: the health check, the docs pages (dev, or the
`openapi_path` / `docs_path` settings), the base path, a CORS preflight and `[[redirects]]`,
`middleware.py`, the files of `public/`, `[[rewrites]]` (and `public/` again for a rewritten
path), then the pipeline.
Whatever answers (the pipeline, a rule, middleware, the canonical-path 308, or the
entrypoint's error mapping) is finished by `finish`: middleware's `next()` headers,
`[[headers]]` and CORS. The front half maps no errors itself: the entrypoint does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from approutes.errors import HTTPError
from approutes.handlers.invoke import threads_past_deadline
from approutes.middleware.outcome import Respond, Rewrite
from approutes.middleware.runner import run_middleware
from approutes.rules.external import forward
from approutes.static.file_response import file_response
from approutes.web.response import Response, answered, set_headers
from approutes.web.url_path import decode_unreserved

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from approutes.asgi.handle import Handle
    from approutes.middleware.loader import MiddlewareModule
    from approutes.openapi.api_docs import ApiDocs
    from approutes.request_context import RequestState
    from approutes.routing.route_table import RouteTable
    from approutes.rules.rule_set import RuleSet
    from approutes.static.public_files import PublicFile, PublicFiles
    from approutes.web.request import NextRequest

__all__ = ["HEALTH_PATH", "FrontHalf"]

HEALTH_PATH = "/_approutes/health"


class FrontHalf:
    """Answers a request through the project-wide stages and then `pipeline`."""

    __slots__ = (
        "_docs",
        "_files_or_rewrites",
        "_health_check",
        "_middleware",
        "_pipeline",
        "_public",
        "_routes",
        "_rules",
    )

    def __init__(
        self,
        pipeline: Handle,
        routes: RouteTable,
        rules: RuleSet,
        middleware: MiddlewareModule | None,
        *,
        health_check: bool = False,
        docs: ApiDocs | None = None,
        public: PublicFiles | None = None,
    ) -> None:
        """Put `rules`, `middleware`, the health check, `docs` and `public` before `pipeline`."""
        self._pipeline = pipeline
        self._routes = routes
        self._rules = rules
        self._middleware = middleware
        self._health_check = health_check
        self._docs = docs
        self._public = public
        self._files_or_rewrites = bool(
            public is not None or rules.before_files or rules.rewrites or rules.fallback
        )

    def handle(self, state: RequestState) -> Awaitable[Response]:
        """Answer the request of `state`; errors propagate to the entrypoint.

        PERF: a plain function returning the pipeline's awaitable when no middleware runs:
        one coroutine frame fewer per request (callgrind, bench S8); it raises at once when
        a stage refuses the request.
        """
        request = state.request
        state.front_path = request.path
        if self._health_check and request.path == HEALTH_PATH:
            return answered(_health())
        if self._docs is not None and self._docs.answers(request.path):
            return answered(self._docs.answer(state))
        rules = self._rules
        if rules.base_path:
            rules.strip_base_path(request)
        path = request.path
        if "%" in path:
            # SECURITY: rules and middleware match the path with its unreserved characters
            # decoded: `/api/echo/%73ecret` is guarded as `/api/echo/secret` is.
            path = decode_unreserved(path)
        state.front_path = path
        early = rules.before_middleware(request, path)
        if early is not None:
            return answered(early)
        middleware = self._middleware
        if middleware is not None and middleware.runs_for(request, path):
            return self._through_middleware(state, middleware, path)
        return self._after_middleware(state, path)

    async def _through_middleware(
        self, state: RequestState, middleware: MiddlewareModule, path: str
    ) -> Response:
        answered_by = await self._run_middleware(state, middleware)
        if isinstance(answered_by, Response):
            return answered_by
        return await self._after_middleware(state, answered_by or path)

    def _after_middleware(self, state: RequestState, path: str) -> Awaitable[Response]:
        """What answers once middleware let the request through: a file, a proxy, a route."""
        if not self._files_or_rewrites:  # PERF: no public/ and no [[rewrites]]: the routes serve
            return self._pipeline.handle(state)
        request = state.request
        target = self._files_and_rewrites(request, path)
        if isinstance(target, str):
            return _forward(state, target)
        if target is not None:
            state.route_file = target.file
            return answered(file_response(target, request))
        return self._pipeline.handle(state)

    async def _run_middleware(
        self, state: RequestState, middleware: MiddlewareModule
    ) -> Response | str | None:
        """Run `middleware`: its answer, the path it rewrote to, or None to go on as is."""
        request = state.request
        state.route_file = middleware.file
        outcome = await run_middleware(middleware, request)
        # COMPAT(next): what it changed in request.cookies reaches the route only when
        # forwarded with NextResponse.next(request_headers=request.headers).
        request.forget_changes()
        if isinstance(outcome, Respond):
            return outcome.response
        if outcome is None:
            return None
        state.front_headers = outcome.response_headers
        if outcome.request_headers:
            request.override_headers(outcome.request_headers)
        if not isinstance(outcome, Rewrite):
            return None
        if self._is_other_origin(request, outcome.url):
            return await _forward(state, outcome.url)
        # COMPAT(next): the target's query replaces the request's (rule 47).
        request.reroute(*self._same_origin_target(outcome.url))
        return request.path

    def _files_and_rewrites(self, request: NextRequest, path: str) -> PublicFile | str | None:
        """Apply `[[rewrites]]` to `request`, phase by phase.

        Returns:
            The `public/` file to serve, the URL on another origin to proxy to, or None
            (the routes serve the request, rewritten or not).

        COMPAT(next): `before_files` rewrites come first, whatever serves the path; public
        files are served before the `after_files` rewrites, and a rewrite's target may be a
        public file too; `fallback` rewrites apply when no file and no route serves the path.
        """
        rules = self._rules
        if rules.before_files:
            external = rules.rewrite_before_files(request, self._is_served, path)
            if external is not None:
                return external
            path = request.path
        public = self._public
        found = None if public is None else public.lookup(request.path)
        if found is not None:
            return found
        before = request.path
        external = rules.rewrite(request, self._routes.is_static, path)
        if external is not None:
            return external
        if public is not None and request.path != before:
            found = public.lookup(request.path)
            if found is not None:
                return found
        if rules.fallback and not self._is_served(request.path):
            external = rules.rewrite_fallback(request, self._is_served)
            if external is not None or public is None:
                return external
            return public.lookup(request.path)
        return None

    def _is_served(self, path: str) -> bool:
        """Whether a public file or a route serves `path` (for the rewrite phases)."""
        public = self._public
        if public is not None and public.lookup(path) is not None:
            return True
        return self._routes.match(path.rstrip("/") or "/") is not None

    def redirect(self, state: RequestState, response: Response) -> Response:
        """The canonical-path 308 `response`; a CORS preflight is answered instead.

        A browser refuses a redirect in answer to a preflight, so the preflight of a
        non-canonical path is answered as the canonical path's would be.
        """
        target = (response.headers.get("location") or "").partition("?")[0]
        state.front_path = decode_unreserved(self._rules.without_base_path(target) or target)
        return self._rules.preflight(state.request) or response

    def finish(self, state: RequestState, response: Response) -> None:
        """Add middleware's `next()` headers, `[[headers]]` and CORS headers to `response`."""
        added = state.front_headers
        if added is not None:
            set_headers(response, added)
        self._rules.decorate(state.request, state.front_path, response)

    @staticmethod
    def _is_other_origin(request: NextRequest, url: str) -> bool:
        netloc = urlsplit(url).netloc
        return bool(netloc) and netloc not in (request.next_url.host, request.headers.get("host"))

    def _same_origin_target(self, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        path = parts.path or "/"
        return self._rules.without_base_path(path) or path, parts.query


async def _forward(state: RequestState, url: str) -> Response:
    """Proxy the request of `state` to `url` on another origin; an upgrade is refused (502)."""
    if state.socket is not None:
        raise HTTPError(502, "WebSocket upgrades are not proxied to another origin")
    return await forward(state.request, url)


def _health() -> Response:
    """The health check's answer: this process serves (for load balancers)."""
    running = threads_past_deadline.running
    return Response.json(
        {"status": "ok", "threads_past_deadline": running},
        headers={"cache-control": "no-store"},
    )
