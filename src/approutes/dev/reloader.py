"""Reload on save: watch the project, re-import it, swap the running pipeline.

A project that fails to load keeps the dev server up: every request answers the error
(with detail, as dev errors do) until the file is fixed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

from approutes.cache.runtime import current_cache
from approutes.errors import ConfigurationError
from approutes.log import reload_log
from approutes.project.assemble import assemble_handler
from approutes.project.env_files import load_env_files
from approutes.project.importer import forget_project_modules
from approutes.project.routes import load_routes
from approutes.settings.model import load_settings

if TYPE_CHECKING:
    from approutes.asgi.entrypoint import AsgiEntrypoint
    from approutes.request_context import RequestScope
    from approutes.web.response import Response

__all__ = ["BrokenProject", "attach_reloader", "reload_project"]

_WATCHED_SUFFIXES = (".py", ".toml")


class BrokenProject:
    """Stands in for the pipeline while the project cannot load."""

    def __init__(self, error: ConfigurationError) -> None:
        """Answer every request with `error`."""
        self.error = error

    async def handle(self, scope: RequestScope) -> Response:
        """Raise the load error, which dev answers as a 500 with detail."""
        raise self.error


def reload_project(app: AsgiEntrypoint, root: Path) -> None:
    """Re-import every project module and swap `app`'s pipeline (or a BrokenProject)."""
    started = time.perf_counter()
    forget_project_modules(root)
    try:
        load_env_files(root, "development")
        settings = load_settings(root)
        table, modules = load_routes(root)
        cache = app.route_cache or current_cache()
        handler = assemble_handler(root, settings, table, modules, cache, dev=True)
    except ConfigurationError as exc:
        app.pipeline = BrokenProject(exc)
        reload_log.error("error: %s", exc.render())
        return
    app.apply_settings(settings)
    app.pipeline = handler
    reload_log.info("reloaded in %dms", round((time.perf_counter() - started) * 1e3))


def attach_reloader(app: AsgiEntrypoint, root: Path) -> None:
    """Watch `root` while `app` runs (started and stopped by its lifespan)."""
    task: asyncio.Task[None] | None = None

    async def start() -> None:
        nonlocal task
        task = asyncio.create_task(_watch(app, root))

    async def stop() -> None:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup.append(start)
    app.on_shutdown.append(stop)


async def _watch(app: AsgiEntrypoint, root: Path) -> None:
    from watchfiles import awatch  # noqa: PLC0415 - heavy, and only dev needs it

    def relevant(_change: object, path: str) -> bool:
        parts = Path(path).parts
        inside = parts[len(root.parts) :]
        if len(inside) == 1 and inside[0].startswith(".env"):
            return True
        return path.endswith(_WATCHED_SUFFIXES) and not any(
            p.startswith(".") or p == "__pycache__" for p in inside
        )

    async for _changes in awatch(root, watch_filter=relevant, debounce=50, step=20):
        reload_project(app, root)
