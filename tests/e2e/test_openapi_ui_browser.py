"""The dev docs page in a real browser: Swagger UI renders every operation of the example.

`approutes dev` serves a copy of examples/basic; headless Chromium (Debian's `chromium`,
which `make e2e` installs when it is missing) loads `/_approutes/docs` and prints the DOM
once the page's scripts have run. Every operation of `/_approutes/openapi.json` must be
drawn exactly once, under the document's own OpenAPI version; each operation, opened through
its deep link, draws its request and response examples (the 400's issues included) without
Swagger UI's "Unknown Type" (what a 3.1 type list shows in a UI that reads 3.0); and a
screenshot of the page is a PNG of the window's size.
"""

from __future__ import annotations

import html
import re
import shutil
import struct
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


def _chromium(profile: Path, *options: str) -> subprocess.CompletedProcess[str]:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not on PATH: `make e2e` installs it (apt-get install chromium)"
    return subprocess.run(
        [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=15000",
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _rendered_dom(url: str, profile: Path) -> str:
    done = _chromium(profile, "--dump-dom", url)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _text(dom: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", dom))


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


def test_every_operation_opened_draws_its_examples_without_unknown_types(tmp_path: Path) -> None:
    project = tmp_path / "basic"
    shutil.copytree(
        REPO / "examples" / "basic",
        project,
        ignore=shutil.ignore_patterns("uploads", "*.sqlite3", ".approutes", "__pycache__"),
    )
    opened: dict[str, str] = {}
    codes: dict[str, list[str]] = {}
    validating: set[str] = set()  # the links whose 400 is the issues shape
    with serving(APPROUTES_BIN, "dev", "--host", "127.0.0.1", cwd=project) as base:
        document = httpx.get(f"{base}/_approutes/openapi.json").json()
        for item in document["paths"].values():
            for method, operation in item.items():
                if method in _METHODS:
                    # NOTE: Swagger UI's deep link #/<tag>/<operationId> opens that operation.
                    link = f"{operation['tags'][0]}/{operation['operationId']}"
                    codes[link] = list(operation["responses"])
                    if operation["responses"].get("400", {}).get("$ref", "").endswith("Input"):
                        validating.add(link)
                    opened[link] = _rendered_dom(f"{base}/_approutes/docs#/{link}", tmp_path / "p")
        shot = tmp_path / "docs.png"
        taken = _chromium(
            tmp_path / "p",
            "--hide-scrollbars",
            "--window-size=1280,1600",
            f"--screenshot={shot}",
            f"{base}/_approutes/docs",
        )

    assert len(opened) >= 15
    unknown = sorted(link for link, dom in opened.items() if "Unknown Type" in _text(dom))
    assert unknown == []
    undrawn = [
        (link, code)
        for link, dom in opened.items()
        for code in codes[link]
        if f'data-code="{code}"' not in dom
    ]
    assert undrawn == []
    assert "users/post_api_users" in validating
    for link in validating:
        drawn = _text(opened[link].split('data-code="400"', 1)[1].split('data-code="', 1)[0])
        assert '"issues": [' in drawn, link
        assert '"path": [' in drawn, link
    assert taken.returncode == 0, taken.stderr
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1280, 1600)
    assert len(png) > 20_000  # a drawn page, not a blank one
