from approutes import NextRequest, NextResponse

from lib.auth import auth


# Sign in with a name (a demo: a real app checks who it is).
async def POST(request: NextRequest):
    body = await request.json()
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return NextResponse.json({"error": 'Send {"name": "..."} (1 to 32 characters)'}, status=400)
    response = NextResponse.json({"name": name})
    auth.sign_in(response, name, name=name)
    return response
