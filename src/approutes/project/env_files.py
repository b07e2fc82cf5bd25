"""`.env` files, loaded into the environment in Next's order; the real environment wins."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

from dotenv import dotenv_values

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["Mode", "env_file_names", "load_env_files"]

Mode = Literal["development", "production", "test"]

# The values this process took from .env files, so that a reload can take them back.
_loaded: dict[str, str] = {}


def env_file_names(mode: Mode) -> list[str]:
    """The files to read, the one that wins first.

    >>> env_file_names("development")
    ['.env.development.local', '.env.local', '.env.development', '.env']

    Next.js: `.env.local` is skipped in the test mode, so tests see the same values everywhere.
    """
    names = [f".env.{mode}.local", ".env.local", f".env.{mode}", ".env"]
    if mode == "test":
        names.remove(".env.local")
    return names


def load_env_files(root: Path, mode: Mode) -> list[str]:
    """Put the variables of `root`'s `.env` files into `os.environ`; return the files read.

    A variable already in the real environment is left alone; between files, the earlier in
    `env_file_names(mode)` wins. Values may refer to others as `${NAME}`. Calling it again
    (a dev reload) first takes back what the previous call set.
    """
    for name, value in _loaded.items():
        if os.environ.get(name) == value:
            del os.environ[name]
    _loaded.clear()
    read = []
    for file_name in env_file_names(mode):
        path = root / file_name
        if not path.is_file():
            continue
        read.append(file_name)
        for key, text in dotenv_values(path, interpolate=True).items():
            if text is not None and key not in os.environ:
                os.environ[key] = text
                _loaded[key] = text
    return read
