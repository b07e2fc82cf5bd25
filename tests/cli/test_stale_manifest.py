"""A build manifest that no longer matches the route files: `start` and TestClient say so.

Regression for issue #15 (bug 6): a route added after `approutes build` was a silent 404
under `approutes start` and `TestClient(root)`. Now the tree is scanned instead and one
warning line names the first differing route file and asks for `approutes build`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import warnings
from pathlib import Path

import httpx
import pytest
from tests.conftest import APPROUTES_BIN, make_project, server_process

from approutes.build.manifest import StaleManifestWarning
from approutes.testing import TestClient

HELLO = "def GET():\n    return {'hello': 'v1'}\n"
HELLO_V2 = "def GET():\n    return {'hello': 'v2'}\n"
NEW = "def GET():\n    return {'new': True}\n"
STALE = "is out of date"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A project with two routes and a manifest from `approutes build`."""
    project = make_project(
        tmp_path / "site",
        {
            "app/api/hello/route.py": HELLO,
            "pages/api/legacy.py": "def handler(req, res):\n"
            "    res.status(200).json({'legacy': True})\n",
        },
    )
    result = subprocess.run(
        [str(APPROUTES_BIN), "build", str(project)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert STALE not in result.stdout + result.stderr
    return project


def _serve_and_stop(project: Path, *args: str, paths: list[str]) -> tuple[list[int], list[str]]:
    """Start a real server, GET `paths`, stop it; the statuses and the lines it printed."""
    with server_process(project, *args) as (base, process):
        statuses = [httpx.get(base + path, timeout=10).status_code for path in paths]
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        assert process.stdout is not None
        output = process.stdout.read().decode()
    return statuses, output.splitlines()


@pytest.mark.parametrize(
    "server_args", [("--server", "uvicorn"), ("--server", "granian", "--workers", "2")]
)
def test_start_warns_once_and_serves_a_route_added_after_the_build(
    built: Path, server_args: tuple[str, ...]
) -> None:
    make_project(built, {"app/api/new/route.py": NEW})

    statuses, lines = _serve_and_stop(built, *server_args, paths=["/api/new", "/api/hello"])

    assert statuses == [200, 200]
    stale = [line for line in lines if STALE in line]
    assert stale == [
        "warning: .approutes/manifest.json is out of date (app/api/new/route.py was added since "
        "`approutes build`); serving the route files found on disk instead. "
        "Run `approutes build` again."
    ], lines


def test_start_warns_and_keeps_serving_when_a_route_file_was_removed(built: Path) -> None:
    (built / "app/api/hello/route.py").unlink()

    statuses, lines = _serve_and_stop(
        built, "--server", "uvicorn", paths=["/api/hello", "/api/legacy"]
    )

    assert statuses == [404, 200]
    stale = [line for line in lines if STALE in line]
    assert len(stale) == 1, lines
    assert "(app/api/hello/route.py was removed since `approutes build`)" in stale[0]
    assert "Run `approutes build` again." in stale[0]


def test_start_from_an_unchanged_build_prints_only_its_start_up_line(built: Path) -> None:
    statuses, lines = _serve_and_stop(
        built, "--server", "uvicorn", "--no-access-log", paths=["/api/hello"]
    )

    assert statuses == [200]
    assert len(lines) == 1, lines
    assert " INFO approutes.server approutes " in lines[0]


def test_test_client_warns_at_the_callers_line_and_serves_an_added_route(built: Path) -> None:
    make_project(built, {"app/api/new/route.py": NEW})

    with pytest.warns(StaleManifestWarning) as caught:
        client = TestClient(built)  # the line pytest's warnings summary shows
    with client:
        assert client.get("/api/new").json() == {"new": True}

    [warning] = caught.list
    assert "app/api/new/route.py was added since `approutes build`" in str(warning.message)
    assert "Run `approutes build` again." in str(warning.message)
    assert Path(warning.filename) == Path(__file__)


def test_test_client_warns_about_a_route_file_changed_since_the_build(built: Path) -> None:
    (built / "app/api/hello/route.py").write_text(HELLO_V2, encoding="utf-8")

    with pytest.warns(StaleManifestWarning, match=r"app/api/hello/route\.py was changed"):
        client = TestClient(built)
    with client:
        assert client.get("/api/hello").json() == {"hello": "v2"}


def test_test_client_warns_about_a_removed_route_file(built: Path) -> None:
    (built / "pages/api/legacy.py").unlink()

    with pytest.warns(StaleManifestWarning, match=r"pages/api/legacy\.py was removed"):
        client = TestClient(built)
    with client:
        assert client.get("/api/legacy").status_code == 404
        assert client.get("/api/hello").status_code == 200


def test_test_client_on_an_unchanged_build_warns_nothing(built: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with TestClient(built) as client:
            assert client.get("/api/hello").json() == {"hello": "v1"}


def test_a_manifest_without_digests_still_notices_added_files(built: Path) -> None:
    manifest = built / ".approutes" / "manifest.json"
    document = json.loads(manifest.read_text())
    for row in document["routes"]:
        del row["sha256"]  # as written before digests existed
    manifest.write_text(json.dumps(document))
    (built / "app/api/hello/route.py").write_text(HELLO_V2, encoding="utf-8")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TestClient(built)  # a change of contents is not visible without digests

    make_project(built, {"app/api/new/route.py": NEW})
    with pytest.warns(StaleManifestWarning, match=r"app/api/new/route\.py was added"):
        TestClient(built)
