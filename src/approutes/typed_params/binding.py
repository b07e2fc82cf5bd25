"""TypedBinding: a typed handler's parameters, found at load, filled and validated per request.

A parameter comes from:
- the request (annotated `NextRequest`, or named `request`) or the context (`RouteContext`,
  or named `context`), as for any handler;
- the WebSocket of an upgrade (annotated `WebSocket`, on GET only): a required one makes the
  route take WebSocket connections only (plain HTTP is answered 426), `WebSocket | None`
  serves both, with None for plain HTTP;
- the path, when its name is one of the route's params (`id: int` for `[id]`);
- the search params (`Annotated[T, Query()]`, or a model `Annotated[Model, Query()]`);
- a header (`Annotated[T, Header()]`);
- a dependency (`Annotated[T, Use(fn)]`): `fn`'s value, resolved before the handler runs
  (typed_params/dependencies.py); a dependency's own parameters are bound the same way;
- the JSON body: a parameter annotated with a pydantic model (or any other type, when it
  has no default) and no marker.

Any other parameter with a default is not passed and keeps it.

Validation uses pydantic; a failure raises its ValidationError, answered 400 "Invalid input"
with the issues. The return annotation, when it is not a Response, shapes the answer; its
`Status()` sets the success status and its `Raises()` declare error answers (answers.py).
"""

from __future__ import annotations

import inspect
import sys
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from approutes.errors import HandlerReturnError, UpgradeRequired
from approutes.request_context import CURRENT_STATE
from approutes.typed_params.answers import NO_ANSWERS, is_response_type, read_answers
from approutes.typed_params.dependencies import plan_dependencies, resolve
from approutes.typed_params.markers import Header, Query, Use
from approutes.web.json_codec import loads_body, needs_loads_body
from approutes.web.request import NextRequest
from approutes.web.response import NextResponse, Response, encoded_json
from approutes.web.route_context import RouteContext
from approutes.web.websocket import WebSocket

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import BaseModel, TypeAdapter

    from approutes.typed_params.answers import DeclaredAnswers
    from approutes.typed_params.dependencies import DependencyPlan


__all__ = ["ParamSource", "TypedBinding", "analyse_handler"]

Source = Literal[
    "request",
    "context",
    "socket",
    "path",
    "query",
    "query_model",
    "header",
    "body",
    "dependency",
    "default",
]


@dataclass(frozen=True, slots=True)
class ParamSource:
    """Where one parameter of a typed handler comes from.

    Attributes:
        name: The parameter's name.
        source: The part of the request it is read from.
        annotation: Its type (without `Annotated` markers).
        default: Its default, or `inspect.Parameter.empty` when it is required.
        key: The search param or header name it reads.
        use: The dependency of a `dependency` source (`Use(fn)`'s `fn`).
    """

    name: str
    source: Source
    annotation: Any
    default: Any
    key: str
    use: Any = None


