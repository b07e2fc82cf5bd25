"""Each handler inspected once: how many arguments it takes, and whether it is async."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from approutes.errors import RouteModuleError
from approutes.typed_params.answers import AnswerDeclarationError
from approutes.typed_params.binding import analyse_handler

if TYPE_CHECKING:
    from collections.abc import Callable

    from approutes.typed_params.binding import TypedBinding

__all__ = ["TYPED", "HandlerPlan", "plan_handler"]


TYPED = 3
"""The arity of a typed handler: called with keyword arguments its `binding` fills."""


@dataclass(frozen=True, slots=True)
class HandlerPlan:
    """A handler and how to call it.

    `arity` is 0, 1 (request), 2 (request, context), or TYPED (keyword arguments from
    `binding`: path, query, header and body parameters, validated).
    """

    fn: Callable[..., Any]
    arity: int
    is_async: bool
    method: str
    file: str
    binding: TypedBinding | None = None
    takes_socket: bool = False
    """Whether it takes WebSocket upgrades (a `WebSocket` parameter)."""


def plan_handler(
    fn: object, method: str, file: str, route_params: tuple[str, ...] = ()
) -> HandlerPlan:
    """Inspect `fn` once, at load.

    `route_params` are the names of the route's dynamic segments (for typed path params).

    Raises:
        RouteModuleError: `fn` is not callable, needs arguments approutes cannot give,
            has a typed parameter whose source cannot be told, or declares contradictory
            answers (`Status()`, `Raises()`).
    """
    if not callable(fn):
        raise RouteModuleError(
            code="handler-not-callable",
            files=(file,),
            problem=f"{method} is a {type(fn).__name__}, not a function",
            fix=f"define {method} as `async def {method}(request, context)`",
        )
    signature = inspect.signature(fn)
    if _looks_typed(signature):
        try:
            binding = analyse_handler(fn, route_params, method, file=file)
        except AnswerDeclarationError as exc:
            raise RouteModuleError(
                code="handler-answers",
                files=(file,),
                problem=f"{method}: {exc}",
                fix="see docs/validation.md#declaring-answers for Status() and Raises()",
            ) from exc
        except TypeError as exc:
            raise RouteModuleError(
                code="handler-signature",
                files=(file,),
                problem=f"{method}{signature}: {exc}",
                fix="see docs/validation.md for the parameters a typed handler may take",
            ) from exc
        if binding is not None:
            is_async = inspect.iscoroutinefunction(fn)
            if binding.takes_socket and not is_async:
                raise RouteModuleError(
                    code="handler-signature",
                    files=(file,),
                    problem=f"{method} takes a WebSocket but is not async",
                    fix=f"define it as `async def {method}(request, socket: WebSocket)`",
                )
            return HandlerPlan(fn, TYPED, is_async, method, file, binding, binding.takes_socket)
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


_PLAIN_NAMES = frozenset({"request", "context", "req", "ctx", "_request", "_context"})
_PLAIN_ANNOTATIONS = frozenset({"NextRequest", "RouteContext", "Request", "Any", "object"})


def _looks_typed(signature: inspect.Signature) -> bool:
    """Whether a signature may hold typed parameters (cheap: no type hints resolved)."""
    parameters = list(signature.parameters.values())
    if len(parameters) > 2:
        return True
    for parameter in parameters:
        annotation = parameter.annotation
        if annotation is parameter.empty:
            if parameter.name not in _PLAIN_NAMES and parameter.kind <= parameter.KEYWORD_ONLY:
                return True
            continue
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if text.rsplit(".", 1)[-1] not in _PLAIN_ANNOTATIONS:
            return True
    returned = signature.return_annotation
    if returned is signature.empty or returned is None:
        return False
    text = returned if isinstance(returned, str) else getattr(returned, "__name__", "")
    return not text.rsplit(".", 1)[-1].endswith("Response") and text not in ("None", "Any")
