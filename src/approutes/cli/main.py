"""The `approutes` command group: dev, build, start, routes."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import NoReturn

import click

from approutes import __version__
from approutes.build.builder import build_project
from approutes.build.route_rows import ROUTE_HEADERS, route_rows
from approutes.cli.console import print_error, print_table, say
from approutes.cli.serve import ServerName, serve
from approutes.errors import ConfigurationError
from approutes.project.routes import load_routes

__all__ = ["cli", "main"]

_root_argument = click.argument(
    "root", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path)
)


@click.group()
@click.version_option(__version__, prog_name="approutes")
def cli() -> None:
    """approutes: Next.js App Router route handlers, in Python."""


@cli.command()
@_root_argument
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", "-p", default=3000, show_default=True, type=int)
def dev(root: Path, host: str, port: int) -> None:
    """Serve ROOT for development: reload on save, a log line per request, error detail."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    say(f"  approutes {__version__} (dev)")
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104 - display only
    say(f"  - Local: http://{shown}:{port}")
    _serve_or_exit(root, host=host, port=port, dev=True, started=started)


@cli.command()
@_root_argument
@click.option("--host", default="0.0.0.0", show_default=True)  # noqa: S104 - a server's default
@click.option("--port", "-p", default=3000, show_default=True, type=int)
@click.option("--workers", "-w", default=1, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--server", type=click.Choice(["uvicorn", "granian"]), default="granian", show_default=True
)
def start(root: Path, host: str, port: int, workers: int, server: ServerName) -> None:
    """Serve ROOT in production, from its build manifest when there is one."""
    _serve_or_exit(root, host=host, port=port, workers=workers, server=server)


@cli.command()
@_root_argument
def build(root: Path) -> None:
    """Check every route of ROOT and write .approutes/manifest.json."""
    started = time.perf_counter()
    try:
        result = build_project(root.resolve())
    except ConfigurationError as exc:
        _exit_with(exc)
    print_table(ROUTE_HEADERS, result.rows)
    say()
    elapsed = (time.perf_counter() - started) * 1e3
    written = result.manifest.relative_to(root.resolve())
    say(f"Built {len(result.rows)} routes in {elapsed:.0f}ms -> {written}")


@cli.command()
@_root_argument
def routes(root: Path) -> None:
    """Print the route table of ROOT: URL pattern, methods, file, config."""
    try:
        table, modules = load_routes(root.resolve())
    except ConfigurationError as exc:
        _exit_with(exc)
    print_table(ROUTE_HEADERS, route_rows(table, modules))


def main() -> None:
    """Entry point of the `approutes` command."""
    cli()


def _serve_or_exit(
    root: Path,
    *,
    host: str,
    port: int,
    workers: int = 1,
    server: ServerName = "uvicorn",
    dev: bool = False,
    started: float | None = None,
) -> None:
    try:
        serve(
            root.resolve(),
            host=host,
            port=port,
            workers=workers,
            server=server,
            dev=dev,
            started=started,
        )
    except ConfigurationError as exc:
        _exit_with(exc)


def _exit_with(exc: ConfigurationError) -> NoReturn:
    print_error(exc.render())
    sys.exit(1)
