"""Launches uvicorn (httptools and uvloop where they install) or granian on create_app.

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

import contextlib
import errno
import os
import signal
import socket
import sys
import threading
import time
import warnings
from typing import TYPE_CHECKING, Any, Literal

import click

from approutes import __version__
from approutes.app import create_app
from approutes.build.manifest import StaleManifestWarning
from approutes.cli.console import print_warning
from approutes.cli.gc_tuning import tune_gc_for_serving
from approutes.cli.log_setup import LogFormat, configure_logging
from approutes.cli.server_options import ServerLimits, uvicorn_options
from approutes.cli.supervisor import SupervisorPlan, hand_over, supervised
from approutes.cli.worker_app import (
    ACCESS_LOG_VARIABLE,
    DEV_VARIABLE,
    GRACEFUL_VARIABLE,
    ROOT_VARIABLE,
)
from approutes.cli.worker_metrics import share_metrics_between_workers
from approutes.errors import ListenError, MissingExtraError
from approutes.log import server_log
from approutes.settings.model import load_settings

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from types import FrameType

    import uvicorn

    from approutes.asgi.entrypoint import AsgiEntrypoint

__all__ = ["GRACEFUL_TIMEOUT", "ServerName", "serve"]

ServerName = Literal["uvicorn", "granian"]

GRACEFUL_TIMEOUT = 30
"""Seconds a stopping server gives the requests in flight before ending them.

Thirty is Kubernetes' and ECS's grace period between SIGTERM and SIGKILL; where the
orchestrator waits less (`docker stop`: 10 s), raise its timeout to keep the margin.
"""

_DEV_GRACEFUL_TIMEOUT = 1  # NOTE: in dev nobody waits for a stream; Ctrl-C should be quick


def serve(
    root: Path,
    *,
    host: str,
    port: int,
    workers: int = 1,
    server: ServerName = "uvicorn",
    dev: bool = False,
    started: float | None = None,
    ready_lines: tuple[str, ...] = (),
    graceful_timeout: int | None = None,
    log_format: LogFormat | None = None,
    access_log: bool | None = None,
) -> None:
    """Serve the project at `root` until interrupted.

    The project is loaded (and checked) here first, so a bad project stops before any
    worker starts; then the address is bound, so a port in use stops it with ListenError
    before anything says it is ready. With `started` (a perf_counter reading), "Ready in
    N ms" is printed once the app has started and the socket listens (uvicorn in this
    process: `dev`); otherwise one start-up line is logged (version, server, workers, the
    address to open, the route count). granian, and uvicorn with several workers, are then
    run by a supervisor that replaces this process, or by the one waiting for it
    (`supervisor.py`: it holds none of the project; each worker loads it). SIGTERM stops the
    server gracefully and the process exits with status 0; dead workers are replaced (the
    module docstring has the details).

    Args:
        root: The project folder.
        host: The address to listen on.
        port: The port to listen on.
        workers: Worker processes (uvicorn serves in this process when 1).
        server: "uvicorn" or "granian".
        dev: Serve for development: reload on save, error detail.
        started: When the command started, to print "Ready in N ms".
        ready_lines: Lines printed just before "Ready" (dev's URL: only once it is true).
        graceful_timeout: Seconds requests in flight get once the server is told to stop;
            `GRACEFUL_TIMEOUT` by default (1 in dev).
        log_format: "text" or "json" (`cli/log_setup.py`); None for "dev" in dev, else "text".
            Applied here, and by the server in each worker.
        access_log: One log line per request; None for the project's `access_log` setting.

    Raises:
        ConfigurationError: the project cannot load.
        ListenError: `host`:`port` cannot be listened on (in use, not allowed).
        MissingExtraError: granian (`server="granian"`) or watchfiles (`dev`) is not installed.
    """
    if server == "granian":
        MissingExtraError.check("--server granian", module="granian", extra="granian")
    if dev:
        MissingExtraError.check("approutes dev (reload on save)", module="watchfiles", extra="dev")
    if graceful_timeout is None:
        graceful_timeout = _DEV_GRACEFUL_TIMEOUT if dev else GRACEFUL_TIMEOUT
    if log_format is None:
        log_format = "dev" if dev else "text"
    log_config = configure_logging(log_format, colour=sys.stderr.isatty())
    metrics_folder = None
    if workers > 1:
        # NOTE: before the project loads here
        metrics_folder = share_metrics_between_workers(root, dev=dev)
    app = _create_app_printing_stale_manifest(root, dev=dev)
    settings = load_settings(root)  # the .env files are loaded now
    if server == "uvicorn" and app.socket_route_count:
        what = f"WebSocket routes on uvicorn ({app.socket_route_count} in this project)"
        MissingExtraError.check(what, module="websockets", extra="websockets")
    limits = ServerLimits(
        max_header_size=settings.max_header_size,
        largest_message=app.largest_message,
        ping_interval=settings.websocket_ping_interval,
    )
    logs = _ServerLogs(log_config, settings.access_log if access_log is None else access_log)
    os.environ[ROOT_VARIABLE] = str(root)
    os.environ[DEV_VARIABLE] = "1" if dev else "0"
    os.environ[ACCESS_LOG_VARIABLE] = "1" if logs.access else "0"
    os.environ[GRACEFUL_VARIABLE] = str(graceful_timeout)
    announce = _start_up_line(server, workers, host, port, app.route_count)
    if supervised(server, workers):
        # NOTE: these servers bind in their own (Rust or supervisor) code, which reports a
        # port in use with a traceback: try the address first and let it go. A server that
        # takes the port in between still fails, as the server reports it.
        _bind(host, port).close()
        announce()  # NOTE: their workers start in other processes: said as they launch
        hand_over(
            SupervisorPlan(
                server=server,
                host=host,
                port=port,
                workers=workers,
                graceful_timeout=graceful_timeout,
                limits=limits,
                log_config=log_config,
                metrics_folder=metrics_folder,
            )
        )
    bound = _bind(host, port)
    _exit_zero_on_sigterm()
    if not dev:
        tune_gc_for_serving()  # several workers tune themselves (worker_app.py)
    app.access_log = dev or logs.access
    ready = announce if started is None else _ready_printer(started, ready_lines)
    _serve_uvicorn(app, bound, graceful_timeout, limits, ready, logs)


class _ServerLogs:
    """How the server logs: the `dictConfig` its workers apply, and the access log switch."""

    __slots__ = ("access", "config")

    def __init__(self, config: dict[str, Any], access: bool) -> None:
        self.config = config
        self.access = access


def _start_up_line(
    server: ServerName, workers: int, host: str, port: int, routes: int
) -> Callable[[], None]:
    """What logs the one start-up line, with its parts as JSON fields."""
    url = f"http://{_browsable_host(host)}:{port}"

    def announce() -> None:
        server_log.info(
            "approutes %s started: %s, %d worker%s, %s, %d route%s",
            __version__,
            server,
            workers,
            "" if workers == 1 else "s",
            url,
            routes,
            "" if routes == 1 else "s",
            extra={
                "fields": {
                    "version": __version__,
                    "server": server,
                    "workers": workers,
                    "url": url,
                    "routes": routes,
                }
            },
        )

    return announce


def _browsable_host(host: str) -> str:
    """`host` as it goes in a URL a browser on this machine can open.

    >>> _browsable_host("0.0.0.0"), _browsable_host("::"), _browsable_host("::1")
    ('127.0.0.1', '[::1]', '[::1]')
    """
    if host in ("0.0.0.0", ""):  # noqa: S104 - any address: this machine's loopback opens it
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _create_app_printing_stale_manifest(root: Path, *, dev: bool) -> AsgiEntrypoint:
    """create_app, printing a stale build manifest as one `warning:` line on stderr.

    NOTE: Python's own display of a warning takes two lines and names approutes' source;
    other warnings are passed on to it untouched.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StaleManifestWarning)
        app = create_app(root, dev=dev)
    for warning in caught:
        if issubclass(warning.category, StaleManifestWarning):
            print_warning(str(warning.message))
        else:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return app


