"""The project's sessions: one Auth, imported by the routes that need it.

AUTH_SECRET comes from the environment (`approutes new` writes one into .env.local). Without
it a random secret is made at start-up: sessions then end when the server restarts, and
each worker process would have its own, so set AUTH_SECRET before deploying.
"""

import os
import secrets

from approutes import NextResponse
from approutes.auth import Auth, Session

auth = Auth(secret=os.environ.get("AUTH_SECRET") or secrets.token_urlsafe(32), max_age=7 * 24 * 3600)


async def require_auth() -> Session | NextResponse:
    """The session, or the 401 response to return early (Next's `requireAuth` helper)."""
    return await auth.require()
