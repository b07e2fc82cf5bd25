"""`instrumentation.py`: `register()`, `shutdown()` and `on_request_error()`."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from approutes.errors import RouteModuleError
from approutes.project.importer import import_user_file
from approutes.project.source_dir import code_file

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["INSTRUMENTATION_FILE", "Hook", "Instrumentation", "load_instrumentation"]

INSTRUMENTATION_FILE = "instrumentation.py"

Hook = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Instrumentation:
    """The hooks of a project's `instrumentation.py` (None for each it does not define).

    Attributes:
        register: Awaited before the first request (a sync one runs in a thread).
        shutdown: Awaited at exit.
        on_request_error: Called as `(error, request, context)` for each uncaught error,
            sync or async, as the user wrote it.
    """

    register: Hook | None = None
    shutdown: Hook | None = None
    on_request_error: Callable[..., Any] | None = None


def load_instrumentation(root: Path) -> Instrumentation:
    """Import `instrumentation.py` if the project has one; return its hooks.

    `register` and `shutdown` are made awaitable: an async function is awaited, a sync one
    runs in a thread.

    Raises:
        RouteModuleError: the file raised while importing, `register`/`shutdown` is not a
            function that takes no arguments, or `on_request_error` is not a function
            that takes (error, request, context).
    """
    file = code_file(root, INSTRUMENTATION_FILE)
    if not (root / file).is_file():
        return Instrumentation()
    module = import_user_file(root, file)
    on_request_error = getattr(module, "on_request_error", None)
    if on_request_error is not None and not _takes_three(on_request_error):
        raise RouteModuleError(
            code="bad-instrumentation",
            files=(INSTRUMENTATION_FILE,),
            problem="on_request_error must be a function that takes (error, request, context)",
        )
    return Instrumentation(_hook(module, "register"), _hook(module, "shutdown"), on_request_error)


def _takes_three(fn: object) -> bool:
    if not callable(fn):
        return False
    try:
        inspect.signature(fn).bind(object(), object(), object())
    except TypeError:
        return False
    except ValueError:  # no signature to inspect (a builtin): let it be called
        return True
    return True


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
