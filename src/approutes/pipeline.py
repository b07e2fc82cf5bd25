"""The request path as one short method: match, dispatch, invoke, finish the response."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.errors import HTTPError, MethodNotAllowed, RouteNotFound
from approutes.handlers.runner import run_handler
from approutes.handlers.socket_runner import run_socket_handler
from approutes.pages.serve import serve_pages
from approutes.route_modules.pages_module import PagesModule
from approutes.static.file_response import file_response
from approutes.web.response import answered

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from approutes.cache.route_cache import RouteCache
    from approutes.request_context import RequestState
    from approutes.route_modules.registry import RouteModules
    from approutes.routing.route_table import RouteTable
    from approutes.static.public_files import PublicFiles
    from approutes.web.response import Response

__all__ = ["Pipeline"]


class Pipeline:
    """Carries one request through the stations after the ASGI entrypoint, in order."""

    __slots__ = ("cache", "modules", "public", "routes")

    finish = None
    """Nothing to add to a response: a project without front stages (see FrontHalf)."""

    def __init__(
        self, routes: RouteTable, modules: RouteModules, cache: RouteCache | None = None
    ) -> None:
        """Serve `routes`, whose modules come from `modules`; static routes via `cache`."""
        self.routes = routes
        self.modules = modules
        self.cache = cache
        self.public: PublicFiles | None = None
        """The files of `public/`, when no front half serves them (nothing runs before)."""

    def handle(self, state: RequestState) -> Awaitable[Response]:
        """Answer the request of `state`; errors propagate to the entrypoint.

        PERF: a plain function that returns the render's awaitable, one coroutine frame
        fewer per request (callgrind, bench S1-S3); it raises routing errors at once.
        """
        request = state.request
        path = request.path
        if path[-1] == "/" and len(path) > 1:  # only with the trailing_slash setting
            path = path[:-1]
        public = self.public
        if public is not None:
            # PERF: a project with public/ and no front stages keeps the bare pipeline; a
            # path without escapes is one dict lookup (callgrind, bench S1).
            public_file = public.by_url.get(path) if "%" not in path else public.lookup(path)
            if public_file is not None:
                state.route_file = public_file.file
                return answered(file_response(public_file, request))
        found = self.routes.lookup(path)
        if found is None:
            raise RouteNotFound
        route, params = found
        state.route_file = route.file
        state.route_pattern = route.pattern
        # PERF: dict lookups in place of the registry's and method table's methods (callgrind).
        module = self.modules.by_file.get(route.file) or self.modules.get(route)
        if state.socket is not None:
            if isinstance(module, PagesModule):
                raise NoSocketHandler
            plan = module.methods.handlers.get("GET")
            if plan is None or not plan.takes_socket:
                raise NoSocketHandler
            return run_socket_handler(state, plan, params, module.config)
        if isinstance(module, PagesModule):
            return serve_pages(state, module, params)
        plan = module.methods.handlers.get(request.method)
        if plan is None:
            raise MethodNotAllowed(module.methods.allow_header)
        if module.cache is not None and plan.method == "GET" and self.cache is not None:
            return self.cache.respond(state, module, module.cache, plan, params, run_handler)
        return run_handler(state, plan, params, module.config)

    def redirect(self, state: RequestState, response: Response) -> Response:
        """Answer a non-canonical path with its 308 `response`."""
        return response


class NoSocketHandler(HTTPError):
    """404: a WebSocket upgrade to a route whose GET takes no `WebSocket` (or a pages route)."""

    def __init__(self) -> None:
        """Answer 404, saying why."""
        super().__init__(404, "No WebSocket handler at this URL")
