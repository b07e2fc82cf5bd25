from typing import Annotated

from approutes import NextResponse, Raises

from lib.auth import require_auth
from lib.models import Me


async def GET() -> Annotated[Me, Raises(401, "not signed in")]:
    session = await require_auth()
    if isinstance(session, NextResponse):
        return session  # 401 {"error": "Unauthorized"}
    return Me(id=session.user, name=session.claims.get("name"))
