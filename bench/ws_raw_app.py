"""Hand-written ASGI WebSocket echo app: the floor for the WebSocket echo scenario.

Accepts every WebSocket and sends each text or bytes message straight back; answers HTTP
with a bare 404. No framework, no routing, nothing per message beyond the two ASGI events
(bench/ws_echo.py serves it on uvicorn and on granian, next to approutes' echo route).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

__all__ = ["app"]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Echo every message of a WebSocket; 404 to HTTP; ignore the lifespan."""
    kind = scope["type"]
    if kind == "websocket":
        await _echo(receive, send)
    elif kind == "http":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
    elif kind == "lifespan":
        await receive()  # lifespan.startup
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})


async def _echo(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "websocket.receive":
            text = message.get("text")
            if text is not None:
                await send({"type": "websocket.send", "text": text})
            else:
                await send({"type": "websocket.send", "bytes": message.get("bytes")})
        elif kind == "websocket.connect":
            await send({"type": "websocket.accept"})
        else:  # websocket.disconnect
            return
