"""Imports a user's file by path, under a stable module name, with the project root on sys.path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from approutes.errors import ConfigurationError, RouteModuleError

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["MODULE_PREFIX", "forget_project_modules", "import_user_file", "module_name_for"]

MODULE_PREFIX = "approutes_project:"


def module_name_for(root: Path, relative_file: str) -> str:
    """Return the name a project file is imported under.

    Stable, unique per project, and never clashing with a package.

    >>> module_name_for(Path("/srv/app"), "app/api/users/[id]/route.py")
    'approutes_project:/srv/app:app/api/users/[id]/route.py'
    """
    return f"{MODULE_PREFIX}{root.as_posix()}:{relative_file}"


def import_user_file(root: Path, relative_file: str) -> ModuleType:
    """Import `root / relative_file` once and return the module.

    The project root goes first on sys.path so the file can `from lib.db import db`; for a
    file under `src/`, `src/` goes before it (Next's `src/` layout: `lib` is `src/lib`).

    Raises:
        RouteModuleError: the file raised while importing (its traceback is chained).
    """
    bases = [root, root / "src"] if relative_file.startswith("src/") else [root]
    for base in bases:
        text = str(base)
        if text not in sys.path:
            sys.path.insert(0, text)
    name = module_name_for(root, relative_file)
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(name, root / relative_file)
    if spec is None or spec.loader is None:
        raise RouteModuleError(
            code="route-import-failed", files=(relative_file,), problem="it cannot be imported"
        )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except ConfigurationError:
        del sys.modules[name]  # already names its file and problem (e.g. approutes.auth)
        raise
    except Exception as exc:
        del sys.modules[name]
        raise RouteModuleError(
            code="route-import-failed",
            files=(relative_file,),
            problem=f"importing it raised {type(exc).__name__}: {exc}",
            fix="fix the error in the file (the traceback above shows where)",
        ) from exc
    return module


def forget_project_modules(root: Path) -> None:
    """Drop every module imported from `root` so the next import reads the files again."""
    root = root.resolve()
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if name.startswith(f"{MODULE_PREFIX}{root.as_posix()}:") or (
            file and _is_under(Path(file), root)
        ):
            del sys.modules[name]


def _is_under(file: Path, root: Path) -> bool:
    try:
        file.resolve().relative_to(root)
    except ValueError:
        return False
    return ".venv" not in file.parts and "site-packages" not in file.parts
