"""Reload on save: watch the project, re-import it, swap the running pipeline.

A route module that fails to load fails only its route: it answers the error (with detail,
as dev errors do) and the other routes keep serving. A project that cannot load at all (a
bad route tree, settings, `middleware.py`) answers every request with its error. Both last
until the file is fixed; the error is printed once, at the reload that found it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from approutes.assemble import assemble_handler
from approutes.cache.dev_cache import DevRouteCache
from approutes.cache.runtime import current_cache
from approutes.errors import ConfigurationError
from approutes.log import reload_log
from approutes.project.env_files import load_env_files
from approutes.project.importer import forget_project_modules, module_name_for
from approutes.route_loading import load_routes
from approutes.routing.scanner import in_code_dir
from approutes.settings.model import load_settings

if TYPE_CHECKING:
    from collections.abc import Iterable

    from approutes.asgi.entrypoint import AsgiEntrypoint
    from approutes.request_context import RequestState
    from approutes.route_modules.registry import RouteModules
    from approutes.web.response import Response

__all__ = [
    "BrokenProject",
    "ProjectReloader",
    "attach_reloader",
    "reload_project",
    "report_load_error",
]

_WATCHED_SUFFIXES = (".py", ".toml")


class BrokenProject:
    """Stands in for the pipeline while the project cannot load."""

    def __init__(self, error: ConfigurationError) -> None:
        """Answer every request with `error`."""
        self.error = error

    finish = None

    async def handle(self, state: RequestState) -> Response:
        """Raise the load error, which dev answers as a 500 with detail."""
        raise self.error

    def redirect(self, state: RequestState, response: Response) -> Response:
        """A non-canonical path is still redirected to its canonical form."""
        return response


async def reload_project(app: AsgiEntrypoint, root: Path) -> None:
    """Re-import every project module and swap `app`'s pipeline (or a BrokenProject)."""
    await ProjectReloader(app, root).reload(None)


class ProjectReloader:
    """Reloads a dev project after a save: only the saved route modules when that is enough."""

    def __init__(
        self, app: AsgiEntrypoint, root: Path, modules: RouteModules | None = None
    ) -> None:
        """Reload `app`, serving `root`, whose route modules are `modules` when known."""
        self.app = app
        self.root = root
        self.modules = modules

    async def reload(self, changed: Iterable[str] | None) -> None:
        """Reload after `changed` files (paths under the root; None: reload everything).

        When only route files changed (`app/**/route.py`, `pages/api/**.py`), only those are
        imported again, and only their cached responses dropped; anything else (lib/,
        settings, middleware, .env) reloads all and drops every cached entry.
        """
        reloaded = self._swap(changed)
        cache = self.app.route_cache or current_cache()
        if not isinstance(cache, DevRouteCache):
            return
        # NOTE: after the swap: a request that renders in between, with the old code, is
        # then invalidated too; one that renders with the new code costs a second MISS.
        if reloaded is None:
            await cache.forget_all()
        else:
            await cache.forget_files(reloaded)

    def _swap(self, changed: Iterable[str] | None) -> list[str] | None:
        """Re-import and swap the pipeline; return the route files reloaded (None: all)."""
        started = time.perf_counter()
        root = self.root
        saved = None if changed is None else [_relative(root, path) for path in changed]
        known_failures: list[ConfigurationError] = []
        if saved is not None and self.modules is not None and all(map(_reloads_alone, saved)):
            for file in saved:
                sys.modules.pop(module_name_for(root, file), None)
            self.modules.forget(saved)
            known_failures = list(self.modules.failures.values())
            reuse: RouteModules | None = self.modules
        else:
            forget_project_modules(root)
            reuse = None
        try:
            load_env_files(root, "development")
            settings = load_settings(root)
            table, modules = load_routes(root, reuse=reuse, keep_going=True)
            cache = self.app.route_cache or current_cache()
            handler = assemble_handler(root, settings, table, modules, cache, dev=True)
        except ConfigurationError as exc:
            self.modules = None
            self.app.pipeline = BrokenProject(exc)
            report_load_error(exc)
            return None if reuse is None else saved
        self.modules = modules
        self.app.apply_settings(settings)
        self.app.pipeline = handler
        for failure in modules.failures.values():
            if not any(failure is known for known in known_failures):
                report_load_error(failure)  # NOTE: once, when found; requests log their own
        scope = "all" if reuse is None else f"{len(saved or ())} route module(s)"
        reload_log.info("reloaded %s in %dms", scope, round((time.perf_counter() - started) * 1e3))
        return None if reuse is None else saved


def report_load_error(error: ConfigurationError) -> None:
    """Log why the project or a route cannot load: the file's traceback, then the message."""
    cause = error.cause_traceback()
    if cause:
        reload_log.error("%s", cause)
    reload_log.error("error: %s", error.render())


def attach_reloader(app: AsgiEntrypoint, root: Path, modules: RouteModules | None = None) -> None:
    """Watch `root` while `app` runs (started and stopped by its lifespan)."""
    reloader = ProjectReloader(app, root, modules)
    task: asyncio.Task[None] | None = None

    async def start() -> None:
        nonlocal task
        task = asyncio.create_task(_watch(reloader))

    async def stop() -> None:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup.append(start)
    app.on_shutdown.append(stop)


def _relative(root: Path, path: str) -> str:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return path


def _reloads_alone(file: str) -> bool:
    """Whether a change to `file` needs no other module re-imported (a route or public file)."""
    return file.startswith("public/") or _is_route_file(file)


def _is_route_file(file: str) -> bool:
    """Whether `file` (relative to the root) is a route module and nothing else imports it."""
    code = in_code_dir(file)
    return (code.startswith("app/") and code.endswith("/route.py")) or (
        code.startswith("pages/api/") and code.endswith(".py")
    )


async def _watch(reloader: ProjectReloader) -> None:
    from watchfiles import awatch  # noqa: PLC0415 - heavy, and only dev needs it

    root = reloader.root

    def relevant(_change: object, path: str) -> bool:
        parts = Path(path).parts
        inside = parts[len(root.parts) :]
        if len(inside) == 1 and inside[0].startswith(".env"):
            return True
        if inside and inside[0] == "public":
            return True  # NOTE: any file: the index of public/ is rebuilt
        return path.endswith(_WATCHED_SUFFIXES) and not any(
            p.startswith(".") or p == "__pycache__" for p in inside
        )

    async for changes in awatch(root, watch_filter=relevant, debounce=50, step=20):
        await reloader.reload({path for _, path in changes})
