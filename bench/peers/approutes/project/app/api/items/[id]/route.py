"""S7: one SQLite row by id, from a plain `def` handler (approutes runs it in a worker thread)."""

from benchwork import fetch_item

from approutes import NextRequest, NextResponse, RouteContext


def GET(request: NextRequest, context: RouteContext) -> NextResponse:
    row = fetch_item(int(context.params["id"]))
    if row is None:
        return NextResponse.json({"error": "not found"}, status=404)
    return NextResponse.json(row)
