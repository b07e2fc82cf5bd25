from pydantic import BaseModel

from approutes import NextResponse, channels

from lib.auth import auth


class Announcement(BaseModel):
    text: str


# An announcement to a room from plain HTTP (a bot, a cron job): channels are not only for sockets.
async def POST(room: str, announcement: Announcement):
    session = await auth.require()
    if isinstance(session, NextResponse):
        return session
    await channels.publish(f"room:{room}", f"[{session.claims['name']}] {announcement.text}")
    return {"sent": True}
