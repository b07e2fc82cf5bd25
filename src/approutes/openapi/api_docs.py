"""The project's OpenAPI document and a Swagger UI page, answered by the front half.

- The document (`GET /_approutes/openapi.json` in dev, or the `openapi_path` setting): built
  per request in dev, so it follows reloads; built once at start-up otherwise, since the
  routes of `approutes start` cannot change.
- The page (`GET /_approutes/docs` in dev, or the `docs_path` setting): Swagger UI 5, which
  renders OpenAPI 3.1 as it is. Its files are vendored in `swagger_ui/` (from npm's
  swagger-ui-dist, refreshed by `scripts/update-swagger-ui.sh`, the version in
  `swagger_ui/VERSION`) and served at `<docs path>/assets/<file>`: no CDN, the page works
  offline.

Outside dev, with neither setting, nothing of this is built: those paths are the project's.
"""

from __future__ import annotations

import html
from functools import cache
from importlib.resources import files
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from approutes.errors import MethodNotAllowed, RouteNotFound, SettingsError
from approutes.openapi.document import openapi_document
from approutes.web.json_codec import dumps
from approutes.web.response import Response

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from approutes.request_context import RequestState
    from approutes.route_modules.registry import RouteModules
    from approutes.routing.route_table import RouteTable
    from approutes.settings.model import Settings

__all__ = ["DEV_DOCS_PATH", "DEV_OPENAPI_PATH", "ApiDocs", "api_docs_for"]

DEV_OPENAPI_PATH = "/_approutes/openapi.json"
DEV_DOCS_PATH = "/_approutes/docs"
_ASSETS = "/assets/"
_DOCUMENT_NAME = "openapi.json"
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


def api_docs_for(
    settings: Settings, table: RouteTable, modules: RouteModules, *, title: str, dev: bool
) -> ApiDocs | None:
    """The docs `settings` ask for (`openapi_path`, `docs_path`), or None when they are off.

    `docs_path` alone serves the document at `<docs_path>/openapi.json`. Dev always serves
    them, at `/_approutes/openapi.json` and `/_approutes/docs` unless the settings say where.

    Raises:
        SettingsError: a configured path is also the URL of a route (naming the route file).
        ConfigurationError: outside dev, a route module cannot be loaded to build the document.
    """
    docs_path = settings.docs_path
    openapi_path = settings.openapi_path
    if openapi_path is None and docs_path is not None:
        openapi_path = docs_path + "/" + _DOCUMENT_NAME
    for key, path in (("openapi_path", openapi_path), ("docs_path", docs_path)):
        if path is not None:
            _refuse_a_route_at(key, path, settings.base_path, table)
    if dev:
        openapi_path = openapi_path or DEV_OPENAPI_PATH
        docs_path = docs_path or DEV_DOCS_PATH
    elif openapi_path is None:
        return None
    return ApiDocs(
        table,
        modules,
        title=title,
        base_path=settings.base_path,
        openapi_path=openapi_path,
        docs_path=docs_path,
        live=dev,
    )


def _refuse_a_route_at(key: str, path: str, base_path: str, table: RouteTable) -> None:
    """Refuse a docs path that a route also serves: the docs would hide it."""
    probes = (path, path + _ASSETS + _INITIALIZER) if key == "docs_path" else (path,)
    for probe in probes:
        route = table.route_at_setting_path(probe, base_path)
        if route is not None:
            raise SettingsError(
                code="docs-path-conflict",
                files=(route.file,),
                problem=(
                    f"the setting {key} = {path!r} is also the URL of the route "
                    f"{base_path}{route.pattern}"
                ),
                fix=f'choose another {key} (for example "/_approutes{path}"), or move the route',
            )


class ApiDocs:
    """Answers the document's path and the docs page's paths; the front half asks it first.

    Example:
        docs = ApiDocs(table, modules, title="my-app", openapi_path="/openapi.json",
                       docs_path="/docs", live=False)
    """

    __slots__ = (
        "_assets_prefix",
        "_base_path",
        "_built",
        "_docs_path",
        "_modules",
        "_openapi_path",
        "_ours",
        "_table",
        "_title",
    )

    def __init__(
        self,
        table: RouteTable,
        modules: RouteModules,
        *,
        title: str,
        openapi_path: str,
        docs_path: str | None,
        live: bool,
        base_path: str = "",
    ) -> None:
        """Serve the document of `table` / `modules` at `openapi_path`, the page at `docs_path`.

        `live` (dev) builds the document per request, so it follows reloads; otherwise it is
        built here, once, and a route that cannot be described stops start-up.

        Raises:
            ConfigurationError: a route module cannot be loaded (only from a manifest's table).
        """
        self._table = table
        self._modules = modules
        self._title = title
        self._base_path = base_path
        self._openapi_path = openapi_path
        self._docs_path = docs_path
        self._assets_prefix = None if docs_path is None else docs_path + _ASSETS
        self._ours = (openapi_path,) if docs_path is None else (openapi_path, docs_path)
        # PERF: `approutes start` serves the same bytes to every request.
        self._built = None if live else self._document()

    def answers(self, path: str) -> bool:
        """Whether `path` is one of the docs paths (the `trailing_slash` setting allowed)."""
        if not path.startswith(self._ours):
            return False
        path = path.removesuffix("/")
        if path in self._ours:
            return True
        prefix = self._assets_prefix
        return prefix is not None and path.startswith(prefix)

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
        if path == self._openapi_path:
            return Response(
                self._built or self._document(),
                headers={"content-type": "application/json", "cache-control": _NO_CACHE},
            )
        if path == self._docs_path:
            page = _PAGE.format(
                title=html.escape(self._title),
                assets=html.escape(self._docs_path + _ASSETS),
                openapi=html.escape(self._openapi_path),
                initializer=_INITIALIZER,
            )
            return Response(page, headers=_PAGE_HEADERS)
        return _asset(path.removeprefix(self._assets_prefix or ""))

    def _document(self) -> bytes:
        document = openapi_document(
            self._table, self._modules, title=self._title, base_path=self._base_path
        )
        return dumps(document)


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
