from approutes import NextResponse

from lib.auth import require_auth


async def GET():
    session = await require_auth()
    if isinstance(session, NextResponse):
        return session  # 401 {"error": "Unauthorized"}
    return {"id": session.user, "name": session.claims.get("name")}
