"""Launches uvicorn (httptools + uvloop) or granian on create_app.

How a server started here stops and keeps its workers, whichever server it is:

- **SIGTERM or Ctrl-C** stops accepting connections, lets the requests in flight finish, runs
  each worker's lifespan shutdown (`instrumentation.py`'s `shutdown()`, the cache store's
  close) and exits with status 0.
- **At most `GRACEFUL_TIMEOUT` seconds** (30; 1 under `approutes dev`) are given to requests
  still running: without a bound both servers wait for ever, and one open stream (`sse()`)
  would hold the server until the orchestrator's SIGKILL, with no `shutdown()` run. Past the
  bound, uvicorn cancels what is left and still runs `shutdown()`; granian kills the worker,
  so that worker's `shutdown()` does not run.
- **A worker that dies is replaced** (uvicorn's supervisor within about half a second;
  granian with `respawn_failed_workers`, which is off by default: without it one crashed
  worker stops the whole server with status 1). Granian gives up, and exits, when a worker
  it has just replaced dies again within 5.5 seconds.

And how both bound a request's head (its request line and headers, `max_header_size`): uvicorn
through `uvicorn_protocol.py`, granian through hyper's read buffer. Each answers a longer head
`431` and closes the connection, holding no more than the bound (and one read) meanwhile.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import TYPE_CHECKING, Literal

import click

from approutes.app import create_app
from approutes.cli.gc_tuning import tune_gc_for_serving
from approutes.settings.model import load_settings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path
    from types import FrameType

    from approutes.asgi.entrypoint import AsgiEntrypoint

__all__ = ["GRACEFUL_TIMEOUT", "ServerName", "app_from_environment", "serve"]

ServerName = Literal["uvicorn", "granian"]

GRACEFUL_TIMEOUT = 30
"""Seconds a stopping server gives the requests in flight before ending them.

Thirty is Kubernetes' and ECS's grace period between SIGTERM and SIGKILL; where the
orchestrator waits less (`docker stop`: 10 s), raise its timeout to keep the margin.
"""

_DEV_GRACEFUL_TIMEOUT = 1  # NOTE: in dev nobody waits for a stream; Ctrl-C should be quick
_ROOT_VARIABLE = "_APPROUTES_SERVE_ROOT"
_DEV_VARIABLE = "_APPROUTES_SERVE_DEV"
_UVICORN_PROTOCOL = "approutes.cli.uvicorn_protocol:HeadLimitedHttpToolsProtocol"


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
    graceful_timeout: int | None = None,
) -> None:
    """Serve the project at `root` until interrupted.

    The project is loaded (and checked) here first, so a bad project stops before any
    worker starts. With `started` (a perf_counter reading), "Ready in N ms" is printed once
    the server accepts requests. SIGTERM stops the server gracefully and the process exits
    with status 0; dead workers are replaced (the module docstring has the details).

    Args:
        root: The project folder.
        host: The address to listen on.
        port: The port to listen on.
        workers: Worker processes (uvicorn serves in this process when 1).
        server: "uvicorn" or "granian".
        dev: Serve for development: reload on save, error detail.
        started: When the command started, to print "Ready in N ms".
        graceful_timeout: Seconds requests in flight get once the server is told to stop;
            `GRACEFUL_TIMEOUT` by default (1 in dev).
    """
    if graceful_timeout is None:
        graceful_timeout = _DEV_GRACEFUL_TIMEOUT if dev else GRACEFUL_TIMEOUT
    app = create_app(root, dev=dev)
    max_header_size = load_settings(root).max_header_size  # the .env files are loaded now
    if started is not None:
        app.on_startup.append(_ready_printer(started))
    os.environ[_ROOT_VARIABLE] = str(root)
    os.environ[_DEV_VARIABLE] = "1" if dev else "0"
    if server == "granian":
        _serve_granian(host, port, workers, graceful_timeout, max_header_size)
        return
    if workers == 1:
        _exit_zero_on_sigterm()
        if not dev:
            tune_gc_for_serving()  # several workers tune themselves in app_from_environment
    _serve_uvicorn(app, host, port, workers, graceful_timeout, max_header_size)


def _ready_printer(started: float) -> Callable[[], Awaitable[None]]:
    async def print_ready() -> None:
        click.echo(f"  ✓ Ready in {(time.perf_counter() - started) * 1e3:.0f}ms")

    return print_ready


def _serve_uvicorn(
    app: AsgiEntrypoint,
    host: str,
    port: int,
    workers: int,
    graceful_timeout: int,
    max_header_size: int,
) -> None:
    import uvicorn  # noqa: PLC0415 - only when serving

    # NOTE: with several workers uvicorn's supervisor replaces a dead one (checked every
    # 0.5 s); that is its default, nothing to switch on.
    uvicorn.run(
        "approutes.cli.serve:app_from_environment" if workers > 1 else app,
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        loop="uvloop",
        # SECURITY: uvicorn's own httptools protocol keeps a head of any length in memory.
        http=_UVICORN_PROTOCOL,
        h11_max_incomplete_event_size=max_header_size,  # the bound _UVICORN_PROTOCOL reads
        access_log=False,
        log_level="warning",  # dev prints its own start-up and request lines
        lifespan="on",
        server_header=False,
        # SECURITY: approutes reads X-Forwarded-For itself, only with the trust_proxy setting.
        proxy_headers=False,
        timeout_graceful_shutdown=graceful_timeout,
    )


def _serve_granian(
    host: str, port: int, workers: int, graceful_timeout: int, max_header_size: int
) -> None:
    from granian import Granian  # noqa: PLC0415 - heavy, only when serving
    from granian.constants import Interfaces, Loops  # noqa: PLC0415
    from granian.http import HTTP1Settings  # noqa: PLC0415

    Granian(
        "approutes.cli.serve:app_from_environment",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        factory=True,
        log_access=False,
        respawn_failed_workers=True,
        workers_kill_timeout=graceful_timeout,
        # SECURITY: hyper answers 431 to a head that does not fit its read buffer (and to
        # more than 100 headers). PERF: the buffer also caps each read of a body, so uploads
        # arrive in pieces of at most this size (loopback: ~350 MB/s at 16 KiB, ~1.5 GB/s at
        # granian's default of 408 KiB); far above what a network delivers.
        http1_settings=HTTP1Settings(max_buffer_size=max_header_size),
    ).serve()


def _exit_zero_on_sigterm() -> None:
    """Make a SIGTERM that uvicorn handled end the process with status 0.

    NOTE: uvicorn serving in this process re-raises the signal it stopped on once it has shut
    down, so the process would die "killed by SIGTERM" (status -15) after a clean stop; its
    multi-worker supervisor and granian exit 0, and so should this. uvicorn restores this
    handler before re-raising; a SIGTERM before uvicorn starts exits 0 at once.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_zero)


def _exit_zero(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