def _bind(host: str, port: int) -> socket.socket:
    """Bind `host`:`port` as the servers do; the server listens once it has started.

    NOTE: bound, not listening: while the app starts (and if its start-up fails) a client
    is refused, not queued and then dropped.

    Raises:
        ListenError: the address cannot be bound.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        # NOTE: as uvicorn and granian do: a port whose last connections are in TIME_WAIT
        # is free; one another server listens on is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            message = (
                f"port {port} is already in use on {host}: stop the server using it, "
                "or pick another port with --port"
            )
        else:
            message = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        raise ListenError(message) from None
    return sock


def _ready_printer(started: float, lines: tuple[str, ...]) -> Callable[[], None]:
    def print_ready() -> None:
        for line in lines:
            click.echo(line)
        click.echo(f"  ✓ Ready in {(time.perf_counter() - started) * 1e3:.0f}ms")

    return print_ready


def _serve_uvicorn(
    app: AsgiEntrypoint,
    bound: socket.socket,
    graceful_timeout: int,
    limits: ServerLimits,
    ready: Callable[[], None] | None,
    logs: _ServerLogs,
) -> None:
    """Serve `app` in this process on the `bound` socket, as `uvicorn.run` would.

    `ready` is called once the app has started and the socket listens.
    """
    import uvicorn  # noqa: PLC0415 - only when serving

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and ready is not None:
                ready()

    server = Server(_uvicorn_config(app, graceful_timeout, limits, logs))
    # NOTE: uvicorn re-raises the Ctrl-C it stopped on, once it has shut down.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[bound])
    if not server.started:
        sys.exit(3)  # NOTE: uvicorn's status when the lifespan start-up failed


def _uvicorn_config(
    app: AsgiEntrypoint, graceful_timeout: int, limits: ServerLimits, logs: _ServerLogs
) -> uvicorn.Config:
    import uvicorn  # noqa: PLC0415 - only when serving

    return uvicorn.Config(app, **uvicorn_options(limits, graceful_timeout, logs.config))


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
