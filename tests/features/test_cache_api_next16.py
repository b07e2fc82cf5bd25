"""Next 16's cache API: revalidate_tag(tag, profile), revalidate_path(pattern, type),
cache_life profiles and @cached(life=...), cache_tag().

Next's behaviour: packages/next/src/server/web/spec-extension/revalidate.ts (revalidateTag
with a profile marks stale, without one expires; revalidatePath with a type), next/cache.d.ts
(the cacheLife presets), docs/01-app/03-api-reference/04-functions/cacheTag.mdx.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from tests.conftest import FakeClock, client_for, make_project

from approutes import create_app
from approutes.cache import cached
from approutes.cache.runtime import current_cache
from approutes.errors import ConfigurationError

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

# Each post counts its renders in renders-<slug>.txt beside app/.
POST = """
from pathlib import Path

from approutes.cache import cache_tag

revalidate = 3600
tags = ["posts"]
HERE = Path(__file__).parents[4]

def GET(request, context):
    slug = context.params["slug"]
    counter = HERE / f"renders-{slug}.txt"
    with counter.open("a") as file:
        file.write("render\\n")
    cache_tag(f"post:{slug}")
    return {"slug": slug, "render": len(counter.read_text().splitlines())}
"""

NESTED = """
revalidate = 3600

def GET():
    return {"nested": True}
"""

REVALIDATE = """
from approutes.cache import revalidate_path, revalidate_tag

async def POST(request):
    body = await request.json()
    if "tag" in body:
        await revalidate_tag(body["tag"], body.get("profile"))
    else:
        await revalidate_path(body["path"], body.get("type"))
    return {"ok": True}
"""

FUNCTIONS = """
from pathlib import Path

from approutes.cache import cache_tag, cached

HERE = Path(__file__).parents[3]

@cached(life="hours")
async def hourly(name):
    counter = HERE / f"calls-{name}.txt"
    with counter.open("a") as file:
        file.write("call\\n")
    cache_tag(f"name:{name}")
    return {"name": name, "call": len(counter.read_text().splitlines())}

@cached(life="blog")
async def blog():
    return {"profile": "blog"}

async def GET(request):
    which = request.search_params.get("which")
    if which == "blog":
        return await blog()
    if which == "loose":
        cache_tag("nowhere")
    return await hourly(request.search_params.get("name") or "ada")
"""

# A cached route whose render calls a @cached function: its tags become the route's.
USES_FUNCTION = """
from lib_cached import hourly

revalidate = 3600

async def GET():
    return await hourly("grace")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path,
        {
            "app/api/posts/[slug]/route.py": POST,
            "app/api/posts/[slug]/comments/route.py": NESTED,
            "app/api/other/route.py": NESTED,
            "app/api/revalidate/route.py": REVALIDATE,
            "app/api/fn/route.py": FUNCTIONS,
            "approutes.toml": (
                'cache = "memory"\n[cache_life.blog]\nrevalidate = 10\nexpire = 20\n'
            ),
        },
    )


async def state(client: httpx.AsyncClient, path: str) -> tuple[str | None, object]:
    response = await client.get(path)
    return response.headers.get("x-approutes-cache"), response.json()


async def revalidate(client: httpx.AsyncClient, **body: str) -> None:
    response = await client.post("/api/revalidate", json=body)
    assert response.status_code == 200, response.text


@pytest.mark.anyio
async def test_revalidate_tag_without_a_profile_expires_at_once(project: Path) -> None:
    async with client_for(project) as client:
        await client.get("/api/posts/a")
        await revalidate(client, tag="posts")
        after = await state(client, "/api/posts/a")

    assert after == ("MISS", {"slug": "a", "render": 2})


@pytest.mark.anyio
async def test_revalidate_tag_with_a_profile_serves_stale_and_regenerates_once(
    project: Path,
) -> None:
    async with client_for(project) as client:
        await client.get("/api/posts/a")
        await revalidate(client, tag="posts", profile="max")
        first = await state(client, "/api/posts/a")
        await asyncio.wait_for(current_cache().revalidator.wait_for_background(), timeout=10)
        second = await state(client, "/api/posts/a")

    assert first == ("STALE", {"slug": "a", "render": 1})
    assert second == ("HIT", {"slug": "a", "render": 2})
    assert len((project / "renders-a.txt").read_text().splitlines()) == 2


