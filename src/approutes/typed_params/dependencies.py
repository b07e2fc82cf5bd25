"""Dependencies (`Use(fn)`): planned once at load, resolved in order per request.

At load, every dependency a handler reaches (through its own parameters and theirs) is
planned once: its kind (function, coroutine, generator, async generator) and the binding of
its parameters. They are put in an order where each comes after the dependencies it takes;
a cycle is refused. Per request, `resolve` calls them in that order, each once, and gives
the handler's binding their values keyed by the dependency.

A dependency's value that is a Response ends the request with it (`DependencyAnswer`, a
control-flow signal the handler runner turns into that response). Generators are resumed
after the response is sent, last opened first, in one `after()` callback.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from approutes.errors import ControlFlowSignal
from approutes.log import error_log
from approutes.server import after
from approutes.web.response import Response

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from approutes.web.request import NextRequest

__all__ = [
    "DependencyAnswer",
    "DependencyBinding",
    "DependencyPlan",
    "describe",
    "plan_dependencies",
    "resolve",
]

Kind = Literal["function", "coroutine", "generator", "async_generator"]

_DONE = object()


class DependencyBinding(Protocol):
    """How a dependency's own parameters are filled (typed_params/binding.py's TypedBinding).

    A protocol here, so that the binding that plans dependencies is not imported back.
    """

    @property
    def sources(self) -> Sequence[Any]:
        """Where each parameter comes from (`ParamSource`s; `.use` names a dependency)."""
        ...

    async def arguments(
        self,
        request: NextRequest,
        params: dict[str, str | list[str]],
        context: object,
        resolved: dict[Any, Any] | None = None,
    ) -> dict[str, Any]:
        """The keyword arguments for one request."""
        ...


@dataclass(frozen=True, slots=True)
class DependencyPlan:
    """One dependency and how to call it.

    Attributes:
        fn: The dependency, as given to `Use()`; its value is keyed by it.
        name: Its qualified name, for messages.
        kind: How it is called: a function in a worker thread, a coroutine on the loop, a
            generator (in a worker thread) or an async generator up to its first `yield`.
        binding: How its own parameters are filled.
    """

    fn: Callable[..., Any]
    name: str
    kind: Kind
    binding: DependencyBinding


_Opened = tuple[DependencyPlan, Generator[Any] | AsyncGenerator[Any]]
"""A generator dependency past its `yield`, waiting for the clean-up."""


class DependencyAnswer(ControlFlowSignal):
    """A dependency returned a Response: it is the request's answer, the handler is not called."""

    def __init__(self, response: Response) -> None:
        """Carry the response."""
        self.response = response
        super().__init__(response.status)


def plan_dependencies(
    roots: Iterable[Callable[..., Any]], bind: Callable[[Callable[..., Any]], DependencyBinding]
) -> tuple[DependencyPlan, ...]:
    """Every dependency reachable from `roots`, each once, each after those it takes.

    `bind` analyses one dependency's parameters (as for a handler); a `dependency` source
    of its binding names another dependency (`ParamSource.use`).

    Raises:
        TypeError: a cycle, a dependency that is not a hashable callable, or one whose
            parameters `bind` refuses; the message names the dependency.
    """
    planned: dict[Callable[..., Any], DependencyPlan] = {}
    order: list[DependencyPlan] = []
    path: list[Callable[..., Any]] = []

    def visit(fn: Callable[..., Any]) -> None:
        _check_callable(fn)
        if fn in planned:
            return
        if fn in path:
            cycle = " -> ".join(describe(f) for f in (*path[path.index(fn) :], fn))
            raise TypeError(f"the dependencies form a cycle: {cycle}")
        path.append(fn)
        try:
            binding = bind(fn)
        except TypeError as exc:
            raise TypeError(f"dependency {describe(fn)}: {exc}") from exc
        for source in binding.sources:
            if source.source == "dependency":
                visit(source.use)
        path.pop()
        plan = DependencyPlan(fn, describe(fn), _kind(fn), binding)
        planned[fn] = plan
        order.append(plan)

    for root in roots:
        visit(root)
    return tuple(order)


