"""`approutes build` renders the static routes into the cache store ahead of the first request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.cache.route_cache import static_params
from approutes.errors import DynamicBailout, RouteModuleError
from approutes.route_modules.route_module import RouteModule

if TYPE_CHECKING:
    from approutes.cache.route_cache import RenderWith, RouteCache
    from approutes.route_modules.registry import RouteModules
    from approutes.routing.route_table import RouteTable

__all__ = ["prerender_static_routes"]


async def prerender_static_routes(
    table: RouteTable, modules: RouteModules, cache: RouteCache, render_with: RenderWith
) -> list[str]:
    """Render and store the GET of every cached route; return the paths stored.

    A route without dynamic segments renders its one path; a dynamic one, each path of its
    `generate_static_params()`. A `dynamic = "auto"` route that reads request data while
    rendering is dynamic (Next's bail-out): it is logged and not stored.

    Raises:
        RouteModuleError: a handler raised while rendering; the build stops, naming the route.
    """
    stored = []
    for route in table.routes:
        module = modules.get(route)
        if not isinstance(module, RouteModule):
            continue
        policy = module.cache
        plan = module.methods.handlers.get("GET")
        if policy is None or plan is None:
            continue
        listed = [{}] if route.is_static else await static_params(module)
        for params in listed:
            path = route.url_for(params)
            try:
                cacheable = await cache.prerender(
                    path, route.pattern, plan, params, module, policy, render_with
                )
            except DynamicBailout:
                break  # it read request data: a dynamic route (the cache logged why)
            except Exception as exc:
                raise RouteModuleError(
                    code="prerender-failed",
                    files=(route.file,),
                    problem=f"rendering {path} raised {type(exc).__name__}: {exc}",
                    fix='fix the handler, or make the route dynamic (dynamic = "force-dynamic")',
                ) from exc
            if cacheable:
                stored.append(path)
    await cache.close()
    return stored
