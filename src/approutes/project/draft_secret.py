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
    path = root / _FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    temporary.write_text(secret, encoding="ascii")
    temporary.chmod(0o600)
    temporary.replace(path)
    return secret


def read_draft_secret(root: Path) -> str:
    """The secret of the project at `root`, made now if no build made one.

    Every worker of one machine reads the same file; the first to find none writes it,
    exactly one of them (the file is created exclusively).
    """
    path = root / _FILE
    with contextlib.suppress(FileNotFoundError):
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    temporary.write_text(secrets.token_hex(32), encoding="ascii")
    temporary.chmod(0o600)
    try:
        # NOTE: a hard link appears whole or not at all, and only one process makes it:
        # the others read the file of the first, never a half-written one.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text(encoding="ascii").strip()
