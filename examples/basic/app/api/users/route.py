import asyncio

from approutes import NextRequest, NextResponse

from lib.db import create_user, list_users
from lib.models import UserIn


def GET():
    return NextResponse.json(list_users())


# Reading the body needs `await`, so POST is async and runs the blocking call in a thread.
async def POST(request: NextRequest):
    data = UserIn.model_validate(await request.json())  # bad input -> 400 with the issues
    user = await asyncio.to_thread(create_user, data)
    return NextResponse.json(user, status=201)
