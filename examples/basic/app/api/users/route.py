import asyncio
from typing import Annotated

from approutes import Status

from lib.db import create_user, list_users
from lib.models import User, UserIn


def GET() -> list[User]:
    return list_users()


# A typed body: approutes validates it (bad input -> 400 with the issues) before this runs.
# The blocking database call runs in a thread, so POST stays async; Status(201) is the
# answer's status, and the OpenAPI document's.
async def POST(data: UserIn) -> Annotated[User, Status(201)]:
    return await asyncio.to_thread(create_user, data)
