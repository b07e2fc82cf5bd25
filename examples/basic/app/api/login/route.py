import asyncio
from typing import Annotated

from approutes import NextResponse, Raises, Status

from lib.auth import auth
from lib.db import find_user_by_email
from lib.models import LoginIn, LoginOut


# Sign in by email (a demo: a real app checks a password or a one-time code).
# A returned Response is sent as it is: here, to set the session cookie on it.
async def POST(credentials: LoginIn) -> Annotated[LoginOut, Raises(401, "no user has that email")]:
    user = await asyncio.to_thread(find_user_by_email, credentials.email)
    if user is None:
        return NextResponse.json({"error": "Unknown email"}, status=401)
    response = NextResponse.json(LoginOut(user=user))
    auth.sign_in(response, str(user.id), name=user.name)
    return response


async def DELETE() -> Annotated[None, Status(204)]:
    response = NextResponse(None, status=204)
    auth.sign_out(response)
    return response
