"""Puts a loaded project together: the route pipeline, wrapped in front stages when needed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.pipeline import Pipeline
from approutes.project.middleware_module import load_middleware
from approutes.stages.front import FrontStages

if TYPE_CHECKING:
    from pathlib import Path

    from approutes.asgi.entrypoint import Handle
    from approutes.cache.route_cache import RouteCache
    from approutes.route_modules.registry import RouteModules
    from approutes.routing.route_table import RouteTable
    from approutes.settings.model import Settings

__all__ = ["assemble_handler"]


def assemble_handler(
    root: Path,
    settings: Settings,
    table: RouteTable,
    modules: RouteModules,
    cache: RouteCache,
    *,
    dev: bool,
) -> Handle:
    """Return what answers each request of the project at `root`.

    PERF: a project without middleware, base path, rules or CORS gets the bare pipeline.

    Raises:
        RouteModuleError: `middleware.py` is not valid.
    """
    pipeline = Pipeline(table, modules, cache)
    middleware = load_middleware(root)
    if middleware is None and not settings.has_front_stages:
        return pipeline
    return FrontStages(pipeline, table, settings, middleware, dev=dev)
