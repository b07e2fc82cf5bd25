"""Each handler inspected once: how many arguments it takes, and whether it is async."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from approutes.errors import RouteModuleError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["HandlerPlan", "plan_handler"]


@dataclass(frozen=True, slots=True)
class HandlerPlan:
    """A handler and how to call it: `arity` 0, 1 (request) or 2 (request, context)."""

    fn: Callable[..., Any]
    arity: int
    is_async: bool
    method: str
    file: str


def plan_handler(fn: object, method: str, file: str) -> HandlerPlan:
    """Inspect `fn` once, at load.

    Raises:
        RouteModuleError: `fn` is not callable, or needs more than two arguments.
    """
    if not callable(fn):
        raise RouteModuleError(
            code="handler-not-callable",
            files=(file,),
            problem=f"{method} is a {type(fn).__name__}, not a function",
            fix=f"define {method} as `async def {method}(request, context)`",
        )
    signature = inspect.signature(fn)
    positional = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    required = [p for p in positional if p.default is p.empty]
    takes_rest = any(p.kind == p.VAR_POSITIONAL for p in signature.parameters.values())
    required_kw = [
        p
        for p in signature.parameters.values()
        if p.kind == p.KEYWORD_ONLY and p.default is p.empty
    ]
    if len(required) > 2 or required_kw:
        raise RouteModuleError(
            code="handler-signature",
            files=(file,),
            problem=f"{method}{signature} needs arguments approutes cannot give",
            fix=f"take (request, context), (request) or nothing: `def {method}(request, context)`",
        )
    arity = 2 if takes_rest else min(len(positional), 2)
    return HandlerPlan(
        fn=fn,
        arity=arity,
        is_async=inspect.iscoroutinefunction(fn),
        method=method,
        file=file,
    )
