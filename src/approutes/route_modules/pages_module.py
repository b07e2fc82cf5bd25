"""PagesModule: one pages/api file imported once, its `handler(req, res)` and config checked."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from approutes.errors import RouteModuleError
from approutes.project.importer import import_user_file
from approutes.route_modules.pages_config import PagesConfig, read_pages_config

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

__all__ = ["HANDLER_NAME", "PagesModule", "load_pages_module"]

HANDLER_NAME = "handler"
"""The name a pages/api file exports its handler under (Next: the default export)."""

_APP_ROUTER_NAMES = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True, slots=True)
class PagesModule:
    """A loaded pages/api file: its handler, how to call it, and its config."""

    file: str
    handler: Callable[[Any, Any], Any]
    is_async: bool
    config: PagesConfig


def load_pages_module(root: Path, file: str) -> PagesModule:
    """Import `file` and check its `handler` and `config`.

    Raises:
        RouteModuleError: import failure; no `handler` or one that is not a function
            (`pages-without-handler`); a handler that cannot take `(req, res)`
            (`pages-handler-signature`); a bad `config` (`bad-pages-config`).
    """
    module = import_user_file(root, file)
    handler = getattr(module, HANDLER_NAME, None)
    if not callable(handler):
        raise _without_handler(file, module, handler)
    _check_signature(handler, file)
    config = read_pages_config(getattr(module, "config", None), file)
    is_async = inspect.iscoroutinefunction(handler)
    return PagesModule(file=file, handler=handler, is_async=is_async, config=config)


def _without_handler(file: str, module: object, handler: object) -> RouteModuleError:
    if handler is not None:
        problem = f"handler is a {type(handler).__name__}, not a function"
    else:
        problem = "the module exports no handler"
        app_names = [name for name in _APP_ROUTER_NAMES if hasattr(module, name)]
        if app_names:
            problem += (
                f"; it defines {', '.join(app_names)}, which are App Router names (app/**/route.py)"
            )
    return RouteModuleError(
        code="pages-without-handler",
        files=(file,),
        problem=problem,
        fix="define `def handler(req, res):` (Next's default export), e.g. "
        '`res.status(200).json({"name": "John Doe"})`',
    )


def _check_signature(handler: Callable[..., Any], file: str) -> None:
    try:
        signature = inspect.signature(handler)
    except (TypeError, ValueError):
        return  # NOTE: a callable without a readable signature is tried as it is
    try:
        signature.bind(None, None)
    except TypeError:
        raise RouteModuleError(
            code="pages-handler-signature",
            files=(file,),
            problem=f"handler{signature} cannot be called with (req, res)",
            fix="define it as `def handler(req, res):` (or `async def`)",
        ) from None
