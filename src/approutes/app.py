"""create_app: settings, route table and pipeline wired into one ASGI callable."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from approutes.asgi.entrypoint import AsgiEntrypoint
from approutes.assemble import assemble_handler
from approutes.build.manifest import manifest_path
from approutes.cache.runtime import use_store
from approutes.cache.store_url import store_from_setting
from approutes.error_reporting import ErrorReporter
from approutes.errors import ConfigurationError
from approutes.handlers.process_runtime import configure_process_pool
from approutes.handlers.thread_pool import thread_pool_installer
from approutes.observability.observer import observer_for
from approutes.project.draft_secret import read_draft_secret
from approutes.project.env_files import load_env_files
from approutes.project.instrumentation import load_instrumentation
from approutes.request_context import use_draft_mode_secret
from approutes.route_loading import load_routes
from approutes.settings.model import load_settings

if TYPE_CHECKING:
    import os

__all__ = ["create_app"]


def create_app(root: str | os.PathLike[str] = ".", *, dev: bool = False) -> AsgiEntrypoint:
    """Return the ASGI application serving the project at `root`.

    Any ASGI server can run it (`uvicorn`, `granian`, `hypercorn`). The project's `.env`
    files are loaded first; `instrumentation.py`'s `register()` and `shutdown()` run in the
    ASGI lifespan, once per worker process. In production
    (`dev=False`) a manifest written by `approutes build` is used when present; otherwise the
    tree is scanned. With `dev=True` the tree is always scanned, errors carry detail, and
    saving a file reloads the project.

    Raises:
        ConfigurationError: the settings, the route tree or a route module is invalid; the
            message names the file and the problem. With `dev=True` a route module that
            cannot load does not raise: its route answers the error, the others serve.

    Example:
        app = create_app("my-app")   # uvicorn module:app
    """
    project = Path(root).resolve()
    if not project.is_dir():
        raise ConfigurationError(
            code="no-project", files=(str(root),), problem="the project folder does not exist"
        )
    load_env_files(project, "development" if dev else "production")
    settings = load_settings(project)
    use_manifest = not dev and manifest_path(project).is_file()
    # NOTE: in dev a broken route module fails only its route (printed below); a bad tree
    # still raises.
    table, modules = load_routes(project, from_manifest=use_manifest, keep_going=dev)
    instrumentation = load_instrumentation(project)
    cache = use_store(store_from_setting(settings.cache, project, dev=dev), dev=dev)
    handler = assemble_handler(project, settings, table, modules, cache, dev=dev)
    app = AsgiEntrypoint(handler, settings, dev=dev)
    app.route_cache = cache
    cache.life_profiles = settings.cache_life
    app.observer = observer_for(settings, table)
    use_draft_mode_secret(read_draft_secret(project))
    app.route_count = len(table.routes)
    sockets = modules.socket_routes()
    app.socket_route_count = len(sockets)
    app.largest_message = max(
        [settings.websocket_message_size_limit]
        + [m.config.message_size_limit for m in sockets if m.config.message_size_limit]
    )
    # NOTE: first, since a sync register() runs in a thread.
    app.on_startup.append(thread_pool_installer(settings.thread_pool_size))
    if instrumentation.register is not None:
        app.on_startup.append(instrumentation.register)
    if instrumentation.shutdown is not None:
        app.on_shutdown.append(instrumentation.shutdown)
    if instrumentation.on_request_error is not None:
        app.error_sink = ErrorReporter(instrumentation.on_request_error)
    app.on_shutdown.append(cache.close)
    pool = configure_process_pool(project, settings.process_pool_size)

    async def stop_pool() -> None:
        pool.shutdown()

    app.on_shutdown.append(stop_pool)
    if dev:
        from approutes.dev.reloader import (  # noqa: PLC0415 - dev only
            attach_reloader,
            report_load_error,
        )

        for failure in modules.failures.values():
            report_load_error(failure)
        attach_reloader(app, project, modules)
    return app
