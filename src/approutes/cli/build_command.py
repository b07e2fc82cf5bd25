"""`approutes build`: load and check every route, write the manifest."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from approutes.build.manifest import write_manifest
from approutes.build.prerender import prerender_static_routes
from approutes.build.route_rows import route_rows
from approutes.cache.route_cache import RouteCache
from approutes.cache.store_url import store_from_setting
from approutes.handlers.runner import run_handler
from approutes.middleware.loader import load_middleware
from approutes.project.draft_secret import new_draft_secret
from approutes.project.env_files import load_env_files
from approutes.project.instrumentation import load_instrumentation
from approutes.route_loading import load_routes
from approutes.route_modules.route_module import RouteModule
from approutes.settings.model import load_settings

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["BuildResult", "build_project"]


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build wrote and the route table it checked."""

    manifest: Path
    rows: list[tuple[str, str, str, str]]
    prerendered: list[str]
    proxy: str | None = None
    static: frozenset[str] = frozenset()
    """The patterns whose GET is cached (Next's ○); the others are dynamic (ƒ)."""


def build_project(root: Path) -> BuildResult:
    """Check the settings, the route tree and every module of `root`; write the manifest.

    `proxy.py` (`middleware.py`) and `instrumentation.py` are imported and checked too
    (`register()` is not run). Static routes (force-static, revalidate,
    generate_static_params) are rendered into the cache store.

    Raises:
        ConfigurationError: the first problem found, naming its file.
    """
    load_env_files(root, "production")
    settings = load_settings(root)
    table, modules = load_routes(root)
    proxy = load_middleware(root)
    load_instrumentation(root)
    manifest = write_manifest(root, table.routes, modules)
    new_draft_secret(root)  # a new build, a new draft-mode secret, as in Next
    cache = RouteCache(store_from_setting(settings.cache, root, dev=False))
    prerendered = asyncio.run(prerender_static_routes(table, modules, cache, run_handler))
    rows = route_rows(table, modules)
    static = frozenset(
        route.pattern
        for route in table.routes
        if isinstance(module := modules.get(route), RouteModule)
        and module.cache is not None
        and route.file not in cache.dynamic_files
    )
    return BuildResult(manifest, rows, prerendered, proxy.file if proxy else None, static)