class TypedBinding:
    """Fills a typed handler's keyword arguments from a request, validated."""

    def __init__(
        self,
        sources: tuple[ParamSource, ...],
        returns: Any,
        *,
        answers: DeclaredAnswers = NO_ANSWERS,
        file: str = "",
        method: str = "",
    ) -> None:
        """Compile validators for `sources` and the return annotation `returns`.

        `answers` are the return annotation's `Status()` and `Raises()`; `file` and `method`
        name the handler when what it returns does not fit `returns`.
        """
        from pydantic import TypeAdapter, ValidationError, create_model  # noqa: PLC0415 - lazy

        self.sources = sources
        self.returns = returns
        self.answers = answers
        self._file = file
        self._method = method
        self._invalid = ValidationError
        fields = {
            s.name: (s.annotation, ... if s.default is inspect.Parameter.empty else s.default)
            for s in sources
            if s.source in ("path", "query", "query_model", "header")
        }
        self._validate_params = (
            _validate_model(create_model("Params", **fields)) if fields else None  # type: ignore[call-overload]
        )
        body = [s for s in sources if s.source == "body"]
        # PERF: the body is read last, on its own; a handler that takes only a body loops over
        # nothing: 0.85k instructions fewer a request (callgrind, bench/realwork_cost.py S8).
        self._not_body = tuple(s for s in sources if s.source != "body")
        self._body_name = body[0].name if body else ""
        self._body = _Pydantic.of(TypeAdapter(body[0].annotation)) if body else None
        self._returned = (
            _Pydantic.of(TypeAdapter(returns)) if returns is not inspect.Signature.empty else None
        )
        # An instance of this model is sent as it is, validated when it was made.
        self._sent_as_is = (
            returns
            if _is_model(returns)
            and returns.model_config.get("revalidate_instances", "never") == "never"
            else None
        )
        self.takes_socket = any(s.source == "socket" for s in sources)
        """Whether the handler takes WebSocket upgrades."""
        self.dependencies: tuple[DependencyPlan, ...] = ()
        """Every dependency it reaches, in the order they are resolved (set at load)."""

    async def arguments(
        self,
        request: NextRequest,
        params: dict[str, str | list[str]],
        context: object,
        resolved: dict[Any, Any] | None = None,
    ) -> dict[str, Any]:
        """The keyword arguments for one request.

        `resolved` holds the values of the dependencies resolved so far (for a dependency's
        own parameters); a handler's binding resolves its `dependencies` first.

        Raises:
            pydantic.ValidationError: a value does not fit its annotation (a 400).
            BadRequest: the body is not JSON.
            DependencyAnswer: a dependency returned a Response.
        """
        if self.dependencies:
            resolved = await resolve(self.dependencies, request, params, context)
        values: dict[str, Any] = {}
        raw: dict[str, Any] = {}
        for source in self._not_body:
            if source.source == "dependency":
                values[source.name] = resolved[source.use]  # type: ignore[index]
            elif source.source == "request":
                values[source.name] = request
            elif source.source == "context":
                values[source.name] = context
            elif source.source == "socket":
                values[source.name] = _socket(source)
            else:
                found = _read(source, request, params)
                if found is not _ABSENT:
                    raw[source.name] = found
        if self._validate_params is not None:
            # NOTE: the fields, in order: the model has no extra and no private attributes.
            values.update(self._validate_params(raw).__dict__)
        body = self._body
        if body is not None:
            # PERF: read here, parsed by a plain call: no coroutine of its own, 0.5k instructions
            # fewer a request (callgrind, bench/realwork_cost.py S8).
            values[self._body_name] = self._parse_body(await request.bytes(), body)
        return values

    def _parse_body(self, raw: bytes, body: _Pydantic) -> Any:
        """The request body `raw`, parsed and validated against the body's annotation.

        Raises:
            pydantic.ValidationError: it does not fit the annotation (a 400).
            BadRequest: it is not JSON.
        """
        if not needs_loads_body(raw):
            # PERF: pydantic parses the bytes itself, no dict in between: 36k instructions
            # fewer than orjson + validate_python on S8's 1 KB order, less ~28k for the check
            # above (callgrind, bench/realwork_cost.py S8).
            try:
                return body.validate_json(raw)
            except self._invalid:
                # NOTE: every refusal is answered by the path below, so a 400 keeps the message
                # and issues of `request.json()` + validate_python, byte for byte (the JSON
                # mode words some issues otherwise: "Input should be an object").
                pass
        return body.validate_python(loads_body(raw))

    def shape(self, result: object) -> object:
        """Pass a Response through; fit anything else to the return annotation, as JSON data.

        Under a declared `Status()` the answer is a Response with that status (none of the
        body when the annotated type is None).

        Raises:
            HandlerReturnError: the value does not fit the return annotation, or a body was
                returned under `Annotated[None, Status(...)]` (a 500: the handler's fault).
        """
        if isinstance(result, Response):
            return result
        status = self.answers.status
        if self.answers.no_body and status is not None:
            if result is None:
                return Response(None, status=status)
            raise HandlerReturnError(
                self._file,
                f"{self._method} returned a {type(result).__name__} but its return annotation "
                f"is Annotated[None, Status({status})]: return None, or a Response",
            )
        returned = self._returned
        if returned is not None:
            if type(result) is self._sent_as_is:
                # PERF: validate_python(from_attributes=True) would give the same instance
                # back (revalidate_instances="never"); pydantic writes the JSON itself, the same
                # bytes as dump_python + dumps (tests/features/test_typed_json.py).
                body = returned.dump_json(result)
                return encoded_json(NextResponse, body, 200 if status is None else status)
            try:
                checked = returned.validate_python(result, from_attributes=True)
            except self._invalid as exc:
                raise HandlerReturnError(
                    self._file,
                    f"{self._method} returned a value that does not fit its return annotation "
                    f"({_describe(self.returns)}): {exc}",
                ) from exc
            result = returned.dump_python(checked, mode="json")
        if status is None or not isinstance(result, dict | list | str | int | float | bool):
            return result
        return NextResponse.json(result, status=status)