async def resolve(
    plans: tuple[DependencyPlan, ...], request: NextRequest, params: Any, context: object
) -> dict[Any, Any]:
    """Call `plans` in order for one request; their values, keyed by dependency.

    Generators opened are resumed after the response is sent (with the `after()`
    callbacks), even when a later dependency or the handler fails.

    Raises:
        DependencyAnswer: a dependency returned a Response.
        pydantic.ValidationError: a dependency's parameter does not fit its annotation.
        Exception: whatever a dependency raised (an HTTPError is answered as such).
    """
    values: dict[Any, Any] = {}
    opened: list[_Opened] = []
    try:
        for plan in plans:
            # PERF: no `arguments` coroutine for a dependency that takes nothing, and a
            # coroutine awaited here, not in `_call`: 3.1k instructions fewer a request for
            # `Use(auth.required)` (callgrind, bench/realwork_cost.py S9).
            if plan.binding.sources:
                arguments = await plan.binding.arguments(request, params, context, values)
            else:
                arguments = {}
            if plan.kind == "coroutine":
                value = await plan.fn(**arguments)
            else:
                value = await _call(plan, arguments, opened)
            if isinstance(value, Response):
                raise DependencyAnswer(value)
            values[plan.fn] = value
    finally:
        if opened:
            after(functools.partial(_close, tuple(opened)))
    return values


def describe(fn: object) -> str:
    """A dependency's name for messages: `lib.auth.require_admin`, `Auth.required`."""
    target = getattr(fn, "func", fn)  # a functools.partial
    module = getattr(target, "__module__", None)
    name = getattr(target, "__qualname__", None) or type(target).__qualname__
    # NOTE: a route file's module has a made-up name; the messages name the file already.
    plain = not module or module == "builtins" or ":" in module
    return name if plain else f"{module}.{name}"


async def _call(
    plan: DependencyPlan,
    arguments: dict[str, Any],
    opened: list[_Opened],
) -> Any:
    """Call a function or generator dependency (a coroutine is awaited by `resolve`)."""
    kind = plan.kind
    if kind == "function":
        # NOTE: a worker thread, as for a sync handler: a sync dependency may block.
        return await asyncio.to_thread(plan.fn, **arguments)
    if kind == "async_generator":
        agen = plan.fn(**arguments)
        value = await anext(agen, _DONE)
        if value is not _DONE:
            opened.append((plan, agen))
    else:
        gen = plan.fn(**arguments)
        # NOTE: the sentinel, not StopIteration, which cannot cross a Future.
        value = await asyncio.to_thread(next, gen, _DONE)
        if value is not _DONE:
            opened.append((plan, gen))
    if value is _DONE:
        raise RuntimeError(f"the dependency {plan.name} returned without yielding a value")
    return value


async def _close(opened: tuple[_Opened, ...]) -> None:
    """Run the code after each generator's `yield`, the last opened first.

    Raises:
        Exception: the first clean-up that raised (the others are logged); `run_after` logs
            and reports it as an `after()` callback's.
    """
    first: Exception | None = None
    for plan, gen in reversed(opened):
        try:
            if isinstance(gen, AsyncGenerator):
                more = await anext(gen, _DONE)
            else:
                more = await asyncio.to_thread(next, gen, _DONE)
            if more is not _DONE:
                raise RuntimeError(f"the dependency {plan.name} yielded more than once")
        except Exception as exc:  # noqa: BLE001 - every clean-up runs; the first is raised
            if first is None:
                first = exc
            else:
                error_log.error("the clean-up of %s raised", plan.name, exc_info=exc)
    if first is not None:
        raise first


def _kind(fn: Callable[..., Any]) -> Kind:
    target: Any = fn
    if not (inspect.isroutine(fn) or isinstance(fn, functools.partial)):
        target = type(fn).__call__  # a callable object
    if inspect.isasyncgenfunction(target):
        return "async_generator"
    if inspect.isgeneratorfunction(target):
        return "generator"
    if inspect.iscoroutinefunction(target):
        return "coroutine"
    return "function"


def _check_callable(fn: object) -> None:
    if not callable(fn):
        raise TypeError(f"Use() takes a function, got {type(fn).__name__} {fn!r}")
    try:
        hash(fn)
    except TypeError:
        raise TypeError(
            f"the dependency {describe(fn)} cannot be told apart per request (it is not "
            "hashable): pass a function, a method or a hashable callable object"
        ) from None
