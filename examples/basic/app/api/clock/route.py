import asyncio
from datetime import UTC, datetime
from typing import Annotated

from approutes import Query, sse
from pydantic import Field


# A typed query param: ?count=x or ?count=1000 is a 400 with the issue, before this runs.
async def GET(count: Annotated[int, Query(), Field(ge=1, le=60)] = 5):
    async def ticks():
        for n in range(count):
            if n:
                await asyncio.sleep(1)  # one a second; the stream ends after the last tick
            yield {"event": "tick", "id": str(n), "data": {"now": datetime.now(UTC).isoformat()}}

    return sse(ticks())
