"""The `approutes` command group: new, dev, build, start, routes, openapi."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from approutes import __version__
from approutes.cli.console import print_error, print_table, say
from approutes.cli.log_setup import LOG_FORMATS, LogFormat
from approutes.cli.supervisor import start_ahead, supervised
from approutes.errors import ConfigurationError, ListenError, MissingExtraError

# PERF: each command imports what only it uses when it runs: `start` forks its supervisor
# before it imports the project's loader (supervisor.start_ahead), and no command pays for
# another's modules.

if TYPE_CHECKING:
    from collections.abc import Iterator

    from approutes.cli.serve import ServerName

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
@click.option(
    "--log-format",
    type=click.Choice(("dev", *LOG_FORMATS)),
    default="dev",
    show_default=True,
    help="dev: short coloured lines; text and json as `approutes start` writes them.",
)
def dev(root: Path, host: str, port: int, log_format: LogFormat) -> None:
    """Serve ROOT for development: reload on save, a log line per request, error detail."""
    from approutes.cli.serve import serve  # noqa: PLC0415 - only when run

    started = time.perf_counter()
    say(f"  approutes {__version__} (dev)")
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104 - display only
    with _stop_on_configuration_error():
        serve(
            root.resolve(),
            host=host,
            port=port,
            server="uvicorn",
            dev=True,
            log_format=log_format,
            started=started,
            ready_lines=(f"  - Local: http://{shown}:{port}",),
        )


@cli.command()
@_root_argument
@click.option("--host", default="0.0.0.0", show_default=True)  # noqa: S104 - a server's default
@click.option("--port", "-p", default=3000, show_default=True, type=int)
@click.option("--workers", "-w", default=1, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--server",
    type=click.Choice(["auto", "uvicorn", "granian"]),
    default="auto",
    show_default=True,
    help="auto: granian when installed (approutes[granian]), else uvicorn.",
)
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default="text",
    show_default=True,
    help="text: time, level, logger, message; json: one object per line.",
)
@click.option(
    "--access-log/--no-access-log",
    default=None,
    help="One log line per request [default: the access_log setting, on].",
)
def start(
    root: Path,
    host: str,
    port: int,
    workers: int,
    server: str,
    log_format: LogFormat,
    access_log: bool | None,
) -> None:
    """Serve ROOT in production, from its build manifest when there is one."""
    chosen = _server(server)
    if supervised(chosen, workers):
        # PERF: the supervisor starts while this process's child checks the project
        start_ahead(chosen)
    from approutes.cli.serve import serve  # noqa: PLC0415 - in the child, after the fork

    with _stop_on_configuration_error():
        serve(
            root.resolve(),
            host=host,
            port=port,
            workers=workers,
            server=chosen,
            log_format=log_format,
            access_log=access_log,
        )


@cli.command()
@_root_argument
def build(root: Path) -> None:
    """Check every route of ROOT and write .approutes/manifest.json."""
    from approutes.build.route_rows import ROUTE_HEADERS  # noqa: PLC0415 - only when run
    from approutes.cli.build_command import build_project  # noqa: PLC0415

    started = time.perf_counter()
    with _stop_on_configuration_error():
        result = build_project(root.resolve())
    # COMPAT(next): `next build` marks each route ○ (static) or ƒ (dynamic), with a legend.
    marked = [
        (f"{'○' if row[0] in result.static else 'ƒ'} {row[0]}", *row[1:]) for row in result.rows
    ]
    print_table(ROUTE_HEADERS, marked)
    say()
    if result.proxy is not None:
        # COMPAT(next 16): `next build` lists the proxy below the routes as "ƒ Proxy (Middleware)".
        say(f"ƒ Proxy ({result.proxy})")
        say()
    say("○  (Static)   cached: rendered once without a request, served from the cache")
    say("ƒ  (Dynamic)  rendered for each request")
    say()
    elapsed = (time.perf_counter() - started) * 1e3
    written = result.manifest.relative_to(root.resolve())
    say(f"Built {len(result.rows)} routes in {elapsed:.0f}ms -> {written}")
    if result.prerendered:
        say(f"Prerendered {len(result.prerendered)}: {', '.join(result.prerendered)}")


@cli.command()
@click.argument("name", type=click.Path(path_type=Path))
def new(name: Path) -> None:
    """Create a project in the new folder NAME, ready for `approutes dev`."""
    from approutes.cli.scaffold import TemplateMissingError, create_project  # noqa: PLC0415

    try:
        files = create_project(name)
    except (FileExistsError, TemplateMissingError) as exc:
        print_error(str(exc))
        sys.exit(1)
    say(f"Created {name} ({len(files)} files): hello, users CRUD on SQLite, search, files,")
    say("upload, sign-in and a private route, server-sent events, and tests.")
    say()
    say(f"  cd {name}")
    say("  approutes dev          # http://localhost:3000/api/hello")
    say("  pytest                 # the tests in tests/")


@cli.command()
@_root_argument
def info(root: Path) -> None:
    """Print what a bug report needs: versions, the project's layout, settings and routes."""
    from approutes.cli.info_command import info_lines  # noqa: PLC0415 - only when run

    with _stop_on_configuration_error():
        lines = info_lines(root.resolve())
    for line in lines:
        say(line)