@dataclass(frozen=True, slots=True)
class _Pydantic:
    """A TypeAdapter's methods, called on its core validator and serializer once built.

    PERF: the TypeAdapter's methods wrap the core ones, passing every keyword at its default:
    a call costs 2k instructions fewer for validate_json, 2.5k for validate_python, 5.6k for
    dump_json and 5.1k for dump_python (callgrind on bench S8's and S9's types).
    """

    validate_json: Callable[[bytes], Any]
    validate_python: Callable[..., Any]
    dump_json: Callable[[Any], bytes]
    dump_python: Callable[..., Any]

    @classmethod
    def of(cls, adapter: TypeAdapter[Any]) -> _Pydantic:
        """The methods of `adapter`; its own where its core is a mock or a plugin's."""
        from pydantic_core import SchemaSerializer, SchemaValidator  # noqa: PLC0415 - lazy

        # NOTE: typed as built, they are mocks until a deferred build is done.
        validator: object = adapter.validator
        serializer: object = adapter.serializer
        validates = validator if isinstance(validator, SchemaValidator) else adapter
        dump_json: Callable[[Any], bytes] = adapter.dump_json
        dump_python: Callable[..., Any] = adapter.dump_python
        if isinstance(serializer, SchemaSerializer):
            dump_json, dump_python = serializer.to_json, serializer.to_python
        return cls(validates.validate_json, validates.validate_python, dump_json, dump_python)


def _validate_model(model: type[BaseModel]) -> Callable[[Any], BaseModel]:
    """`model.model_validate`, called on its core validator once built (PERF: as `_Pydantic`)."""
    from pydantic_core import SchemaValidator  # noqa: PLC0415 - lazy

    validator: object = model.__pydantic_validator__
    if isinstance(validator, SchemaValidator):
        return validator.validate_python
    return model.model_validate


def analyse_handler(
    fn: Callable[..., Any], route_params: tuple[str, ...], method: str, *, file: str = ""
) -> TypedBinding | None:
    """Return the binding of a typed handler, or None for a plain one.

    A plain handler takes `(request, context)`, `(request)` or nothing and has no return
    annotation beyond a Response (and no `Status()` or `Raises()`); it keeps the fast call
    path. `file` names the route file in the errors of what it returns.

    Raises:
        AnswerDeclarationError: `Status()` / `Raises()` that contradict each other or the
            return type, or that stand elsewhere than the return annotation.
        TypeError: a parameter whose source cannot be told, or a body on GET/HEAD.
    """
    signature = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:  # noqa: BLE001 - unresolvable hints: treat as untyped
        hints = {}
    returns, answers = read_answers(hints)
    sources = tuple(
        _source(p, index, hints.get(p.name, inspect.Parameter.empty), route_params, method)
        for index, p in enumerate(signature.parameters.values())
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    )
    if returns in (None, type(None), Any, object) or is_response_type(returns):
        returns = inspect.Signature.empty
    typed = any(s.source not in ("request", "context", "default") for s in sources)
    if not typed and returns is inspect.Signature.empty and answers is NO_ANSWERS:
        return None
    binding = TypedBinding(
        tuple(s for s in sources if s.source != "default"),
        returns,
        answers=answers,
        file=file,
        method=method,
    )
    uses = [s.use for s in sources if s.source == "dependency"]
    if uses:
        binding.dependencies = plan_dependencies(
            uses, lambda fn: _dependency_binding(fn, route_params)
        )
    return binding


def _dependency_binding(fn: Callable[..., Any], route_params: tuple[str, ...]) -> TypedBinding:
    """The binding of a dependency's own parameters (no body, no socket, no return shaping).

    Raises:
        TypeError: a parameter whose source cannot be told.
    """
    target = fn if inspect.isroutine(fn) else type(fn).__call__  # a callable object's hints
    signature = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception:  # noqa: BLE001 - unresolvable hints: treat as untyped
        hints = {}
    sources: list[ParamSource] = []
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        # NOTE: no position rule (index 2) and no body: a dependency names what it takes.
        source = _source(p, 2, hints.get(p.name, inspect.Parameter.empty), route_params, "POST")
        if source.source in ("body", "socket"):
            raise TypeError(
                f"cannot tell where its parameter {p.name!r} comes from: a dependency takes "
                "the request (request: NextRequest), route params by name, "
                "Annotated[T, Query()], Annotated[T, Header()] and Annotated[T, Use(other)]; "
                "to read the body, take the request and await request.json()"
            )
        if source.source != "default":
            sources.append(source)
    return TypedBinding(tuple(sources), inspect.Signature.empty)


def _source(
    parameter: inspect.Parameter,
    index: int,
    hint: Any,
    route_params: tuple[str, ...],
    method: str,
) -> ParamSource:
    name = parameter.name
    default = parameter.default
    base, markers = _unwrap(hint)
    if base is Any or base is object:
        base = inspect.Parameter.empty  # says nothing about where it comes from
    marked = _marked_source(name, base, default, markers)
    if marked is not None:
        return marked
    given = _given_source(name, base, default, method)
    if given is not None:
        return given
    if name in route_params:
        annotation = str if base is inspect.Parameter.empty else base
        return ParamSource(name, "path", annotation, default, name)
    if base is inspect.Parameter.empty:
        # NOTE: unannotated, as plain handlers write them: (req, ctx) by position.
        if index < 2 and parameter.kind <= parameter.POSITIONAL_OR_KEYWORD:
            return ParamSource(name, "request" if index == 0 else "context", base, default, name)
    elif _is_model(base) or default is inspect.Parameter.empty:
        if method in ("GET", "HEAD"):
            raise TypeError(
                f"{method} cannot take a JSON body ({name}: {_describe(base)}); read the search "
                f"params with Annotated[{_describe(base)}, Query()]"
            )
        return ParamSource(name, "body", base, default, name)
    if default is not inspect.Parameter.empty:
        return ParamSource(name, "default", base, default, name)  # not passed: keeps it
    raise TypeError(
        f"cannot tell where the parameter {name!r} comes from: name it after a route param, "
        "annotate it (a pydantic model for the JSON body, Annotated[T, Query()], "
        "Annotated[T, Header()]), or call it request / context"
    )


