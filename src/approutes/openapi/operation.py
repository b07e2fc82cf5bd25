"""One OpenAPI operation from one handler: parameters, request body, responses.

A typed handler (`HandlerPlan.binding`) says a lot: its path, query and header parameters,
its JSON body and its answer, and that bad input is a 400. A plain `(request, context)`
handler says only its path params (as strings) and its docstring; its answer is "any JSON".

The responses are exactly what the handler can answer:
- its success status, `Status()` in the return annotation or 200, with the return type's
  schema (no content under `Annotated[None, Status(204)]`);
- each `Raises()` of the return annotation, with the `{"error": string}` shape;
- the framework's own answers (DESIGN §7): 400 with the issues when it validates input, 404,
  405 with `Allow`, 413 when it may read a body over the limit, 500. A declared code the
  framework also answers is one response, with both descriptions.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from approutes.typed_params.answers import NO_ANSWERS

if TYPE_CHECKING:
    from collections.abc import Callable

    from approutes.openapi.schemas import Components, FrameworkShape, SchemaCollector
    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.routing.segment import Segment
    from approutes.typed_params.binding import ParamSource, TypedBinding

__all__ = ["OperationSite", "handler_operation", "pages_operation", "shared_responses"]

_CATCH_ALL_NOTE = (
    "One or more path segments, joined by `/` (the handler gets them as a list). OpenAPI "
    "cannot express a parameter spanning segments: a client sends them as one path."
)


@dataclass(frozen=True, slots=True)
class _FrameworkAnswer:
    """One of the framework's own answers, a shared response in `components.responses`."""

    name: str
    description: str
    shape: FrameworkShape


_FRAMEWORK_ANSWERS = {
    400: _FrameworkAnswer(
        "InvalidInput", "The input does not fit the handler's annotations.", "invalid_input"
    ),
    404: _FrameworkAnswer(
        "NotFound", "No route matches the path, or the handler called `not_found()`.", "error"
    ),
    405: _FrameworkAnswer("MethodNotAllowed", "The route does not export the method.", "error"),
    413: _FrameworkAnswer(
        "PayloadTooLarge", "The body is over the route's `body_size_limit`.", "error"
    ),
    500: _FrameworkAnswer("InternalError", "The handler raised an exception.", "error"),
}
_ALLOW_HEADER = {
    "Allow": {"description": "The methods the route answers.", "schema": {"type": "string"}}
}
# NOTE: the sources whose values come without reading the body; any other may read it.
_BODYLESS_SOURCES = frozenset({"path", "query", "query_model", "header", "context", "socket"})
_VALIDATED_SOURCES = frozenset({"path", "query", "query_model", "header", "body"})
# NOTE: NextRequest drops the body of these (COMPAT(next)), so they never answer 413.
_BODYLESS_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class OperationSite:
    """What the document decided for an operation before looking at its handler.

    Attributes:
        operation_id: Unique in the document, e.g. "get_api_users_id".
        path_params: The dynamic segments of its path template, in order.
        tags: The route's tag (the first folder after `api`), or none.
        cache_control: The `Cache-Control` of a cached GET, noted in its description.
        body_read_first: The body is read before the handler runs (`runtime = "process"`,
            a pages/api route that parses bodies), so any body may be a 413.
    """

    operation_id: str
    path_params: tuple[Segment, ...]
    tags: tuple[str, ...]
    cache_control: str | None = None
    body_read_first: bool = False


