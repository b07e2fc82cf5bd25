import asyncio

from approutes import NextRequest, NextResponse

from lib.auth import auth
from lib.db import find_user_by_email


# Sign in by email (a demo: a real app checks a password or a one-time code).
async def POST(request: NextRequest):
    body = await request.json()
    if not isinstance(body, dict) or not isinstance(body.get("email"), str):
        return NextResponse.json({"error": "Send {\"email\": \"...\"}"}, status=400)
    user = await asyncio.to_thread(find_user_by_email, body["email"])
    if user is None:
        return NextResponse.json({"error": "Unknown email"}, status=401)
    response = NextResponse.json({"user": user})
    auth.sign_in(response, str(user.id), name=user.name)
    return response


async def DELETE():
    response = NextResponse(None, status=204)
    auth.sign_out(response)
    return response
