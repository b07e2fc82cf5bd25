"""skip_trailing_slash_redirect, Next's `skipTrailingSlashRedirect`
(docs/01-app/03-api-reference/05-config/01-next-config-js/skipTrailingSlashRedirect.mdx):
no 308 for a trailing slash; both spellings reach the route (and proxy.py sees which).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

if TYPE_CHECKING:
    from pathlib import Path

ROUTE = """
def GET(request):
    return {"pathname": request.next_url.pathname}
"""


@pytest.mark.anyio
@pytest.mark.parametrize("trailing_slash", ["false", "true"])
async def test_both_spellings_are_served_without_a_redirect(
    tmp_path: Path, trailing_slash: str
) -> None:
    settings = f"trailing_slash = {trailing_slash}\nskip_trailing_slash_redirect = true\n"
    root = make_project(tmp_path, {"app/api/items/route.py": ROUTE, "approutes.toml": settings})

    async with client_for(root) as client:
        bare = await client.get("/api/items")
        slashed = await client.get("/api/items/")
        doubled = await client.get("/api//items/")

    assert (bare.status_code, bare.json()) == (200, {"pathname": "/api/items"})
    assert (slashed.status_code, slashed.json()) == (200, {"pathname": "/api/items/"})
    # Only the trailing slash is left alone: a doubled slash is still made canonical.
    assert doubled.status_code == 308
    assert doubled.headers["location"].endswith("/api/items/")


@pytest.mark.anyio
async def test_without_the_setting_the_slash_is_redirected(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/items/route.py": ROUTE})

    async with client_for(root) as client:
        slashed = await client.get("/api/items/")

    assert slashed.status_code == 308
    assert slashed.headers["location"].endswith("/api/items")
