"""Dev reload: a saved route file is re-imported alone; lib/ or settings re-import everything."""

from __future__ import annotations

import logging
import sys
import textwrap
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.conftest import make_project

from approutes import create_app
from approutes.dev.reloader import ProjectReloader
from approutes.errors import RouteModuleError
from approutes.project.importer import forget_project_modules, module_name_for
from approutes.route_loading import load_routes

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

    await reloader.reload({str(project / "app/api/a/route.py")})

    assert _module(project, "app/api/b/route.py") is before_b
    assert (await _get(app, "/api/a")).json() == {"route": "A2", "word": "one"}
    assert (await _get(app, "/api/b")).json() == {"route": "b", "word": "one"}


@pytest.mark.anyio
async def test_saving_lib_re_imports_everything(project: Path) -> None:
    app = create_app(project, dev=True)
    reloader = ProjectReloader(app, project, load_routes(project)[1])
    before_b = _module(project, "app/api/b/route.py")
    (project / "lib/words.py").write_text("def word():\n    return 'two'\n")

    await reloader.reload({str(project / "lib/words.py")})

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

    await reloader.reload({str(new), str(project / "app/api/b/route.py")})

    assert (await _get(app, "/api/c")).json() == {"route": "c"}
    assert (await _get(app, "/api/b")).status_code == 404


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("source", "raised"),
    [
        pytest.param("def GET(:\n", "SyntaxError", id="syntax-error"),
        pytest.param("from lib.missing import nothing\n", "ModuleNotFoundError", id="import"),
    ],
)
async def test_a_broken_route_fails_alone_and_serves_again_once_fixed(
    project: Path, caplog: pytest.LogCaptureFixture, source: str, raised: str
) -> None:
    app = create_app(project, dev=True)
    reloader = ProjectReloader(app, project, load_routes(project)[1])
    route = project / "app/api/a/route.py"
    route.write_text(source)

    with caplog.at_level(logging.INFO, logger="approutes.reload"):
        await reloader.reload({str(route)})
    reload_lines = [r.getMessage() for r in caplog.records if r.name == "approutes.reload"]
    other = await _get(app, "/api/b")
    broken = await _get(app, "/api/a")
    again = await _get(app, "/api/a")
    _write(route, ROUTE.format(name="fixed"))
    await reloader.reload({str(route)})
    fixed = await _get(app, "/api/a")

    assert other.json() == {"route": "b", "word": "one"}
    assert broken.status_code == again.status_code == 500
    assert "app/api/a/route.py" in broken.json()["detail"]
    assert raised in "".join(broken.json()["traceback"])
    # The body's traceback does not grow with each request to the broken route.
    assert len(again.json()["traceback"]) == len(broken.json()["traceback"])
    # The reload prints the file's traceback once, above the message that points at it.
    traceback_line, message, done = reload_lines
    assert traceback_line.startswith("Traceback (most recent call last)")
    assert raised in traceback_line
    assert message.startswith("error: cannot load a route module (route-import-failed)")
    assert "the traceback above" in message
    assert done.startswith("reloaded 1 route module(s)")
    assert fixed.json() == {"route": "fixed", "word": "one"}


