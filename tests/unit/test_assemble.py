"""assemble_handler: the bare pipeline unless something acts in the front half."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.conftest import make_project

from approutes import create_app
from approutes.front import FrontHalf
from approutes.pipeline import Pipeline

if TYPE_CHECKING:
    from pathlib import Path

ROUTE = {"app/api/hello/route.py": "async def GET():\n    return {}\n"}
REDIRECT_RULE = '[[redirects]]\nsource = "/a"\ndestination = "/b"\npermanent = true\n'
HEADERS_RULE = '[[headers]]\nsource = "/a"\nheaders = [{key = "x", value = "1"}]\n'
MIDDLEWARE = "def middleware(request):\n    return None\n"


@pytest.mark.parametrize(
    ("files", "front"),
    [
        pytest.param({}, False, id="nothing"),
        pytest.param({"approutes.toml": "trailing_slash = true\n"}, False, id="scalar-setting"),
        pytest.param({"approutes.toml": 'base_path = "/docs"\n'}, True, id="base-path"),
        pytest.param({"approutes.toml": "health_check = true\n"}, True, id="health-check"),
        pytest.param(
            {"approutes.toml": '[cors]\nallow_origins = ["https://a.example"]\n'}, True, id="cors"
        ),
        pytest.param(
            {"approutes.toml": REDIRECT_RULE},
            True,
            id="redirects",
        ),
        pytest.param(
            {"approutes.toml": '[[rewrites]]\nsource = "/a"\ndestination = "/b"\n'},
            True,
            id="rewrites",
        ),
        pytest.param(
            {"approutes.toml": HEADERS_RULE},
            True,
            id="headers",
        ),
        pytest.param(
            {"middleware.py": "def middleware(request):\n    return None\n"}, True, id="mw"
        ),
    ],
)
def test_the_front_half_runs_only_when_something_acts_in_it(
    tmp_path: Path, files: dict[str, str], front: bool
) -> None:
    app = create_app(make_project(tmp_path, {**ROUTE, **files}))

    assert isinstance(app.pipeline, FrontHalf if front else Pipeline)


def test_dev_always_has_the_front_half_for_the_docs_pages(tmp_path: Path) -> None:
    app = create_app(make_project(tmp_path, ROUTE), dev=True)

    assert isinstance(app.pipeline, FrontHalf)
