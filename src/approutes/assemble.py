"""Puts a loaded project together: the route pipeline, behind the front half when needed."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from approutes.errors import RouteTreeError
from approutes.front import FrontHalf
from approutes.middleware.loader import load_middleware
from approutes.pipeline import Pipeline
from approutes.rules.cors import CorsPolicy
from approutes.rules.rule_set import RuleSet
from approutes.static.public_files import PublicFiles

if TYPE_CHECKING:
    from pathlib import Path

    from approutes.asgi.handle import Handle
    from approutes.cache.route_cache import RouteCache
    from approutes.route_modules.registry import RouteModules
    from approutes.routing.route_table import RouteTable
    from approutes.rules.tables import RewritePhase, RewriteRule
    from approutes.settings.model import Settings

__all__ = ["assemble_handler"]

_PATH_SAFE = "/:@!$&'()*+,;=-._~"


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

    PERF: a project whose rules are empty, with no middleware and no health check, gets the
    bare pipeline (in production). In dev, or with the `openapi_path` or `docs_path`
    setting, the OpenAPI document and its docs page are answered by the front half.

    The files of `public/` are indexed here and served by the front half, after middleware,
    or by the bare pipeline before the routes.

    Raises:
        RouteModuleError: `middleware.py` is not valid.
        RouteTreeError: a route and a file of `public/` serve the same URL.
        SettingsError: `openapi_path` or `docs_path` is also the URL of a route.
    """
    pipeline = Pipeline(table, modules, cache)
    middleware = load_middleware(root)
    rules = RuleSet(
        base_path=settings.base_path,
        cors=CorsPolicy(settings.cors) if settings.cors is not None else None,
        redirects=settings.redirects,
        before_files=_in_phase(settings.rewrites, "before_files"),
        rewrites=_in_phase(settings.rewrites, "after_files"),
        fallback=_in_phase(settings.rewrites, "fallback"),
        headers=settings.headers,
    )
    docs = None
    if dev or settings.openapi_path is not None or settings.docs_path is not None:
        from approutes.openapi.api_docs import api_docs_for  # noqa: PLC0415 - only when served

        docs = api_docs_for(settings, table, modules, title=root.name, dev=dev)
    public = PublicFiles.scan(root)
    if public is not None:
        _refuse_public_routes(public, table)
    if not rules.acts and middleware is None and not settings.health_check and docs is None:
        # PERF: with nothing before them, public files are looked up by the pipeline itself
        # (a front half costs ~2 µs a request, in-process, bench S1's route).
        pipeline.public = public
        return pipeline
    return FrontHalf(
        pipeline,
        table,
        rules,
        middleware,
        health_check=settings.health_check,
        docs=docs,
        public=public,
    )


def _refuse_public_routes(public: PublicFiles, table: RouteTable) -> None:
    """Refuse a route and a public file at the same URL, as Next does.

    NOTE: only a route without dynamic segments can clash: a public file wins over a
    dynamic route that also matches its URL (Next serves the file system first).
    """
    for entry in public:
        route = table.static_route(quote(entry.url, safe=_PATH_SAFE))
        if route is not None:
            raise RouteTreeError(
                code="public-file-conflict",
                files=(route.file, entry.file),
                problem=(
                    f"a route and a file of public/ both serve the URL {entry.url} "
                    "(Next.js refuses this too: conflicting public and page file)"
                ),
                fix="rename or move the file in public/, or move the route to another URL",
            )


def _in_phase(rewrites: tuple[RewriteRule, ...], phase: RewritePhase) -> tuple[RewriteRule, ...]:
    return tuple(rule for rule in rewrites if rule.phase == phase)
