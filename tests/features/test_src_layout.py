"""A project under src/, as Next.js allows (docs/01-app/03-api-reference/03-file-conventions/
src-folder.mdx): src/app, src/pages, src/proxy.py and src/instrumentation.py are found, and
imports resolve from src/ (Next's `@/lib/...` is `lib....`).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

from approutes import create_app
from approutes.cli.build_command import build_project
from approutes.errors import ConfigurationError

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.usefixtures("fresh_lib")

SRC_PROJECT = {
    "src/lib/__init__.py": "",
    "src/lib/greeting.py": 'WORD = "hello from src/lib"\n',
    "src/app/api/hello/route.py": """
        from lib.greeting import WORD

        def GET():
            return {"word": WORD}
    """,
    "src/app/api/users/[id]/route.py": """
        def GET(request, context):
            raise RuntimeError(f"user {context.params['id']}")
    """,
    "src/pages/api/legacy.py": """
        def handler(req, res):
            res.status(200).json({"router": "pages"})
    """,
    "src/proxy.py": """
        from approutes import NextResponse

        config = {"matcher": ["/api/hello"]}

        def proxy(request):
            response = NextResponse.next()
            response.headers.set("x-proxy", "src")
            return response
    """,
    "src/instrumentation.py": """
        from pathlib import Path

        def on_request_error(error, request, context):
            (Path(__file__).parent.parent / "reported.txt").write_text(context.route_path)
    """,
    "approutes.toml": "trailing_slash = false\n",
}


@pytest.mark.anyio
async def test_a_src_project_serves_its_routes_proxy_and_lib(tmp_path: Path) -> None:
    root = make_project(tmp_path, SRC_PROJECT)

    async with client_for(root) as client:
        hello = await client.get("/api/hello")
        legacy = await client.get("/api/legacy")
        failing = await client.get("/api/users/3")

    assert hello.json() == {"word": "hello from src/lib"}
    assert hello.headers["x-proxy"] == "src"
    assert legacy.json() == {"router": "pages"}
    assert failing.status_code == 500
    assert (root / "reported.txt").read_text() == "/api/users/[id]"


@pytest.mark.anyio
async def test_a_built_src_project_starts_from_its_manifest(tmp_path: Path) -> None:
    root = make_project(tmp_path, SRC_PROJECT)

    result = await asyncio.to_thread(build_project, root)
    files = {route["file"] for route in json.loads(result.manifest.read_text())["routes"]}

    assert files == {
        "src/app/api/hello/route.py",
        "src/app/api/users/[id]/route.py",
        "src/pages/api/legacy.py",
    }
    assert result.proxy == "src/proxy.py"
    async with client_for(root) as client:
        assert (await client.get("/api/hello")).json() == {"word": "hello from src/lib"}


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"app/api/x/route.py": "def GET():\n    return {}\n"}, ("app/", "src/app/")),
        ({"pages/api/x.py": "def handler(req, res):\n    res.end()\n"}, ("pages/", "src/app/")),
    ],
    ids=["app-and-src-app", "pages-and-src-app"],
)
def test_route_folders_at_the_root_and_under_src_refuse_to_load_naming_both(
    tmp_path: Path, extra: dict[str, str], named: tuple[str, str]
) -> None:
    root = make_project(tmp_path, {**SRC_PROJECT, **extra})

    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    assert caught.value.code == "src-and-root-routes"
    message = caught.value.render()
    assert all(name in message for name in named)


@pytest.mark.parametrize("name", ["proxy.py", "middleware.py", "instrumentation.py"])
def test_a_code_file_left_at_the_root_of_a_src_project_is_refused(
    tmp_path: Path, name: str
) -> None:
    """Next ignores a root middleware.ts when the app is in src/: a guard that never runs."""
    root = make_project(tmp_path, {**SRC_PROJECT, name: "def proxy(request):\n    return None\n"})

    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    assert caught.value.code == "src-and-root-routes"
    assert f"move it to src/{name}" in caught.value.render()
