import asyncio
from datetime import UTC, datetime

from approutes import NextRequest, sse


async def GET(request: NextRequest):
    count = int(request.search_params.get("count") or 5)

    async def ticks():
        for n in range(count):
            yield {"event": "tick", "id": str(n), "data": {"now": datetime.now(UTC).isoformat()}}
            await asyncio.sleep(1)

    return sse(ticks())
