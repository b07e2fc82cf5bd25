"""The dev docs page in a real browser: Swagger UI renders every operation of the example.

`approutes dev` serves a copy of examples/basic; headless Chromium (Debian's `chromium`,
which `make e2e` installs when it is missing) loads `/_approutes/docs` and prints the DOM
once the page's scripts have run. Every operation of `/_approutes/openapi.json` must be
drawn exactly once, under the document's own OpenAPI version.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.conftest import APPROUTES_BIN, REPO
from tests.e2e.conftest import serving

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_OPERATION = re.compile(r'class="opblock opblock-(\w+)".*?data-path="([^"]*)"', re.DOTALL)


def _rendered_dom(url: str, profile: Path) -> str:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not on PATH: `make e2e` installs it (apt-get install chromium)"
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_swagger_ui_lists_every_operation_of_the_example_project(tmp_path: Path) -> None:
    project = tmp_path / "basic"
    shutil.copytree(
        REPO / "examples" / "basic",
        project,
        ignore=shutil.ignore_patterns("uploads", "*.sqlite3", ".approutes", "__pycache__"),
    )
    with serving(APPROUTES_BIN, "dev", "--host", "127.0.0.1", cwd=project) as base:
        document = httpx.get(f"{base}/_approutes/openapi.json").json()
        dom = _rendered_dom(f"{base}/_approutes/docs", tmp_path / "chromium-profile")

    expected = sorted(
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in _METHODS
    )
    drawn = sorted((method, path) for method, path in _OPERATION.findall(dom))
    assert len(expected) >= 15
    assert drawn == expected
    major_minor = ".".join(document["openapi"].split(".")[:2])
    assert f'<pre class="version">OAS {major_minor}</pre>' in dom
