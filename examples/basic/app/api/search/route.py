from approutes import NextRequest, NextResponse

from lib.db import search_users
from lib.models import SearchQuery


def GET(request: NextRequest):
    search_params = request.next_url.search_params
    query = SearchQuery(q=search_params.get("q") or "", limit=search_params.get("limit") or 10)
    results = search_users(query.q, query.limit)
    return NextResponse.json({"query": query.q, "limit": query.limit, "results": results})
