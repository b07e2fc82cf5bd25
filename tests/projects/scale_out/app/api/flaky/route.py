import os

from approutes import NextRequest, NextResponse


def _answer(request: NextRequest) -> NextResponse:
    with open(os.environ["FLAKY_LOG"], "a") as log:
        log.write(f"{request.method} {os.environ.get('INSTANCE_NAME', '?')}\n")
    return NextResponse.json({"error": "unavailable"}, status=503)


def GET(request: NextRequest) -> NextResponse:
    return _answer(request)


def POST(request: NextRequest) -> NextResponse:
    return _answer(request)