@cli.command()
@_root_argument
@click.option("--json", "as_json", is_flag=True, help="Print JSON records, for scripts.")
def routes(root: Path, as_json: bool) -> None:
    """Print the route table of ROOT: URL pattern, methods, file, config."""
    from approutes.build.route_rows import (  # noqa: PLC0415 - only when run
        ROUTE_HEADERS,
        route_records,
        route_rows,
    )
    from approutes.project.env_files import load_env_files  # noqa: PLC0415
    from approutes.route_loading import load_routes  # noqa: PLC0415

    project = root.resolve()
    with _stop_on_configuration_error():
        load_env_files(project, "production")
        table, modules = load_routes(project)
    if as_json:
        click.echo(json.dumps(route_records(table, modules), indent=2, default=str))
        return
    print_table(ROUTE_HEADERS, route_rows(table, modules))


@cli.command()
@_root_argument
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the document to this file instead of printing it.",
)
def openapi(root: Path, output: Path | None) -> None:
    """Print the OpenAPI 3.1 document of ROOT (JSON), from its routes and type hints."""
    from approutes.openapi import OPENAPI_VERSION, openapi_document  # noqa: PLC0415 - only when run
    from approutes.route_loading import load_routes  # noqa: PLC0415
    from approutes.settings.model import load_settings  # noqa: PLC0415

    with _stop_on_configuration_error():
        project = root.resolve()
        table, modules = load_routes(project)
        base_path = load_settings(project).base_path
        document = openapi_document(table, modules, title=project.name, base_path=base_path)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    paths = document["paths"]
    operations = sum(len(item) for item in paths.values())
    say(f"Wrote OpenAPI {OPENAPI_VERSION}: {len(paths)} paths, {operations} operations -> {output}")


def main() -> None:
    """Entry point of the `approutes` command."""
    cli()


def _server(choice: str) -> ServerName:
    """The server `--server` names; `auto` is granian where it is installed, else uvicorn."""
    if choice == "auto":
        return "granian" if importlib.util.find_spec("granian") is not None else "uvicorn"
    return "granian" if choice == "granian" else "uvicorn"


@contextmanager
def _stop_on_configuration_error() -> Iterator[None]:
    """Print a ConfigurationError, ListenError or MissingExtraError as its message and exit 1.

    No traceback of approutes' own; a file that raised while importing gets its traceback.
    """
    try:
        yield
    except ConfigurationError as exc:
        cause = exc.cause_traceback()
        if cause:
            click.echo(cause, err=True)  # what the message's "traceback above" points at
        print_error(exc.render())
        sys.exit(1)
    except (ListenError, MissingExtraError) as exc:
        print_error(str(exc))
        sys.exit(1)