@pytest.mark.anyio
async def test_revalidate_tag_with_an_unknown_profile_is_an_error(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.post("/api/revalidate", json={"tag": "posts", "profile": "nope"})

    assert response.status_code == 500


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "dropped"),
    [
        ({"path": "/api/posts/a"}, {"/api/posts/a"}),
        ({"path": "/api/posts/[slug]"}, {"/api/posts/a", "/api/posts/b"}),
        ({"path": "/api/posts/[slug]", "type": "page"}, {"/api/posts/a", "/api/posts/b"}),
        (
            {"path": "/api/posts", "type": "layout"},
            {"/api/posts/a", "/api/posts/b", "/api/posts/a/comments"},
        ),
        (
            {"path": "/", "type": "layout"},
            {"/api/posts/a", "/api/posts/b", "/api/posts/a/comments", "/api/other"},
        ),
        ({"tag": "post:b"}, {"/api/posts/b"}),
    ],
    ids=["one-path", "pattern", "page", "layout", "root-layout", "cache-tag"],
)
async def test_revalidate_path_and_tags_drop_exactly_their_entries(
    project: Path, body: dict[str, str], dropped: set[str]
) -> None:
    paths = ["/api/posts/a", "/api/posts/b", "/api/posts/a/comments", "/api/other"]
    async with client_for(project) as client:
        for path in paths:
            await client.get(path)
        await revalidate(client, **body)
        states = {path: (await state(client, path))[0] for path in paths}

    assert {path for path, seen in states.items() if seen == "MISS"} == dropped
    assert {path for path, seen in states.items() if seen == "HIT"} == set(paths) - dropped


@pytest.mark.anyio
async def test_revalidate_path_refuses_an_unknown_type(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.post("/api/revalidate", json={"path": "/", "type": "all"})

    assert response.status_code == 500


@pytest.mark.anyio
async def test_cached_life_hours_is_stale_after_an_hour_and_gone_after_a_day(
    project: Path,
) -> None:
    clock = FakeClock()
    async with client_for(project, clock=clock) as client:
        first = (await client.get("/api/fn")).json()
        clock.advance(3599)
        fresh = (await client.get("/api/fn")).json()
        clock.advance(2)  # past revalidate: stale, refreshed in the background
        stale = (await client.get("/api/fn")).json()
        await asyncio.wait_for(current_cache().revalidator.wait_for_background(), timeout=10)
        clock.advance(86401)  # past expire: computed again while the caller waits
        expired = (await client.get("/api/fn")).json()

    assert [first["call"], fresh["call"], stale["call"], expired["call"]] == [1, 1, 1, 3]


@pytest.mark.anyio
async def test_a_project_profile_from_the_settings_is_used(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/fn", params={"which": "blog"})

    assert response.json() == {"profile": "blog"}
    assert current_cache().life_profiles["blog"].expire == 20


@pytest.mark.anyio
async def test_cache_tag_of_a_cached_function_revalidates_it(project: Path) -> None:
    async with client_for(project) as client:
        await client.get("/api/fn", params={"name": "ada"})
        await revalidate(client, tag="name:ada")
        again = (await client.get("/api/fn", params={"name": "ada"})).json()

    assert again == {"name": "ada", "call": 2}


@pytest.mark.anyio
async def test_cache_tag_outside_a_cached_render_is_an_error(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/fn", params={"which": "loose"})

    assert response.status_code == 500


@pytest.mark.anyio
async def test_tags_of_a_cached_function_become_the_tags_of_the_route_using_it(
    tmp_path: Path,
) -> None:
    functions = FUNCTIONS.replace(
        "HERE = Path(__file__).parents[3]", "HERE = Path(__file__).parent"
    )
    root = make_project(
        tmp_path,
        {
            "lib_cached.py": functions,
            "app/api/uses/route.py": USES_FUNCTION,
            "app/api/revalidate/route.py": REVALIDATE,
            "approutes.toml": 'cache = "memory"\n[cache_life.blog]\nrevalidate = 10\n',
        },
    )

    async with client_for(root) as client:
        assert (await state(client, "/api/uses"))[0] == "MISS"
        assert (await state(client, "/api/uses"))[0] == "HIT"
        await revalidate(client, tag="name:grace")
        assert (await state(client, "/api/uses"))[0] == "MISS"


def test_a_bad_cache_life_table_stops_start_up(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/x/route.py": NESTED,
            "approutes.toml": "[cache_life.blog]\nrevalidate = 900\nexpire = 60\n",
        },
    )

    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    assert caught.value.code == "bad-setting-value"
    assert "expire (60) must be longer than revalidate (900)" in caught.value.render()


def test_cached_refuses_revalidate_and_life_together() -> None:
    with pytest.raises(TypeError, match="revalidate or life, not both"):
        cached(revalidate=60, life="hours")