def handler_operation(
    plan: HandlerPlan, site: OperationSite, schemas: SchemaCollector
) -> dict[str, Any]:
    """The operation of an App Router handler (`plan`), its schemas asked of `schemas`."""
    binding = plan.binding
    operation = _head(plan.fn, site)
    if site.cache_control is not None:
        note = f"Cached: answered with `Cache-Control: {site.cache_control}`."
        described = operation.get("description")
        operation["description"] = f"{described}\n\n{note}" if described else note
    parameters = _path_parameters(site, binding, schemas)
    if binding is not None:
        parameters.extend(_typed_parameters(binding, schemas))
    if parameters:
        operation["parameters"] = parameters
    body = _request_body(binding, schemas) if binding is not None else None
    if body is not None:
        operation["requestBody"] = body
    responses = _handler_responses(plan, site, schemas)
    if plan.takes_socket and binding is not None:
        _mark_socket(operation, responses, binding)
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def _handler_responses(
    plan: HandlerPlan, site: OperationSite, schemas: SchemaCollector
) -> dict[str, Any]:
    """The declared answers and the framework's own, each code once."""
    binding = plan.binding
    answers = binding.answers if binding is not None else NO_ANSWERS
    framework = [404, 405, 500]
    if binding is not None and any(s.source in _VALIDATED_SOURCES for s in binding.sources):
        framework.append(400)
    if _may_read_body(plan, site):
        framework.append(413)
    responses = {str(answers.status or 200): _success(binding, schemas)}
    responses.update({str(code): _framework_ref(code) for code in framework})
    for declared in answers.raises:
        own = declared.description or _reason(declared.code)
        if declared.code in framework:
            responses[str(declared.code)] = _merged(declared.code, own, schemas)
        else:
            schema = schemas.framework_schema("error")
            responses[str(declared.code)] = {
                "description": own,
                "content": {"application/json": {"schema": schema}},
            }
    return responses


def _may_read_body(plan: HandlerPlan, site: OperationSite) -> bool:
    """Whether a body over the limit can be answered 413: the handler (or approutes) reads it."""
    if plan.method in _BODYLESS_METHODS:
        return False
    if site.body_read_first:
        return True
    if plan.binding is None:
        return plan.arity >= 1  # the request in hand: it may read the body
    return any(s.source not in _BODYLESS_SOURCES for s in plan.binding.sources)


def _framework_ref(code: int) -> dict[str, Any]:
    return {"$ref": f"#/components/responses/{_FRAMEWORK_ANSWERS[code].name}"}


def _merged(code: int, own: str, schemas: SchemaCollector) -> dict[str, Any]:
    """A declared `Raises()` whose code the framework answers too: one response, both said."""
    answer = _FRAMEWORK_ANSWERS[code]
    merged: dict[str, Any] = {
        "description": f"{own}; or: {answer.description}",
        "content": {"application/json": {"schema": schemas.framework_schema(answer.shape)}},
    }
    if code == 405:
        merged["headers"] = dict(_ALLOW_HEADER)
    return merged


def _reason(code: int) -> str:
    """The status's reason phrase: 409 is "Conflict"."""
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return f"Error {code}"


def _mark_socket(
    operation: dict[str, Any], responses: dict[str, Any], binding: TypedBinding
) -> None:
    """Say that the operation takes WebSocket upgrades (`x-websocket`, a 101, maybe a 426).

    OpenAPI has no words for a WebSocket; the operation stays, marked, since its URL and
    parameters are what a client needs.
    """
    operation["x-websocket"] = True
    note = "Takes WebSocket connections: send `Upgrade: websocket` (101 Switching Protocols)."
    described = operation.get("description")
    operation["description"] = f"{described}\n\n{note}" if described else note
    responses["101"] = {"description": "Switching Protocols: the WebSocket is open."}
    only_sockets = any(
        s.source == "socket" and s.default is inspect.Parameter.empty for s in binding.sources
    )
    if only_sockets:
        responses.pop(str(binding.answers.status or 200), None)
        responses["426"] = {
            "description": "Upgrade Required: plain HTTP is refused, only WebSockets are taken."
        }


