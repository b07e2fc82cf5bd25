from approutes.cache import revalidate_tag


async def POST():
    await revalidate_tag("scale-out")
    return {"revalidated": "scale-out"}
