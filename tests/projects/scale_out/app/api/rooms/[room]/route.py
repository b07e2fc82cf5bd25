from approutes import WebSocket, channels


async def GET(socket: WebSocket, room: str) -> None:
    channel = f"room:{room}"
    await socket.accept()
    await socket.subscribe(channel)
    await socket.send("subscribed")  # from here on, every message of the room arrives
    async for text in socket:
        if isinstance(text, str):
            await channels.publish(channel, text)
