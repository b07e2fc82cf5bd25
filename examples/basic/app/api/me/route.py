from typing import Annotated

from approutes import Use
from approutes.auth import Session

from lib.auth import auth
from lib.models import Me


# Use(auth.required): the handler runs only with a session; without one the answer is
# 401 {"error": "Unauthorized"}, and the OpenAPI document shows the 401 and the auth schemes.
async def GET(session: Annotated[Session, Use(auth.required)]) -> Me:
    return Me(id=session.user, name=session.claims.get("name"))