@pytest.mark.anyio
async def test_saving_another_route_does_not_print_a_known_broken_route_again(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(project, dev=True)
    reloader = ProjectReloader(app, project, load_routes(project)[1])
    (project / "app/api/a/route.py").write_text("def GET(:\n")
    await reloader.reload({str(project / "app/api/a/route.py")})
    _write(project / "app/api/b/route.py", ROUTE.format(name="B2"))
    caplog.clear()

    with caplog.at_level(logging.INFO, logger="approutes.reload"):
        await reloader.reload({str(project / "app/api/b/route.py")})

    assert [r.levelno for r in caplog.records if r.name == "approutes.reload"] == [logging.INFO]
    assert (await _get(app, "/api/b")).json() == {"route": "B2", "word": "one"}
    assert (await _get(app, "/api/a")).status_code == 500


@pytest.mark.anyio
async def test_dev_starts_with_a_broken_route_and_serves_the_others(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (project / "app/api/a/route.py").write_text("def GET(:\n")

    with caplog.at_level(logging.INFO, logger="approutes.reload"):
        app = create_app(project, dev=True)

    assert (await _get(app, "/api/b")).json() == {"route": "b", "word": "one"}
    assert (await _get(app, "/api/a")).status_code == 500
    messages = [r.getMessage() for r in caplog.records if r.name == "approutes.reload"]
    assert [m.split("\n", 1)[0] for m in messages] == [
        "Traceback (most recent call last):",
        "error: cannot load a route module (route-import-failed)",
    ]


def test_start_still_refuses_a_broken_route(project: Path) -> None:
    (project / "app/api/a/route.py").write_text("def GET(:\n")

    with pytest.raises(RouteModuleError) as raised:
        create_app(project)

    assert raised.value.files == ("app/api/a/route.py",)


@pytest.mark.anyio
async def test_a_broken_route_tree_is_served_as_its_error_until_fixed(project: Path) -> None:
    app = create_app(project, dev=True)
    reloader = ProjectReloader(app, project, load_routes(project)[1])
    clash = project / "app/api/[x]/route.py"
    clash.parent.mkdir()
    clash.write_text("def GET():\n    return {}\n")
    (project / "app/api/[y]").mkdir()
    (project / "app/api/[y]/route.py").write_text("def GET():\n    return {}\n")

    await reloader.reload({str(clash)})
    broken = await _get(app, "/api/b")
    (project / "app/api/[y]/route.py").unlink()
    await reloader.reload({str(project / "app/api/[y]/route.py")})

    assert broken.status_code == 500
    assert "slug-name-conflict" in broken.json()["detail"]
    assert (await _get(app, "/api/b")).json() == {"route": "b", "word": "one"}


STATIC = """
    from lib.words import word

    {config}

    def GET():
        return {{"body": "{name}", "word": word()}}
"""


@pytest.mark.anyio
@pytest.mark.parametrize(
    "config", ['dynamic = "force-static"', "revalidate = 60"], ids=["force-static", "revalidate"]
)
async def test_saving_a_cached_route_drops_its_cached_response(project: Path, config: str) -> None:
    route = project / "app/api/static/route.py"
    make_project(project, {"app/api/static/route.py": STATIC.format(config=config, name="old")})
    app = create_app(project, dev=True)
    reloader = ProjectReloader(app, project, load_routes(project)[1])
    first, second = await _get(app, "/api/static"), await _get(app, "/api/static")
    _write(route, STATIC.format(config=config, name="new"))

    await reloader.reload({str(route)})
    third, fourth = await _get(app, "/api/static"), await _get(app, "/api/static")

    states = [r.headers["x-approutes-cache"] for r in (first, second, third, fourth)]
    assert states == ["MISS", "HIT", "MISS", "HIT"]
    assert [r.json()["body"] for r in (second, third, fourth)] == ["old", "new", "new"]


@pytest.mark.anyio
async def test_saving_a_route_keeps_the_cached_responses_of_the_others(project: Path) -> None:
    config = 'dynamic = "force-static"'
    make_project(
        project,
        {
            "app/api/one/route.py": STATIC.format(config=config, name="one"),
            "app/api/two/route.py": STATIC.format(config=config, name="two"),
        },
    )
    app = create_app(project, dev=True)
    reloader = ProjectReloader(app, project, load_routes(project)[1])
    await _get(app, "/api/one")
    await _get(app, "/api/two")
    _write(project / "app/api/one/route.py", STATIC.format(config=config, name="one again"))

    await reloader.reload({str(project / "app/api/one/route.py")})

    one, two = await _get(app, "/api/one"), await _get(app, "/api/two")
    assert (one.json()["body"], one.headers["x-approutes-cache"]) == ("one again", "MISS")
    assert (two.json()["body"], two.headers["x-approutes-cache"]) == ("two", "HIT")


@pytest.mark.anyio
async def test_saving_lib_drops_every_cached_entry(project: Path) -> None:
    make_project(
        project,
        {
            "app/api/static/route.py": STATIC.format(config="revalidate = 60", name="s"),
            "lib/numbers.py": """
                from approutes.cache import cached

                @cached(tags=["numbers"])
                async def number():
                    return 1
            """,
            "app/api/number/route.py": """
                from lib.numbers import number

                async def GET():
                    return {"number": await number()}
            """,
        },
    )
    app = create_app(project, dev=True)
    reloader = ProjectReloader(app, project, load_routes(project)[1])
    before = (await _get(app, "/api/static"), await _get(app, "/api/number"))
    (project / "lib/words.py").write_text("def word():\n    return 'two'\n")
    (project / "lib/numbers.py").write_text(
        (project / "lib/numbers.py").read_text().replace("return 1", "return 2")
    )

    await reloader.reload({str(project / "lib/words.py"), str(project / "lib/numbers.py")})
    static, number = await _get(app, "/api/static"), await _get(app, "/api/number")

    assert before[0].json()["word"] == "one"
    assert before[1].json() == {"number": 1}
    assert (static.json()["word"], static.headers["x-approutes-cache"]) == ("two", "MISS")
    assert number.json() == {"number": 2}
