"""Terminal output: the route table, errors, and plain lines."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["DevLogFormatter", "print_error", "print_table", "print_warning", "say", "table_lines"]

_STATUS_COLOURS = {2: "green", 3: "cyan", 4: "yellow", 5: "red"}


def say(text: str = "") -> None:
    """Print one line to standard output."""
    click.echo(text)


def print_error(text: str) -> None:
    """Print an error message to standard error, in red on a terminal."""
    click.secho(f"error: {text}", fg="red", err=True, color=sys.stderr.isatty() or None)


def print_warning(text: str) -> None:
    """Print a warning to standard error, in yellow on a terminal."""
    click.secho(f"warning: {text}", fg="yellow", err=True, color=sys.stderr.isatty() or None)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print rows under `headers` as aligned columns (the header in bold on a terminal)."""
    colour = sys.stdout.isatty()
    for number, line in enumerate(table_lines(headers, rows)):
        click.echo(click.style(line, bold=True) if number == 0 and colour else line)


def table_lines(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """`rows` under `headers`, each column as wide as its widest cell, as `pip list` prints.

    >>> for line in table_lines(["Route", "Methods"], [["/api/hello", "GET"], ["/", "GET POST"]]):
    ...     print(line)
    Route      Methods
    ---------- --------
    /api/hello GET
    /          GET POST
    """
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    rule = ["-" * width for width in widths]
    return [
        " ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (headers, rule, *rows)
    ]


class DevLogFormatter(logging.Formatter):
    """`approutes dev` log lines: the message alone; status and errors coloured on a terminal.

    An access record is shortened to `method path status in Nms`:

    >>> record = logging.LogRecord("approutes.access", logging.INFO, "", 0,
    ...                            "%s %s %d %.1fms %dB", ("GET", "/api/x", 404, 3.2, 21), None)
    >>> DevLogFormatter(colour=False).format(record)
    'GET /api/x 404 in 3ms'
    """

    def __init__(self, *, colour: bool) -> None:
        """Colour the output when `colour` (a terminal)."""
        super().__init__("%(message)s")
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        """Format one record."""
        if record.name == "approutes.access" and isinstance(record.args, tuple):
            method, path, status, millis, *_ = record.args
            shown = str(status)
            if self.colour:
                shown = click.style(shown, fg=_STATUS_COLOURS.get(int(shown) // 100))
            shown_millis = round(millis) if isinstance(millis, float | int) else millis
            return f"{method} {path} {shown} in {shown_millis}ms"
        text = super().format(record)
        if not self.colour:
            return text
        if record.levelno >= logging.ERROR:
            return click.style(text, fg="red")
        if record.levelno >= logging.WARNING:
            return click.style(text, fg="yellow")
        return text
