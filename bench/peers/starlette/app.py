"""Starlette peer for S7 and S9, written the way Starlette's docs write them.

S7 the query through `run_in_threadpool`; S9 CORSMiddleware and a BaseHTTPMiddleware that
adds the matcher's header and the security header to /api/front/*, the bearer token checked
with PyJWT in the endpoint.
"""

from typing import Any

import jwt
from benchwork import ALLOWED_ORIGIN, AUTH_SECRET, fetch_item
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class FrontHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        if request.url.path.startswith("/api/front/"):
            response.headers["x-frontend"] = "1"
            response.headers["x-content-type-options"] = "nosniff"
        return response


def session_user(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            AUTH_SECRET,
            algorithms=["HS256"],
            options={"require": ["exp", "sub"], "verify_iat": False},
        )
    except jwt.PyJWTError:
        return None
    return str(claims["sub"])


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"message": "Hello World"})


async def item(request: Request) -> JSONResponse:
    row = await run_in_threadpool(fetch_item, int(request.path_params["item_id"]))
    if row is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse(row)


async def front(request: Request) -> JSONResponse:
    user = session_user(request)
    if user is None:
        return JSONResponse(
            {"error": "Unauthorized"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    return JSONResponse({"id": request.path_params["id"], "user": user})


app = Starlette(
    routes=[
        Route("/api/hello", hello),
        Route("/api/items/{item_id:int}", item),
        Route("/api/front/{id}", front),
    ],
    middleware=[
        Middleware(CORSMiddleware, allow_origins=[ALLOWED_ORIGIN], allow_headers=["authorization"]),
        Middleware(FrontHeaders),
    ],
)
