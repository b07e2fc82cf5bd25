"""RouteModule: one route file imported once, its handlers found and checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from approutes.cache.policy import RouteCachePolicy, cache_policy_for
from approutes.errors import RouteModuleError
from approutes.project.importer import import_user_file
from approutes.route_modules.handler_plan import plan_handler
from approutes.route_modules.method_table import HTTP_METHODS, MethodTable, build_method_table
from approutes.route_modules.segment_config import SegmentConfig, read_segment_config

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["RouteModule", "load_route_module"]


@dataclass(frozen=True, slots=True)
class RouteModule:
    """A loaded route file: its methods and segment config."""

    file: str
    methods: MethodTable
    config: SegmentConfig
    cache: RouteCachePolicy | None = None


def load_route_module(root: Path, file: str) -> RouteModule:
    """Import `file` and build its method table and segment config.

    Handlers are found only by the fixed names in HTTP_METHODS, never by the request's method
    string, so a client cannot call any other upper-case name of the module.

    Raises:
        RouteModuleError: import failure, no handler, a bad handler or segment config value.
    """
    module = import_user_file(root, file)
    plans = {
        method: plan_handler(getattr(module, method), method, file)
        for method in HTTP_METHODS
        if hasattr(module, method)
    }
    if not plans:
        lowercase = [m.lower() for m in HTTP_METHODS if hasattr(module, m.lower())]
        hint = (
            f"; it defines {', '.join(lowercase)}: handler names are upper-case"
            if lowercase
            else ""
        )
        raise RouteModuleError(
            code="route-without-handler",
            files=(file,),
            problem=f"the route module exports no handler{hint}",
            fix="export at least one of " + ", ".join(HTTP_METHODS) + ", e.g. `async def GET():`",
        )
    config = read_segment_config(module, file)
    cache = cache_policy_for(config)
    methods = build_method_table(plans, file, static=cache is not None)
    return RouteModule(file=file, methods=methods, config=config, cache=cache)
