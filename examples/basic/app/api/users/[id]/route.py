import asyncio

from approutes import NextRequest, NextResponse, Response, RouteContext

from lib.db import delete_user, get_user, update_user
from lib.models import UserIn


def GET(request: NextRequest, context: RouteContext):
    user = get_user(context.params["id"])
    if user is None:
        return NextResponse.json({"error": "User not found"}, status=404)
    return NextResponse.json(user)


async def PUT(request: NextRequest, context: RouteContext):
    data = UserIn.model_validate(await request.json())
    user = await asyncio.to_thread(update_user, context.params["id"], data)
    if user is None:
        return NextResponse.json({"error": "User not found"}, status=404)
    return NextResponse.json(user)


def DELETE(request: NextRequest, context: RouteContext):
    if not delete_user(context.params["id"]):
        return NextResponse.json({"error": "User not found"}, status=404)
    return Response(None, status=204)