def pages_operation(
    handler: Callable[..., Any], file: str, site: OperationSite, schemas: SchemaCollector
) -> dict[str, Any]:
    """The operation of a Pages Router `handler(req, res)` for one method: nothing typed."""
    operation = _head(handler, site)
    note = (
        f"A Pages Router handler (`{file}`): every method reaches `handler(req, res)`, "
        "which decides what it supports; its input and answer are not described."
    )
    described = operation.get("description")
    operation["description"] = f"{described}\n\n{note}" if described else note
    parameters = _path_parameters(site, None, schemas)
    if parameters:
        operation["parameters"] = parameters
    responses = {"200": _success(None, schemas)}
    responses.update({str(code): _framework_ref(code) for code in (404, 405, 500)})
    if site.body_read_first:
        # COMPAT(next): the Pages Router answers a body over its sizeLimit in plain text.
        responses["413"] = {
            "description": "The body is over the route's `config.api.bodyParser.sizeLimit`.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def shared_responses(components: Components) -> dict[str, Any]:
    """`components.responses`: the framework's error answers, which operations `$ref`."""
    names = {"error": components.error, "invalid_input": components.invalid_input}
    shared: dict[str, Any] = {}
    for code, answer in _FRAMEWORK_ANSWERS.items():
        schema = {"$ref": f"#/components/schemas/{names[answer.shape]}"}
        response: dict[str, Any] = {
            "description": answer.description,
            "content": {"application/json": {"schema": schema}},
        }
        if code == 405:
            response["headers"] = dict(_ALLOW_HEADER)
        shared[answer.name] = response
    return shared


def _head(fn: Callable[..., Any], site: OperationSite) -> dict[str, Any]:
    """Tags, summary and description (the docstring's first line, and the rest), id."""
    operation: dict[str, Any] = {}
    if site.tags:
        operation["tags"] = list(site.tags)
    doc = inspect.getdoc(fn)
    if doc:
        summary, _, rest = doc.partition("\n")
        operation["summary"] = summary.strip()
        if rest.strip():
            operation["description"] = rest.strip()
    operation["operationId"] = site.operation_id
    return operation


def _path_parameters(
    site: OperationSite, binding: TypedBinding | None, schemas: SchemaCollector
) -> list[dict[str, Any]]:
    typed = {s.name: s for s in _all_sources(binding) if s.source == "path"}
    parameters: list[dict[str, Any]] = []
    for segment in site.path_params:
        parameter: dict[str, Any] = {"name": segment.name, "in": "path", "required": True}
        source = typed.get(segment.name)
        if segment.kind != "dynamic":
            parameter["description"] = _CATCH_ALL_NOTE
            parameter["schema"] = {"type": "string"}
        elif source is not None:
            parameter["schema"] = schemas.schema(source.annotation)
        else:
            parameter["schema"] = {"type": "string"}
        parameters.append(parameter)
    return parameters


def _all_sources(binding: TypedBinding | None) -> list[ParamSource]:
    """The parameters of a handler and of the dependencies it reaches (`Use`)."""
    if binding is None:
        return []
    found = list(binding.sources)
    for dependency in binding.dependencies:
        found.extend(dependency.binding.sources)
    return found


def _typed_parameters(binding: TypedBinding, schemas: SchemaCollector) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for source in _all_sources(binding):
        if (source.source, source.key) in seen:
            continue  # NOTE: read by the handler and a dependency: listed once
        seen.add((source.source, source.key))
        if source.source in ("query", "header"):
            schema = schemas.schema(source.annotation, default=source.default)
            parameters.append(
                {
                    "name": source.key,
                    "in": source.source,
                    "required": source.default is inspect.Parameter.empty,
                    "schema": schema,
                }
            )
        elif source.source == "query_model":
            for field in schemas.query_fields(source.annotation):
                parameter: dict[str, Any] = {
                    "name": field.name,
                    "in": "query",
                    "required": field.required,
                    "schema": field.schema,
                }
                if field.description:
                    parameter["description"] = field.description
                parameters.append(parameter)
    return parameters


def _request_body(binding: TypedBinding, schemas: SchemaCollector) -> dict[str, Any] | None:
    for source in binding.sources:
        if source.source == "body":
            return {
                "required": source.default is inspect.Parameter.empty,
                "content": {"application/json": {"schema": schemas.schema(source.annotation)}},
            }
    return None


def _success(binding: TypedBinding | None, schemas: SchemaCollector) -> dict[str, Any]:
    if binding is not None and binding.answers.no_body:
        return {"description": f"{_reason(binding.answers.status or 204)}: no body."}
    if binding is not None and binding.returns is not inspect.Signature.empty:
        schema = schemas.schema(binding.returns, "serialization")
        return {
            "description": "The handler's answer, as its return annotation says.",
            "content": {"application/json": {"schema": schema}},
        }
    return {
        "description": "The handler's answer (not annotated: any JSON, or another type).",
        "content": {"application/json": {"schema": {}}},
    }
