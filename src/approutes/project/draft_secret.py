"""The draft-mode secret of a build: `.approutes/draft-mode-secret`, shared by its workers."""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["new_draft_secret", "read_draft_secret"]

_FILE = ".approutes/draft-mode-secret"


def new_draft_secret(root: Path) -> str:
    """Write a fresh secret for the project at `root` (`approutes build`): old cookies stop."""
    _write_secret(root / _FILE, replace=True)
    return read_draft_secret(root)


def read_draft_secret(root: Path) -> str:
    """The secret of the project at `root`, made now if no build made one.

    Every worker of one machine reads the same file; the first to find none writes it,
    exactly one of them.
    """
    path = root / _FILE
    with contextlib.suppress(FileNotFoundError):
        return path.read_text(encoding="ascii").strip()
    _write_secret(path, replace=False)
    return path.read_text(encoding="ascii").strip()


def _write_secret(path: Path, *, replace: bool) -> None:
    """Put a new secret at `path`, whole: over the old one, or only if there is none.

    NOTE: written aside first, then renamed over (`replace`) or hard-linked in: a link
    appears whole or not at all, and only one process makes it, so no reader ever sees a
    half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    temporary.write_text(secrets.token_hex(32), encoding="ascii")
    temporary.chmod(0o600)
    if replace:
        temporary.replace(path)
        return
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another worker made it first: its secret is the one
    finally:
        temporary.unlink()
