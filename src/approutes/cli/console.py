"""Terminal output: the route table, errors, and the ready line."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["print_error", "print_table", "say"]


def say(text: str = "") -> None:
    """Print one line to standard output."""
    click.echo(text)


def print_error(text: str) -> None:
    """Print an error message to standard error, in red on a terminal."""
    click.secho(f"error: {text}", fg="red", err=True, color=sys.stderr.isatty() or None)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print rows as aligned columns under `headers`."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    say(line.rstrip())
    say("  ".join("-" * w for w in widths))
    for row in rows:
        say("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
