import os
import time

# Rendered once, served from the cache store (Redis) on every instance until the tag is
# revalidated.
dynamic = "force-static"
tags = ["scale-out"]


async def GET():
    return {"rendered_by": os.getpid(), "rendered_at": time.time()}
