"""FastAPI peer for S7-S9, written the way FastAPI's docs write each piece.

S7 a plain `def` path operation (FastAPI runs it in its thread pool); S8 the shared pydantic
models as body and response model; S9 CORSMiddleware, one `@app.middleware("http")` that adds
the matcher's header and the security header to /api/front/*, and a dependency that checks
the bearer token with PyJWT.
"""

from typing import Annotated, Any

import jwt
from benchwork import ALLOWED_ORIGIN, AUTH_SECRET, Order, OrderReceipt, fetch_item, receipt
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.middleware.base import RequestResponseEndpoint

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=[ALLOWED_ORIGIN], allow_headers=["authorization"])
bearer = HTTPBearer(auto_error=False)


@app.middleware("http")
async def front_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
    response = await call_next(request)
    if request.url.path.startswith("/api/front/"):
        response.headers["x-frontend"] = "1"
        response.headers["x-content-type-options"] = "nosniff"
    return response


def session_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    if credentials is None:
        raise HTTPException(401, "Unauthorized", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(
            credentials.credentials,
            AUTH_SECRET,
            algorithms=["HS256"],
            options={"require": ["exp", "sub"], "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise HTTPException(401, "Unauthorized", headers={"WWW-Authenticate": "Bearer"}) from None
    return str(claims["sub"])


@app.get("/api/hello")
async def hello() -> dict[str, str]:
    return {"message": "Hello World"}


@app.get("/api/items/{item_id}")
def item(item_id: int) -> dict[str, Any]:
    row = fetch_item(item_id)
    if row is None:
        raise HTTPException(404, "not found")
    return row


@app.post("/api/orders")
async def orders(order: Order) -> OrderReceipt:
    return receipt(order)


@app.get("/api/front/{id}")
async def front(id: str, user: Annotated[str, Depends(session_user)]) -> dict[str, str]:
    return {"id": id, "user": user}
