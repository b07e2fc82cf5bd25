"""Dev only: the project's OpenAPI document and a Swagger UI page, in front of its handler.

- `GET /_approutes/openapi.json`: the document, built on each request from the routes being
  served, so it follows reloads.
- `GET /_approutes/docs`: Swagger UI. Its files come from the installed `swagger-ui-bundle`
  package, served at `/_approutes/docs/assets/<file>`: no CDN, the page works offline.

`create_app(root)` without `dev=True` never builds this: there, these paths are 404.
"""

from __future__ import annotations

import html
import importlib
from functools import cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from approutes.errors import HTTPError, MethodNotAllowed, RouteNotFound
from approutes.openapi.document import openapi_document
from approutes.web.json_codec import dumps
from approutes.web.response import Response

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from approutes.request_context import RequestState
    from approutes.route_modules.registry import RouteModules
    from approutes.routing.route_table import RouteTable

__all__ = ["ASSETS_PREFIX", "DOCS_PATH", "OPENAPI_PATH", "DevDocs"]

OPENAPI_PATH = "/_approutes/openapi.json"
DOCS_PATH = "/_approutes/docs"
ASSETS_PREFIX = "/_approutes/docs/assets/"
_OURS = (OPENAPI_PATH, DOCS_PATH)
_NO_CACHE = "no-cache"
_ASSET_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".map": "application/json",
}

# NOTE: swagger-ui-bundle ships Swagger UI 4, which refuses to render a document whose
# `openapi` is not 3.0.x. The page relabels the 3.1 document it fetches; the schemas it uses
# (pydantic's JSON Schema) render the same. /_approutes/openapi.json itself stays 3.1.0.
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} - API docs</title>
  <link rel="stylesheet" href="{assets}swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}swagger-ui-bundle.js"></script>
  <script>
    fetch("{openapi}")
      .then((response) => response.json())
      .then((spec) => {{
        spec.openapi = "3.0.3";
        window.ui = SwaggerUIBundle({{
          spec: spec,
          dom_id: "#swagger-ui",
          deepLinking: true,
          presets: [SwaggerUIBundle.presets.apis],
        }});
      }});
  </script>
</body>
</html>
"""


class DevDocs:
    """Answers the dev docs paths; the front half asks it first in dev.

    Example:
        docs = DevDocs(table, modules, title="my-app")   # dev only
    """

    __slots__ = ("_modules", "_table", "_title")

    def __init__(self, table: RouteTable, modules: RouteModules, *, title: str) -> None:
        """Serve the docs of `table` / `modules`, titled `title`."""
        self._table = table
        self._modules = modules
        self._title = title

    @staticmethod
    def answers(path: str) -> bool:
        """Whether `path` is one of the docs paths (the `trailing_slash` setting allowed)."""
        if not path.startswith(_OURS):
            return False
        path = path.removesuffix("/")
        return path in _OURS or path.startswith(ASSETS_PREFIX)

    def answer(self, state: RequestState) -> Response:
        """Answer a docs path (see `answers`).

        Raises:
            MethodNotAllowed: not a GET or HEAD.
            RouteNotFound: no such asset.
        """
        request = state.request
        path = request.path.removesuffix("/")
        if request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed("GET, HEAD")
        if path == OPENAPI_PATH:
            document = openapi_document(self._table, self._modules, title=self._title)
            return Response(
                dumps(document),
                headers={"content-type": "application/json", "cache-control": _NO_CACHE},
            )
        if path == DOCS_PATH:
            page = _PAGE.format(
                title=html.escape(self._title), assets=ASSETS_PREFIX, openapi=OPENAPI_PATH
            )
            return Response(
                page,
                headers={"content-type": "text/html; charset=utf-8", "cache-control": _NO_CACHE},
            )
        return _asset(path.removeprefix(ASSETS_PREFIX))


def _asset(name: str) -> Response:
    """One file of the Swagger UI folder, by its exact name (nothing outside it).

    Raises:
        RouteNotFound: no such file.
    """
    entry = _swagger_ui_files().get(name)
    if entry is None:
        raise RouteNotFound
    content_type = _ASSET_TYPES[PurePosixPath(name).suffix]
    return Response(
        entry.read_bytes(),
        headers={"content-type": content_type, "cache-control": _NO_CACHE},
    )


@cache
def _swagger_ui_files() -> dict[str, Traversable]:
    """The files of swagger-ui-bundle's static folder that the page may load, by name.

    Raises:
        HTTPError: swagger-ui-bundle is not installed (a 500 saying so).
    """
    try:
        bundle = importlib.import_module("swagger_ui_bundle")
    except ModuleNotFoundError as exc:
        raise HTTPError(
            500, "the docs page needs swagger-ui-bundle: pip install swagger-ui-bundle"
        ) from exc
    folder: Traversable = bundle.swagger_ui_path
    return {
        entry.name: entry
        for entry in folder.iterdir()
        if entry.is_file() and PurePosixPath(entry.name).suffix in _ASSET_TYPES
    }
