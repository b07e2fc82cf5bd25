"""Dev only: the project's OpenAPI document and a Swagger UI page, in front of its handler.

- `GET /_approutes/openapi.json`: the document, built on each request from the routes being
  served, so it follows reloads.
- `GET /_approutes/docs`: Swagger UI 5, which renders OpenAPI 3.1 as it is. Its files are
  vendored in `swagger_ui/` (from npm's swagger-ui-dist, refreshed by
  `scripts/update-swagger-ui.sh`, the version in `swagger_ui/VERSION`) and served at
  `/_approutes/docs/assets/<file>`: no CDN, the page works offline.

`create_app(root)` without `dev=True` never builds this: there, these paths are 404.
"""

from __future__ import annotations

import html
from functools import cache
from importlib.resources import files
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from approutes.errors import MethodNotAllowed, RouteNotFound
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
}
_INITIALIZER = "approutes-docs.js"

# SECURITY: the page runs only scripts of its own origin (the bundle and the initializer
# below, no inline script); Swagger UI sets inline styles and draws icons from data: URLs;
# "Try it out" calls the project itself. No request leaves for another origin.
_PAGE_HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": _NO_CACHE,
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} - API docs</title>
  <link rel="stylesheet" href="{assets}swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui" data-openapi="{openapi}"></div>
  <script src="{assets}swagger-ui-bundle.js"></script>
  <script src="{assets}{initializer}"></script>
</body>
</html>
"""

# NOTE: the document's URL comes from the page (data-openapi), so this file is a constant.
# validatorUrl: null keeps Swagger UI from sending the document to validator.swagger.io.
_INITIALIZER_SCRIPT = b"""const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.openapi,
  domNode: root,
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});
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
                title=html.escape(self._title),
                assets=ASSETS_PREFIX,
                openapi=OPENAPI_PATH,
                initializer=_INITIALIZER,
            )
            return Response(page, headers=_PAGE_HEADERS)
        return _asset(path.removeprefix(ASSETS_PREFIX))


def _asset(name: str) -> Response:
    """One file of the page: the initializer, or a file of `swagger_ui/` by its exact name.

    Raises:
        RouteNotFound: no such file.
    """
    if name == _INITIALIZER:
        content = _INITIALIZER_SCRIPT
    else:
        entry = _swagger_ui_files().get(name)
        if entry is None:
            raise RouteNotFound
        content = entry.read_bytes()
    content_type = _ASSET_TYPES[PurePosixPath(name).suffix]
    return Response(
        content,
        headers={
            "content-type": content_type,
            "cache-control": _NO_CACHE,
            "x-content-type-options": "nosniff",
        },
    )


@cache
def _swagger_ui_files() -> dict[str, Traversable]:
    """The files of the vendored Swagger UI that the page may load, by name."""
    folder = files("approutes.openapi") / "swagger_ui"
    return {
        entry.name: entry
        for entry in folder.iterdir()
        if entry.is_file() and PurePosixPath(entry.name).suffix in _ASSET_TYPES
    }
