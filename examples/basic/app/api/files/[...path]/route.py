from approutes import NextRequest, NextResponse, RouteContext


async def GET(request: NextRequest, context: RouteContext):
    path = context.params["path"]
    return NextResponse.json({"path": path, "fullPath": "/".join(path)})
