"""RouteModule: one route file imported once, its handlers found and checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from approutes.cache.policy import RouteCachePolicy, cache_policy_for
from approutes.errors import RouteModuleError
from approutes.pages.module import PagesModule, load_pages_module
from approutes.project.importer import import_user_file
from approutes.route_modules.handler_plan import plan_handler
from approutes.route_modules.method_table import HTTP_METHODS, MethodTable, build_method_table
from approutes.route_modules.segment_config import SegmentConfig, read_segment_config
from approutes.routing.scanner import route_file_from_path

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["RouteModule", "load_pages_route", "load_route_module"]


@dataclass(frozen=True, slots=True)
class RouteModule:
    """A loaded route file: its methods and segment config.

    A pages/api file has `pages` set and an empty method table: every method reaches its
    `handler(req, res)`.
    """

    file: str
    methods: MethodTable
    config: SegmentConfig
    cache: RouteCachePolicy | None = None
    pages: PagesModule | None = None


# NOTE: no handler for any method: the pipeline's 405 branch serves `pages` instead.
_NO_METHODS = MethodTable(handlers={}, allow_header="", exported=())


def load_route_module(root: Path, file: str) -> RouteModule:
    """Import `file` and build its method table and segment config.

    Handlers are found only by the fixed names in HTTP_METHODS, never by the request's method
    string, so a client cannot call any other upper-case name of the module.

    Raises:
        RouteModuleError: import failure, no handler, a bad handler or segment config value.
    """
    module = import_user_file(root, file)
    route_params = route_file_from_path(file).param_names
    plans = {
        method: plan_handler(getattr(module, method), method, file, route_params)
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


def load_pages_route(root: Path, file: str) -> RouteModule:
    """Import the pages/api `file` and check its `handler(req, res)` and `config`.

    Raises:
        RouteModuleError: import failure, no usable handler, a bad config.
    """
    pages = load_pages_module(root, file)
    return RouteModule(file=file, methods=_NO_METHODS, config=SegmentConfig(), pages=pages)
