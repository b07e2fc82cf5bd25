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
    In dev, the OpenAPI document and its docs page (`/_approutes/openapi.json`,
    `/_approutes/docs`) are answered in front of it.

    Raises:
        RouteModuleError: `middleware.py` is not valid.
    """
    pipeline = Pipeline(table, modules, cache)
    middleware = load_middleware(root)
    if middleware is None and not settings.has_front_stages:
        handler: Handle = pipeline
    else:
        handler = FrontStages(pipeline, table, settings, middleware, dev=dev)
    if not dev:
        return handler
    from approutes.openapi.dev_docs import DevDocs  # noqa: PLC0415 - dev only

    return DevDocs(handler, table, modules, title=root.name)
