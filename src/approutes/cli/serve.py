"""Launches uvicorn (httptools + uvloop) or granian on create_app."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Literal

import click

from approutes.app import create_app
from approutes.cli.gc_tuning import tune_gc_for_serving

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from approutes.asgi.entrypoint import AsgiEntrypoint

__all__ = ["ServerName", "app_from_environment", "serve"]

ServerName = Literal["uvicorn", "granian"]
_ROOT_VARIABLE = "_APPROUTES_SERVE_ROOT"
_DEV_VARIABLE = "_APPROUTES_SERVE_DEV"


def app_from_environment() -> AsgiEntrypoint:
    """Factory the server's workers call: the project named by the serving process."""
    dev = os.environ.get(_DEV_VARIABLE) == "1"
    app = create_app(os.environ[_ROOT_VARIABLE], dev=dev)
    if not dev:
        tune_gc_for_serving()
    return app


def serve(
    root: Path,
    *,
    host: str,
    port: int,
    workers: int = 1,
    server: ServerName = "uvicorn",
    dev: bool = False,
    started: float | None = None,
) -> None:
    """Serve the project at `root` until interrupted.

    The project is loaded (and checked) here first, so a bad project stops before any
    worker starts. With `started` (a perf_counter reading), "Ready in N ms" is printed once
    the server accepts requests.
    """
    app = create_app(root, dev=dev)
    if started is not None:
        app.on_startup.append(_ready_printer(started))
    os.environ[_ROOT_VARIABLE] = str(root)
    os.environ[_DEV_VARIABLE] = "1" if dev else "0"
    if server == "granian":
        _serve_granian(host, port, workers)
        return
    if workers == 1 and not dev:
        tune_gc_for_serving()  # several workers tune themselves in app_from_environment
    _serve_uvicorn(app, host, port, workers)


def _ready_printer(started: float) -> Callable[[], Awaitable[None]]:
    async def print_ready() -> None:
        click.echo(f"  ✓ Ready in {(time.perf_counter() - started) * 1e3:.0f}ms")

    return print_ready


def _serve_uvicorn(app: AsgiEntrypoint, host: str, port: int, workers: int) -> None:
    import uvicorn  # noqa: PLC0415 - only when serving

    uvicorn.run(
        "approutes.cli.serve:app_from_environment" if workers > 1 else app,
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",  # dev prints its own start-up and request lines
        lifespan="on",
        server_header=False,
    )


def _serve_granian(host: str, port: int, workers: int) -> None:
    from granian import Granian  # noqa: PLC0415 - heavy, only when serving
    from granian.constants import Interfaces, Loops  # noqa: PLC0415

    Granian(
        "approutes.cli.serve:app_from_environment",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        factory=True,
        log_access=False,
    ).serve()
