"""One OpenAPI operation from one handler: parameters, request body, responses.

A typed handler (`HandlerPlan.binding`) says a lot: its path, query and header parameters,
its JSON body and its answer, and that bad input is a 400. A plain `(request, context)`
handler says only its path params (as strings) and its docstring; its answer is "any JSON".
Every operation also lists the framework's own errors: 404, 405 and 500 (DESIGN §7).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from approutes.openapi.schemas import Components, SchemaCollector
    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.routing.segment import Segment
    from approutes.typed_params.binding import ParamSource, TypedBinding

__all__ = ["OperationSite", "handler_operation", "pages_operation", "shared_responses"]

_CATCH_ALL_NOTE = (
    "One or more path segments, joined by `/` (the handler gets them as a list). OpenAPI "
    "cannot express a parameter spanning segments: a client sends them as one path."
)
_ERROR_REFS = {
    "404": {"$ref": "#/components/responses/NotFound"},
    "405": {"$ref": "#/components/responses/MethodNotAllowed"},
    "500": {"$ref": "#/components/responses/InternalError"},
}
_INVALID_INPUT_REF = {"$ref": "#/components/responses/InvalidInput"}


@dataclass(frozen=True, slots=True)
class OperationSite:
    """What the document decided for an operation before looking at its handler.

    Attributes:
        operation_id: Unique in the document, e.g. "get_api_users_id".
        path_params: The dynamic segments of its path template, in order.
        tags: The route's tag (the first folder after `api`), or none.
        cache_control: The `Cache-Control` of a cached GET, noted in its description.
    """

    operation_id: str
    path_params: tuple[Segment, ...]
    tags: tuple[str, ...]
    cache_control: str | None = None


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
    responses: dict[str, Any] = {"200": _success(binding, schemas)}
    if binding is not None:
        responses["400"] = dict(_INVALID_INPUT_REF)
    if plan.takes_socket and binding is not None:
        _mark_socket(operation, responses, binding)
    responses.update(_error_refs())
    operation["responses"] = responses
    return operation


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
        del responses["200"]
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
    operation["responses"] = {"200": _success(None, schemas), **_error_refs()}
    return operation


def shared_responses(components: Components) -> dict[str, Any]:
    """`components.responses`: the framework's error answers, which operations `$ref`."""
    error = {"schema": {"$ref": f"#/components/schemas/{components.error}"}}
    invalid = {"schema": {"$ref": f"#/components/schemas/{components.invalid_input}"}}
    return {
        "InvalidInput": {
            "description": "The input does not fit the handler's annotations.",
            "content": {"application/json": invalid},
        },
        "NotFound": {
            "description": "No route matches the path.",
            "content": {"application/json": error},
        },
        "MethodNotAllowed": {
            "description": "The route does not export the method.",
            "headers": {
                "Allow": {
                    "description": "The methods the route answers.",
                    "schema": {"type": "string"},
                }
            },
            "content": {"application/json": error},
        },
        "InternalError": {
            "description": "The handler raised an exception.",
            "content": {"application/json": error},
        },
    }


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


def _error_refs() -> dict[str, Any]:
    return {status: dict(ref) for status, ref in _ERROR_REFS.items()}
