"""`instrumentation.py`: `register()` before the first request, `shutdown()` at exit."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from approutes.errors import RouteModuleError
from approutes.project.importer import import_user_file

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["INSTRUMENTATION_FILE", "Hook", "load_instrumentation"]

INSTRUMENTATION_FILE = "instrumentation.py"

Hook = Callable[[], Awaitable[None]]


def load_instrumentation(root: Path) -> tuple[Hook | None, Hook | None]:
    """Import `instrumentation.py` if the project has one; return its (register, shutdown).

    Each is made awaitable: an async function is awaited, a sync one runs in a thread.

    Raises:
        RouteModuleError: the file raised while importing, or `register`/`shutdown` is not
            a function that takes no arguments.
    """
    if not (root / INSTRUMENTATION_FILE).is_file():
        return None, None
    module = import_user_file(root, INSTRUMENTATION_FILE)
    return _hook(module, "register"), _hook(module, "shutdown")


def _hook(module: Any, name: str) -> Hook | None:
    fn = getattr(module, name, None)
    if fn is None:
        return None
    if not callable(fn) or _required_parameters(fn):
        raise RouteModuleError(
            code="bad-instrumentation",
            files=(INSTRUMENTATION_FILE,),
            problem=f"{name} must be a function that takes no arguments",
        )
    if inspect.iscoroutinefunction(fn):
        return fn  # type: ignore[no-any-return]

    async def in_thread() -> None:
        await asyncio.to_thread(fn)

    return in_thread


def _required_parameters(fn: Callable[..., object]) -> int:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 0
    return sum(1 for p in parameters if p.default is p.empty and p.kind <= p.POSITIONAL_OR_KEYWORD)
