"""`[[rewrites]]` phases, as Next's `rewrites()` returns `{ beforeFiles, afterFiles, fallback }`
(docs/01-app/03-api-reference/05-config/01-next-config-js/rewrites.mdx): before_files run
after middleware and before `public/` and every route; after_files (the default) after the
files and static routes, before the dynamic ones; fallback only when nothing serves the path.
Also `NextResponse.rewrite(url, request_headers=...)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

from approutes import create_app
from approutes.errors import ConfigurationError

if TYPE_CHECKING:
    from pathlib import Path


def route(name: str) -> str:
    return (
        "def GET(request):\n"
        f"    return {{'route': {name!r}, 'x_tenant': request.headers.get('x-tenant')}}\n"
    )


FILES = {
    "app/api/hello/route.py": route("hello"),
    "app/api/items/route.py": route("items"),
    "app/api/items/[id]/route.py": route("item"),
    "app/api/legacy/route.py": route("legacy"),
    "app/api/fallback/route.py": route("fallback"),
    "public/robots.txt": "User-agent: *\n",
    "approutes.toml": """
        [[rewrites]]
        source = "/api/items"
        destination = "/api/hello"
        phase = "before_files"

        [[rewrites]]
        source = "/robots.txt"
        destination = "/api/legacy"

        [[rewrites]]
        source = "/api/items/:id"
        destination = "/api/legacy"

        [[rewrites]]
        source = "/:path*"
        destination = "/api/fallback"
        phase = "fallback"
    """,
}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "served"),
    [
        ("/api/items", "hello"),  # before_files beats even a static route
        ("/api/items/5", "legacy"),  # after_files beats a dynamic route
        ("/api/hello", "hello"),  # a route: no fallback
        ("/nothing/here", "fallback"),  # served by nothing else
    ],
)
async def test_each_phase_rewrites_where_next_puts_it(
    tmp_path: Path, path: str, served: str
) -> None:
    root = make_project(tmp_path, FILES)

    async with client_for(root) as client:
        response = await client.get(path)

    assert response.status_code == 200
    assert response.json()["route"] == served


@pytest.mark.anyio
async def test_a_public_file_is_served_before_after_files_rewrites(tmp_path: Path) -> None:
    root = make_project(tmp_path, FILES)

    async with client_for(root) as client:
        response = await client.get("/robots.txt")

    assert response.text == "User-agent: *\n"


def test_an_unknown_phase_is_refused_with_the_snake_case_spelling(tmp_path: Path) -> None:
    settings = '[[rewrites]]\nsource = "/a"\ndestination = "/b"\nphase = "beforeFiles"\n'
    root = make_project(tmp_path, {"app/api/x/route.py": route("x"), "approutes.toml": settings})

    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    assert "spell it 'before_files'" in caught.value.render()


@pytest.mark.anyio
async def test_a_proxy_rewrite_can_set_the_request_headers_the_route_sees(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/legacy/route.py": route("legacy"),
            "proxy.py": """
                from approutes import NextResponse

                def proxy(request):
                    if request.next_url.pathname == "/old":
                        headers = {"x-tenant": "acme"}
                        return NextResponse.rewrite("/api/legacy", request_headers=headers)
                    return None
            """,
        },
    )

    async with client_for(root) as client:
        response = await client.get("/old", headers={"x-tenant": "spoofed"})

    assert response.json() == {"route": "legacy", "x_tenant": "acme"}
