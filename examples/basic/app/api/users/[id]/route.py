import asyncio

from approutes import HTTPError, Response

from lib.db import delete_user, get_user, update_user
from lib.models import User, UserId, UserIn


# `id` is the route's [id] param, converted to an int (/api/users/abc -> 400).
def GET(id: UserId) -> User:
    user = get_user(id)
    if user is None:
        raise HTTPError(404, "User not found")
    return user


async def PUT(id: UserId, data: UserIn) -> User:
    user = await asyncio.to_thread(update_user, id, data)
    if user is None:
        raise HTTPError(404, "User not found")
    return user


def DELETE(id: UserId):
    if not delete_user(id):
        raise HTTPError(404, "User not found")
    return Response(None, status=204)
