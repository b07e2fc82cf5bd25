"""Dev reload: a saved route file is re-imported alone; lib/ or settings re-import everything."""

from __future__ import annotations

import sys
import textwrap
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.conftest import make_project

from approutes import create_app
from approutes.dev.reloader import ProjectReloader
from approutes.project.importer import forget_project_modules, module_name_for
from approutes.project.routes import load_routes

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

ROUTE = """
    from lib.words import word

    def GET():
        return {{"route": "{name}", "word": word()}}
"""


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    root = make_project(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/words.py": "def word():\n    return 'one'\n",
            "app/api/a/route.py": ROUTE.format(name="a"),
            "app/api/b/route.py": ROUTE.format(name="b"),
        },
    ).resolve()
    yield root
    forget_project_modules(root)


def _module(root: Path, file: str) -> object:
    return sys.modules[module_name_for(root, file)]


async def _get(app: Any, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        return await client.get(path)


def _write(path: Path, source: str) -> None:
    path.write_text(textwrap.dedent(source).lstrip())


@pytest.mark.anyio
async def test_saving_a_route_re_imports_that_route_only(project: Path) -> None:
    app = create_app(project, dev=True)
    reloader = ProjectReloader(app, project, load_routes(project)[1])
    before_b = _module(project, "app/api/b/route.py")
    (project / "app/api/a/route.py").write_text(textwrap.dedent(ROUTE.format(name="A2")))

    reloader.reload({str(project / "app/api/a/route.py")})

    assert _module(project, "app/api/b/route.py") is before_b
    assert (await _get(app, "/api/a")).json() == {"route": "A2", "word": "one"}
    assert (await _get(app, "/api/b")).json() == {"route": "b", "word": "one"}


@pytest.mark.anyio
async def test_saving_lib_re_imports_everything(project: Path) -> None:
    app = create_app(project, dev=True)
    reloader = ProjectReloader(app, project, load_routes(project)[1])
    before_b = _module(project, "app/api/b/route.py")
    (project / "lib/words.py").write_text("def word():\n    return 'two'\n")

    reloader.reload({str(project / "lib/words.py")})

    assert _module(project, "app/api/b/route.py") is not before_b
    assert (await _get(app, "/api/b")).json() == {"route": "b", "word": "two"}


@pytest.mark.anyio
async def test_a_new_route_file_is_served_and_a_deleted_one_is_gone(project: Path) -> None:
    app = create_app(project, dev=True)
    reloader = ProjectReloader(app, project, load_routes(project)[1])
    new = project / "app/api/c/route.py"
    new.parent.mkdir()
    new.write_text("def GET():\n    return {'route': 'c'}\n")
    (project / "app/api/b/route.py").unlink()

    reloader.reload({str(new), str(project / "app/api/b/route.py")})

    assert (await _get(app, "/api/c")).json() == {"route": "c"}
    assert (await _get(app, "/api/b")).status_code == 404


@pytest.mark.anyio
async def test_a_broken_route_is_served_as_its_error_until_fixed(project: Path) -> None:
    app = create_app(project, dev=True)
    reloader = ProjectReloader(app, project, load_routes(project)[1])
    route = project / "app/api/a/route.py"
    route.write_text("def GET(:\n")

    reloader.reload({str(route)})
    broken = await _get(app, "/api/b")
    _write(route, ROUTE.format(name="fixed"))
    reloader.reload({str(route)})
    fixed = await _get(app, "/api/a")

    assert broken.status_code == 500
    assert "app/api/a/route.py" in broken.json()["detail"]
    assert fixed.json() == {"route": "fixed", "word": "one"}
