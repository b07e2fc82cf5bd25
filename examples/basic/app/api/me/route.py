from approutes import NextResponse

from lib.auth import require_auth
from lib.models import Me


async def GET() -> Me:
    session = await require_auth()
    if isinstance(session, NextResponse):
        return session  # 401 {"error": "Unauthorized"}
    return Me(id=session.user, name=session.claims.get("name"))
