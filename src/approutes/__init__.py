"""approutes: Next.js App Router route handlers, in Python. The file system is the API.

Example:
    # app/api/hello/route.py
    from approutes import NextResponse

    async def GET():
        return NextResponse.json({"message": "Hello World"})
"""

from __future__ import annotations

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
