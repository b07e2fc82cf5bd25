from typing import Annotated

from approutes import Query
from pydantic import Field

from lib.db import search_users
from lib.models import SearchResults


# Typed search params: ?limit=500 is a 400 with the issue, before this runs.
def GET(
    q: Annotated[str, Query()] = "",
    limit: Annotated[int, Query(), Field(ge=1, le=100)] = 10,
) -> SearchResults:
    return SearchResults(query=q, limit=limit, results=search_users(q, limit))
