"""The request path as one short method: match, dispatch, invoke, finish the response."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin

from approutes.errors import MethodNotAllowed, RouteNotFound
from approutes.handlers.invoke import RouteContext, invoke
from approutes.handlers.return_value import to_response
from approutes.web.request import RequestLimits

if TYPE_CHECKING:
    from approutes.request_context import RequestScope
    from approutes.route_modules.registry import RouteModules
    from approutes.routing.route_table import RouteTable
    from approutes.web.response import Response

__all__ = ["Pipeline"]


class Pipeline:
    """Carries one request through the stations after the ASGI entrypoint, in order."""

    __slots__ = ("modules", "routes")

    def __init__(self, routes: RouteTable, modules: RouteModules) -> None:
        """Serve `routes`, whose modules come from `modules`."""
        self.routes = routes
        self.modules = modules

    async def handle(self, scope: RequestScope) -> Response:
        """Answer the request of `scope`; errors propagate to the entrypoint."""
        request = scope.request
        path = request.path
        if path[-1] == "/" and len(path) > 1:  # only with the trailing_slash setting
            path = path[:-1]
        found = self.routes.match(path)
        if found is None:
            raise RouteNotFound
        scope.route_file = found.route.file
        module = self.modules.get(found.route)
        plan = module.methods.resolve(request.method)
        if plan is None:
            raise MethodNotAllowed(module.methods.allow_header)
        config = module.config
        if config.body_size_limit is not None:
            request.limits = RequestLimits(config.body_size_limit, request.limits.upload)
        result = await invoke(plan, request, RouteContext(found.params), config.max_duration)
        response = to_response(result, plan.file, plan.method)
        if scope.cookie_changes is not None:
            # COMPAT(next): cookies().set() lines come after the handler's own Set-Cookie.
            for line in scope.cookie_changes.get_all("set-cookie"):
                response.headers.append("set-cookie", line)
        if response.resolve_location:
            location = response.headers.get("location") or ""
            response.headers.set("location", urljoin(request.url, location))
        return response
