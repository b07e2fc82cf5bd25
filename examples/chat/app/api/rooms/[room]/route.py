from approutes import NextResponse, WebSocket, channels

from lib.auth import auth


# A room: every line sent by a member reaches every member, on every instance.
async def GET(socket: WebSocket, room: str) -> NextResponse | None:
    session = await auth.require()
    if isinstance(session, NextResponse):
        return session  # the upgrade is refused: 401
    name = session.claims["name"]
    channel = f"room:{room}"
    await socket.accept()
    await socket.subscribe(channel)
    await channels.publish(channel, f"{name} joined")
    try:
        async for text in socket:
            if isinstance(text, str) and text.strip():
                await channels.publish(channel, f"{name}: {text.strip()}")
    finally:
        await channels.publish(channel, f"{name} left")
    return None
