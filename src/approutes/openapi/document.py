"""The OpenAPI 3.1 document of a project, from its route table and its handlers' type hints.

Decisions, where the route tree says more (or less) than OpenAPI can:

- `[id]` is `{id}`; a catch-all `[...path]` is `{path}`, described as spanning segments.
- An optional catch-all `[[...slug]]` gets two paths: the bare one (`/api/docs`) and
  `/api/docs/{slug}`, each with the route's operations.
- The methods are those the module exports: the automatic HEAD and OPTIONS are not listed.
- A pages/api route answers every method through `handler(req, res)`: it gets an
  undescribed operation for GET, POST, PUT, PATCH and DELETE.
- With a `base_path` setting, the paths stay those of the route tree and `servers` holds the
  prefix, so a client (and the docs page's "Try it out") calls the URL the server answers.
- A handler behind `Use(auth.required)` / `Use(auth.optional)` gets the Auth's security
  schemes, and the 401 of a required session (openapi/security.py).
- `operationId` is the method and the path, e.g. `get_api_users_id` (the same for the same
  tree, whatever else is added); `tags` is the first folder after `api` (`users`), when
  it is not a dynamic one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from approutes.openapi.operation import (
    OperationSite,
    handler_operation,
    pages_operation,
    shared_responses,
)
from approutes.openapi.security import SecuritySchemes, unauthorized_response
from approutes.route_modules.route_module import RouteModule

if TYPE_CHECKING:
    from approutes.openapi.schemas import SchemaCollector
    from approutes.route_modules.registry import RouteModules
    from approutes.route_modules.route_module import LoadedRoute
    from approutes.routing.route_table import RouteTable
    from approutes.routing.scanner import RouteFile
    from approutes.routing.segment import Segment

__all__ = ["OPENAPI_VERSION", "openapi_document", "path_templates"]

OPENAPI_VERSION = "3.1.0"
_PAGES_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_NOT_IN_ID = re.compile(r"[^A-Za-z0-9]+")


def openapi_document(
    table: RouteTable,
    modules: RouteModules,
    *,
    title: str,
    version: str = "0.1.0",
    base_path: str = "",
) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of a loaded route table (dev builds it per request).

    Raises:
        ConfigurationError: a route module cannot be loaded (only from a manifest's table).
    """
    # NOTE: pydantic is imported only once a document is built.
    from approutes.openapi.schemas import SchemaCollector  # noqa: PLC0415

    schemas = SchemaCollector()
    security = SecuritySchemes()
    ids: set[str] = set()
    paths: dict[str, dict[str, Any]] = {}
    for route in table.routes:
        module = modules.get(route)
        for path, params in path_templates(route):
            item = paths.setdefault(path, {})
            for method in _methods(module):
                site = OperationSite(
                    operation_id=_operation_id(method, path, ids),
                    path_params=params,
                    tags=_tags(route),
                    cache_control=_cache_control(module, method),
                    body_read_first=_body_read_first(module),
                )
                operation = _operation(module, method, site, schemas)
                if isinstance(module, RouteModule):
                    security.secure(operation, module.methods.handlers[method].binding)
                item[method.lower()] = operation
    components = schemas.resolve()
    parts: dict[str, Any] = {
        "schemas": components.schemas,
        "responses": shared_responses(components),
    }
    if security.schemes:
        parts["responses"]["Unauthorized"] = unauthorized_response(components)
        parts["securitySchemes"] = security.schemes
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version},
    }
    if base_path:
        document["servers"] = [{"url": base_path}]
    document["paths"] = paths
    document["components"] = parts
    return document


def path_templates(route: RouteFile) -> list[tuple[str, tuple[Segment, ...]]]:
    """The OpenAPI paths of `route`, each with the dynamic segments it holds.

    >>> from approutes.routing.scanner import RouteFile
    >>> from approutes.routing.segment import parse_segment
    >>> def route(*folders: str) -> RouteFile:
    ...     return RouteFile("app/route.py", tuple(parse_segment(f) for f in folders))
    >>> [path for path, _ in path_templates(route("api", "users", "[id]"))]
    ['/api/users/{id}']
    >>> [path for path, _ in path_templates(route("files", "[...path]"))]
    ['/files/{path}']
    >>> [path for path, _ in path_templates(route("docs", "[[...slug]]"))]
    ['/docs', '/docs/{slug}']
    >>> [path for path, _ in path_templates(route())]
    ['/']
    """
    templates: list[tuple[str, tuple[Segment, ...]]] = []
    parts: list[str] = []
    params: list[Segment] = []
    for segment in route.segments:
        if segment.kind == "optional_catch_all":
            templates.append(("/" + "/".join(parts), tuple(params)))
        if segment.kind == "static":
            parts.append(segment.url_text)
        else:
            parts.append("{" + segment.name + "}")
            params.append(segment)
    templates.append(("/" + "/".join(parts), tuple(params)))
    return templates


def _methods(module: LoadedRoute) -> tuple[str, ...]:
    return module.methods.exported if isinstance(module, RouteModule) else _PAGES_METHODS


def _cache_control(module: LoadedRoute, method: str) -> str | None:
    if isinstance(module, RouteModule) and module.cache is not None and method == "GET":
        return module.cache.cache_control
    return None


def _body_read_first(module: LoadedRoute) -> bool:
    """Whether approutes reads the body before the handler runs (so any body may be a 413)."""
    if isinstance(module, RouteModule):
        return module.config.runtime == "process"
    return module.config.body_parser


def _operation(
    module: LoadedRoute, method: str, site: OperationSite, schemas: SchemaCollector
) -> dict[str, Any]:
    if isinstance(module, RouteModule):
        return handler_operation(module.methods.handlers[method], site, schemas)
    return pages_operation(module.handler, module.file, site, schemas)


def _operation_id(method: str, path: str, taken: set[str]) -> str:
    """`get_api_users_id` for GET /api/users/{id}; a number added if already taken."""
    base = f"{method.lower()}_{_NOT_IN_ID.sub('_', path).strip('_') or 'root'}"
    candidate = base
    counter = 2
    while candidate in taken:
        candidate = f"{base}_{counter}"
        counter += 1
    taken.add(candidate)
    return candidate


def _tags(route: RouteFile) -> tuple[str, ...]:
    """The first folder after `api` (or the first folder when the route is not under it).

    A dynamic folder there (`api/[id]`) names no group: such a route has no tag.
    """
    segments = route.segments
    if segments and segments[0].kind == "static" and segments[0].name == "api":
        segments = segments[1:]
    return (segments[0].name,) if segments and segments[0].kind == "static" else ()
