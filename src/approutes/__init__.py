"""approutes: Next.js App Router route handlers, in Python. The file system is the API.

Example:
    # app/api/hello/route.py
    from approutes import NextResponse

    async def GET():
        return NextResponse.json({"message": "Hello World"})
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from approutes.app import create_app
    from approutes.errors import BadRequest, HTTPError, WebSocketDisconnect
    from approutes.pages.request import ApiRequest as NextApiRequest
    from approutes.pages.response import ApiResponse as NextApiResponse
    from approutes.typed_params.answers import Raises, Status
    from approutes.typed_params.markers import Header, Query, Use
    from approutes.web.cookies import Cookie
    from approutes.web.form_data import File, FormData
    from approutes.web.headers import Headers
    from approutes.web.request import NextRequest
    from approutes.web.response import NextResponse, Response
    from approutes.web.route_context import RouteContext
    from approutes.web.sse import sse
    from approutes.web.url import NextURL, URLSearchParams
    from approutes.web.websocket import WebSocket

__all__ = [
    "BadRequest",
    "Cookie",
    "File",
    "FormData",
    "HTTPError",
    "Header",
    "Headers",
    "NextApiRequest",
    "NextApiResponse",
    "NextRequest",
    "NextResponse",
    "NextURL",
    "Query",
    "Raises",
    "Response",
    "RouteContext",
    "Status",
    "URLSearchParams",
    "Use",
    "WebSocket",
    "WebSocketDisconnect",
    "__version__",
    "create_app",
    "sse",
]

__version__ = "0.1.0"

# PERF: each public name is imported on first use (PEP 562), not by `import approutes`: the
# supervisor of `approutes start` (`cli/supervisor.py`) imports a few modules of the package
# and nothing else, and granian's workers are forked from it (an eager import of
# `create_app` and all it needs: +3.5 MiB in the supervisor, and in the sum a process tree
# counts). Type checkers read the imports above.
_HOMES = {
    "BadRequest": ("approutes.errors", "BadRequest"),
    "Cookie": ("approutes.web.cookies", "Cookie"),
    "File": ("approutes.web.form_data", "File"),
    "FormData": ("approutes.web.form_data", "FormData"),
    "HTTPError": ("approutes.errors", "HTTPError"),
    "Header": ("approutes.typed_params.markers", "Header"),
    "Headers": ("approutes.web.headers", "Headers"),
    "NextApiRequest": ("approutes.pages.request", "ApiRequest"),
    "NextApiResponse": ("approutes.pages.response", "ApiResponse"),
    "NextRequest": ("approutes.web.request", "NextRequest"),
    "NextResponse": ("approutes.web.response", "NextResponse"),
    "NextURL": ("approutes.web.url", "NextURL"),
    "Query": ("approutes.typed_params.markers", "Query"),
    "Raises": ("approutes.typed_params.answers", "Raises"),
    "Response": ("approutes.web.response", "Response"),
    "RouteContext": ("approutes.web.route_context", "RouteContext"),
    "Status": ("approutes.typed_params.answers", "Status"),
    "URLSearchParams": ("approutes.web.url", "URLSearchParams"),
    "Use": ("approutes.typed_params.markers", "Use"),
    "WebSocket": ("approutes.web.websocket", "WebSocket"),
    "WebSocketDisconnect": ("approutes.errors", "WebSocketDisconnect"),
    "create_app": ("approutes.app", "create_app"),
    "sse": ("approutes.web.sse", "sse"),
}

if not TYPE_CHECKING:  # NOTE: hidden from type checkers, so that a misspelt name is an error

    def __getattr__(name: str) -> object:
        """A public name, imported on first use (then found in this module's globals)."""
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module 'approutes' has no attribute {name!r}")
        module, attribute = home
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_HOMES})
