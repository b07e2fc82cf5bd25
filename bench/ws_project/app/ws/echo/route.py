"""The WebSocket echo route of bench/ws_echo.py: every message goes straight back."""

from approutes import WebSocket


async def GET(socket: WebSocket) -> None:
    await socket.accept()
    async for message in socket:
        await socket.send(message)
