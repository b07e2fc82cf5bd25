"""Sessions for route handlers: `Auth` and `Session`, the Next.js auth pattern built in.

Make one `Auth` in your project, read the session in handlers, sign in and out:

```python
# lib/auth.py
import os
from approutes.auth import Auth
auth = Auth(secret=os.environ["AUTH_SECRET"])

# app/api/me/route.py
from approutes import NextResponse
from lib.auth import auth

async def GET():
    session = await auth.require()
    if isinstance(session, NextResponse):
        return session                      # 401 {"error": "Unauthorized"}
    return {"user": session.user}
```

Or let the handler declare the session: `auth.required` and `auth.optional` are
dependencies (`session: Annotated[Session, Use(auth.required)]`, see docs/dependencies.md):
the handler runs only with a session, and the OpenAPI document shows the route's security.

Tokens are JWTs signed with one pinned HMAC algorithm (HS256 by default) and must carry
`exp` and `sub`. Browsers get them in an HttpOnly, SameSite=Lax cookie (`auth.sign_in`);
other clients send `Authorization: Bearer` (`auth.token`). Cookie-authenticated writes
(POST, PUT, PATCH, DELETE) from another origin are refused with 403.
"""

from __future__ import annotations

from approutes.auth.authenticator import Auth
from approutes.auth.session import Session

__all__ = ["Auth", "Session"]