def _given_source(name: str, base: Any, default: Any, method: str) -> ParamSource | None:
    """The request, the context or the socket, which approutes gives as they are."""
    if _is_request_type(base) or (base is inspect.Parameter.empty and name == "request"):
        return ParamSource(name, "request", base, default, name)
    if _is_context_type(base) or (base is inspect.Parameter.empty and name == "context"):
        return ParamSource(name, "context", base, default, name)
    if _is_socket_type(base):
        if method != "GET":
            raise TypeError(f"only GET can take a WebSocket ({name}: WebSocket on {method})")
        return ParamSource(name, "socket", base, default, name)
    return None


def _marked_source(
    name: str, base: Any, default: Any, markers: tuple[Any, ...]
) -> ParamSource | None:
    for marker in markers:
        if isinstance(marker, Use):
            return ParamSource(name, "dependency", base, default, name, marker.dependency)
        if isinstance(marker, Query):
            kind: Source = "query_model" if _is_model(base) else "query"
            return ParamSource(name, kind, base, default, marker.alias or name)
        if isinstance(marker, Header):
            key = marker.alias or name.replace("_", "-")
            return ParamSource(name, "header", base, default, key.lower())
    return None


_ABSENT = object()


def _read(source: ParamSource, request: NextRequest, params: dict[str, str | list[str]]) -> Any:
    """The raw value of a path, query or header parameter, or _ABSENT."""
    if source.source == "path":
        return params.get(source.name, _ABSENT)
    if source.source == "query_model":
        return _query_dict(request, source.annotation)
    if source.source == "header":
        header = request.headers.get(source.key)
        return _ABSENT if header is None else header
    search = request.search_params
    if _is_list(source.annotation):
        return search.get_all(source.key) if search.has(source.key) else _ABSENT
    value = search.get(source.key)
    return _ABSENT if value is None else value


def _unwrap(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    """(the type, with any pydantic metadata kept, such as Field(ge=1); approutes' markers)."""
    if typing.get_origin(hint) is typing.Annotated:
        base, *extras = typing.get_args(hint)
        markers = tuple(e for e in extras if isinstance(e, Query | Header | Use))
        others = [e for e in extras if not isinstance(e, Query | Header | Use)]
        if others:
            base = typing.Annotated[(base, *others)]
        return base, markers
    return hint, ()


def _is_model(annotation: Any) -> bool:
    pydantic = sys.modules.get("pydantic")
    return (
        pydantic is not None
        and isinstance(annotation, type)
        and issubclass(annotation, pydantic.BaseModel)
    )


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_list(typing.get_args(annotation)[0])
    return origin in (list, tuple, set, frozenset)


def _is_request_type(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, NextRequest)


def _is_context_type(annotation: Any) -> bool:
    return annotation is RouteContext


def _is_socket_type(annotation: Any) -> bool:
    """`WebSocket`, or `WebSocket | None`."""
    if annotation is WebSocket:
        return True
    args = typing.get_args(annotation)
    return len(args) == 2 and WebSocket in args and type(None) in args


def _socket(source: ParamSource) -> WebSocket | None:
    """The WebSocket of the request being served; None (or 426) for plain HTTP.

    Raises:
        UpgradeRequired: plain HTTP to a handler that takes WebSocket connections only.
    """
    state = CURRENT_STATE.get()
    socket = None if state is None else state.socket
    if socket is None and source.default is inspect.Parameter.empty:
        raise UpgradeRequired
    return socket


def _query_dict(request: NextRequest, model: Any) -> dict[str, Any]:
    """The search params as a dict for `model`: a list field gets every value, others the first."""
    out: dict[str, Any] = {}
    search = request.search_params
    fields = model.model_fields
    for key in dict.fromkeys(search.keys()):
        field = fields.get(key)
        values = search.get_all(key)
        out[key] = values if field is not None and _is_list(field.annotation) else values[0]
    return out


def _describe(annotation: Any) -> str:
    return getattr(annotation, "__name__", repr(annotation))
