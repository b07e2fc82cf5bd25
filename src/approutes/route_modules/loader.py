"""The one loader: a route file becomes a ready route.

Every road that serves a request gets its routes here: the pipeline (through the
registry), the process pool's workers, `call_route`, static renders and the dev reloader.
So handler plans (typed bindings included), the method table and the segment config are
built in one place, the same way for all of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.errors import RouteModuleError
from approutes.project.importer import import_user_file
from approutes.route_modules.cache_policy import cache_policy_for
from approutes.route_modules.handler_plan import plan_handler
from approutes.route_modules.method_table import HTTP_METHODS, build_method_table
from approutes.route_modules.pages_module import load_pages_module
from approutes.route_modules.route_module import RouteModule
from approutes.route_modules.segment_config import read_segment_config
from approutes.routing.scanner import route_file_from_path

if TYPE_CHECKING:
    from pathlib import Path

    from approutes.route_modules.route_module import LoadedRoute
    from approutes.routing.scanner import RouteFile

__all__ = ["load_route", "load_route_module", "route_module_from"]


def load_route(root: Path, route: RouteFile) -> LoadedRoute:
    """Import the route file of `route` (either router) and check it.

    Raises:
        RouteModuleError: import failure, no handler, a bad handler or config value.
    """
    if route.is_pages:
        return load_pages_module(root, route.file)
    return load_route_module(root, route.file)


def load_route_module(root: Path, file: str) -> RouteModule:
    """Import the app route `file` (relative to `root`) and build its RouteModule.

    Raises:
        RouteModuleError: import failure, no handler, a bad handler or segment config value.
    """
    return route_module_from(import_user_file(root, file), file)


def route_module_from(
    module: object, file: str, param_names: tuple[str, ...] | None = None
) -> RouteModule:
    """Build the RouteModule of `module`, already imported from `file`.

    `param_names` are the route's dynamic segment names; by default they come from the
    folders of `file`. Handlers are found only by the fixed names in HTTP_METHODS, never by
    the request's method string, so a client cannot call any other name of the module.

    Raises:
        RouteModuleError: no handler, a mis-cased one, a bad handler or segment config value.
    """
    if param_names is None:
        param_names = route_file_from_path(file).param_names
    _refuse_miscased_methods(module, file)
    plans = {
        method: plan_handler(getattr(module, method), method, file, param_names)
        for method in HTTP_METHODS
        if hasattr(module, method)
    }
    if not plans:
        raise RouteModuleError(
            code="route-without-handler",
            files=(file,),
            problem="the route module exports no handler",
            fix="export at least one of " + ", ".join(HTTP_METHODS) + ", e.g. `async def GET():`",
        )
    config = read_segment_config(module, file)
    get = plans.get("GET")
    if get is not None and get.takes_socket and config.runtime == "process":
        raise RouteModuleError(
            code="bad-segment-config",
            files=(file,),
            problem='GET takes a WebSocket, which cannot run with runtime = "process"',
            fix='remove runtime = "process": a socket stays with the server process that holds it',
        )
    cache = cache_policy_for(config)
    if get is not None and get.takes_socket and cache is not None:
        raise RouteModuleError(
            code="bad-segment-config",
            files=(file,),
            problem="GET takes a WebSocket, but the segment config caches it (a static GET)",
            fix="remove revalidate / dynamic = 'force-static': a socket is never cached",
        )
    methods = build_method_table(plans, file, static=cache is not None)
    return RouteModule(file=file, methods=methods, config=config, cache=cache)


_METHOD_SPELLINGS = {method.lower(): method for method in HTTP_METHODS}


def _refuse_miscased_methods(module: object, file: str) -> None:
    """Refuse `get`, `Post`, ... defined in the route module: they would never be called.

    COMPAT(next): Next reports lower-case method exports too. Names the module imported
    (`from httpx import post`) are not its exports and pass.
    """
    own = getattr(module, "__name__", None)
    for name in dir(module):
        method = _METHOD_SPELLINGS.get(name.lower())
        if method is None or name == method:
            continue
        value = getattr(module, name)
        if callable(value) and getattr(value, "__module__", own) == own:
            raise RouteModuleError(
                code="miscased-method-export",
                files=(file,),
                problem=f"it defines {name}(), which is never called: handler names are "
                f"upper-case HTTP methods",
                fix=f"rename {name} to {method}",
            )
