"""S9: behind middleware.py, [cors] and [[headers]]; the session through Use(auth.required)."""

from typing import Annotated

from lib.auth import auth

from approutes import Use
from approutes.auth import Session


async def GET(id: str, session: Annotated[Session, Use(auth.required)]) -> dict[str, str]:
    return {"id": id, "user": session.user}
