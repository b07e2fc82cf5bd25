"""Hand-written ASGI app for S7-S10: the floor, doing each scenario's work by hand.

The same shape as the shared harness's raw app (dict lookups, orjson), plus:
- S7 `GET /api/items/{id}`: the SQLite query in the loop's default thread pool;
- S8 `POST /api/orders`: `Order.model_validate_json` and `model_dump_json`, nothing else;
- S9 `GET /api/front/{id}`: the middleware's header, CORS for one origin, the bearer token
  checked with PyJWT (as approutes' auth does) and the security header, all inline.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
import orjson
from benchwork import ALLOWED_ORIGIN, AUTH_SECRET, Order, fetch_item, receipt
from pydantic import ValidationError

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

JSON_TYPE = (b"content-type", b"application/json")
ORIGIN = ALLOWED_ORIGIN.encode()
SECRET = AUTH_SECRET.encode()
FRONT_HEADERS: Headers = [(b"x-frontend", b"1"), (b"x-content-type-options", b"nosniff")]
UNAUTHORIZED = b'{"error":"Unauthorized"}'


async def send_json(
    send: Send, body: bytes, status: int = 200, extra: Headers | None = None
) -> None:
    headers = [JSON_TYPE, (b"content-length", str(len(body)).encode())]
    if extra:
        headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    await send_json(send, b'{"message":"Hello World"}')


async def orders(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["method"] != "POST":
        await send_json(send, b'{"error":"method not allowed"}', 405)
        return
    try:
        order = Order.model_validate_json(await read_body(receive))
    except ValidationError as error:
        await send_json(
            send, orjson.dumps({"error": "Invalid input", "issues": error.errors()}), 400
        )
        return
    await send_json(send, receipt(order).model_dump_json().encode())


async def user(scope: Scope, receive: Receive, send: Send, user_id: str) -> None:
    await send_json(send, orjson.dumps({"id": user_id}))


async def item(scope: Scope, receive: Receive, send: Send, item_id: str) -> None:
    if not item_id.isdigit():
        await send_json(send, b'{"error":"not found"}', 404)
        return
    row = await asyncio.get_running_loop().run_in_executor(None, fetch_item, int(item_id))
    if row is None:
        await send_json(send, b'{"error":"not found"}', 404)
        return
    await send_json(send, orjson.dumps(row))


def session_user(scope: Scope) -> str | None:
    """The bearer token's `sub`, verified as approutes' Auth verifies it, or None."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            try:
                claims = jwt.decode(
                    token,
                    SECRET,
                    algorithms=["HS256"],
                    options={"require": ["exp", "sub"], "verify_iat": False},
                )
            except jwt.PyJWTError:
                return None
            sub = claims["sub"]
            return sub if isinstance(sub, str) and sub else None
    return None


async def front(scope: Scope, receive: Receive, send: Send, item_id: str) -> None:
    headers = list(FRONT_HEADERS)
    headers.append((b"vary", b"Origin"))
    for name, value in scope["headers"]:
        if name == b"origin" and value == ORIGIN:
            headers.append((b"access-control-allow-origin", ORIGIN))
            break
    user = session_user(scope)
    if user is None:
        headers.append((b"www-authenticate", b"Bearer"))
        await send_json(send, UNAUTHORIZED, 401, headers)
        return
    await send_json(send, orjson.dumps({"id": item_id, "user": user}), 200, headers)


STATIC: dict[str, Callable[..., Awaitable[None]]] = {"/api/hello": hello, "/api/orders": orders}
DYNAMIC: dict[tuple[str, ...], Callable[..., Awaitable[None]]] = {
    ("api", "users"): user,
    ("api", "items"): item,
    ("api", "front"): front,
}


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        return
    path = scope["path"]
    handler = STATIC.get(path)
    if handler is not None:
        await handler(scope, receive, send)
        return
    parts = path.strip("/").split("/")
    dynamic = DYNAMIC.get(tuple(parts[:-1]))
    if dynamic is None or not parts[-1]:
        await send_json(send, b'{"error":"not found"}', 404)
        return
    await dynamic(scope, receive, send, parts[-1])
