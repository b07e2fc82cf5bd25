import asyncio

from approutes import NextResponse

from lib.db import create_user, list_users
from lib.models import User, UserIn


def GET() -> list[User]:
    return list_users()


# A typed body: approutes validates it (bad input -> 400 with the issues) before this runs.
# The blocking database call runs in a thread, so POST stays async.
async def POST(data: UserIn):
    user = await asyncio.to_thread(create_user, data)
    return NextResponse.json(user, status=201)
