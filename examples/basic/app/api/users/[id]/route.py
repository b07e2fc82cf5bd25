import asyncio
from typing import Annotated

from approutes import HTTPError, Raises, Status

from lib.db import delete_user, get_user, update_user
from lib.models import User, UserId, UserIn

NOT_FOUND = Raises(404, "no user has that id")


# `id` is the route's [id] param, converted to an int (/api/users/abc -> 400).
def GET(id: UserId) -> Annotated[User, NOT_FOUND]:
    user = get_user(id)
    if user is None:
        raise HTTPError(404, "User not found")
    return user


async def PUT(id: UserId, data: UserIn) -> Annotated[User, NOT_FOUND]:
    user = await asyncio.to_thread(update_user, id, data)
    if user is None:
        raise HTTPError(404, "User not found")
    return user


def DELETE(id: UserId) -> Annotated[None, Status(204), NOT_FOUND]:
    if not delete_user(id):
        raise HTTPError(404, "User not found")
