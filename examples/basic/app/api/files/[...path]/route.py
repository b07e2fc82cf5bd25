from lib.models import FilePath


# `path` is the catch-all's segments: /api/files/a/b -> ["a", "b"].
async def GET(path: list[str]) -> FilePath:
    return {"path": path, "fullPath": "/".join(path)}
