"""S9: a matcher and one response header, as a project's middleware typically adds."""

from approutes import NextRequest, NextResponse

config = {"matcher": ["/api/front/:path*"]}


async def middleware(request: NextRequest) -> NextResponse:
    response = NextResponse.next()
    response.headers.set("x-frontend", "1")
    return response
