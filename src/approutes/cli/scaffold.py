"""`approutes new`: a copy of the example project, ready to run, with its own secret."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

__all__ = ["TemplateMissingError", "create_project", "template_dir"]

_NOT_COPIED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.sqlite3", "uploads", ".approutes", ".pytest_cache", ".env.local"
)
_GITIGNORE = """\
.env.local
*.sqlite3
uploads/
.approutes/
__pycache__/
.venv/
"""


class TemplateMissingError(RuntimeError):
    """This installation of approutes has no project template (a broken install)."""


def template_dir() -> Path:
    """The project template: packaged in the wheel, or `examples/basic` of a source checkout.

    Raises:
        TemplateMissingError: neither is there.
    """
    here = Path(__file__).resolve()
    packaged = here.parent.parent / "project_template"
    if packaged.is_dir():
        return packaged
    checkout = here.parents[3] / "examples" / "basic"
    if checkout.is_dir():
        return checkout
    raise TemplateMissingError(
        "the project template is missing from this installation; reinstall approutes"
    )


def create_project(target: Path) -> list[str]:
    """Write a new project into `target` (created; must be empty) and return its files.

    `.env.local` gets a fresh AUTH_SECRET, so sessions work at once.

    Raises:
        FileExistsError: `target` exists and is not an empty folder.
    """
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} already exists and is not empty; choose a new name")
    shutil.copytree(template_dir(), target, ignore=_NOT_COPIED, dirs_exist_ok=True)
    (target / ".env.local").write_text(
        f"AUTH_SECRET={secrets.token_urlsafe(32)}\n", encoding="utf-8"
    )
    (target / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
    return sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
