"""draft_mode(), Next's `draftMode()` (docs/01-app/03-api-reference/04-functions/draft-mode.mdx):
enable() sets `__prerender_bypass` with the build's secret; while it is on, cached routes
render for each request; disable() removes it. Pages: `res.set_draft_mode`, `req.draft_mode`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

from approutes.cli.build_command import build_project
from approutes.project.draft_secret import read_draft_secret

if TYPE_CHECKING:
    from pathlib import Path

FILES = {
    "app/api/draft/route.py": """
        from approutes.headers import draft_mode

        def GET(request):
            mode = draft_mode()
            if request.search_params.get("off"):
                mode.disable()
            else:
                mode.enable()
            return {"was_enabled": mode.is_enabled}
    """,
    "app/api/posts/route.py": """
        from pathlib import Path

        from approutes.headers import draft_mode

        revalidate = 3600
        COUNTER = Path(__file__).parents[3] / "renders.txt"

        def GET():
            with COUNTER.open("a") as file:
                file.write("render\\n")
            renders = len(COUNTER.read_text().splitlines())
            return {"render": renders, "draft": draft_mode().is_enabled}
    """,
    "pages/api/legacy-draft.py": """
        def handler(req, res):
            res.set_draft_mode(enable=not req.query.get("off"))
            res.status(200).json({"draft": req.draft_mode})
    """,
}


@pytest.mark.anyio
async def test_enable_sets_the_build_secret_and_cached_routes_skip_the_cache(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path, FILES)

    async with client_for(root) as client:
        first = await client.get("/api/posts")
        cached = await client.get("/api/posts")
        enabled = await client.get("/api/draft")
        cookie = enabled.cookies.get("__prerender_bypass")
        client.cookies.clear()
        draft = [
            await client.get("/api/posts", headers={"cookie": f"__prerender_bypass={cookie}"})
            for _ in "ab"
        ]
        forged = await client.get("/api/posts", headers={"cookie": "__prerender_bypass=guess"})

    assert cookie == read_draft_secret(root)
    line = enabled.headers["set-cookie"]
    assert line.endswith("Path=/; Secure; HttpOnly; SameSite=none")
    assert enabled.json() == {"was_enabled": False}
    assert (first.headers["x-approutes-cache"], cached.headers["x-approutes-cache"]) == (
        "MISS",
        "HIT",
    )
    # In draft mode every request renders, and sees draft mode on; the cache is untouched.
    assert [r.json() for r in draft] == [{"render": 2, "draft": True}, {"render": 3, "draft": True}]
    assert all("x-approutes-cache" not in r.headers for r in draft)
    assert forged.json() == {"render": 1, "draft": False}


@pytest.mark.anyio
async def test_disable_expires_the_cookie(tmp_path: Path) -> None:
    root = make_project(tmp_path, FILES)

    async with client_for(root) as client:
        secret = read_draft_secret(root)
        response = await client.get(
            "/api/draft", params={"off": "1"}, headers={"cookie": f"__prerender_bypass={secret}"}
        )

    assert response.json() == {"was_enabled": True}
    assert response.headers["set-cookie"].startswith(
        "__prerender_bypass=; Path=/; Expires=Thu, 01 Jan 1970"
    )


@pytest.mark.anyio
async def test_pages_handlers_set_and_read_draft_mode(tmp_path: Path) -> None:
    root = make_project(tmp_path, FILES)

    async with client_for(root) as client:
        enabled = await client.get("/api/legacy-draft")
        secret = enabled.cookies.get("__prerender_bypass")
        client.cookies.clear()
        again = await client.get(
            "/api/legacy-draft", headers={"cookie": f"__prerender_bypass={secret}"}
        )

    assert secret == read_draft_secret(root)
    assert enabled.json() == {"draft": False}
    assert again.json() == {"draft": True}


def test_each_build_has_a_new_secret(tmp_path: Path) -> None:
    root = make_project(tmp_path, FILES)

    build_project(root)
    first = read_draft_secret(root)
    build_project(root)

    assert read_draft_secret(root) != first
    assert len(first) == 64


def test_workers_without_a_build_share_one_secret(tmp_path: Path) -> None:
    async def read_many() -> set[str]:
        secrets = await asyncio.gather(
            *(asyncio.to_thread(read_draft_secret, tmp_path) for _ in range(8))
        )
        return set(secrets)

    assert len(asyncio.run(read_many())) == 1
