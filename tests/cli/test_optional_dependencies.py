"""What works where an optional dependency did not install (#17, the slim install).

A `sitecustomize.py` in a folder on PYTHONPATH makes a module unimportable in the processes
a test starts, as on a platform where it has no wheel (uvloop and httptools on Windows).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.conftest import APPROUTES_BIN, make_project, server_process

if TYPE_CHECKING:
    from pathlib import Path

HELLO = {"app/api/hello/route.py": "async def GET():\n    return {'message': 'Hello World'}\n"}


def _without(tmp_path: Path, *modules: str) -> dict[str, str]:
    """The environment of a process in which `modules` cannot be imported."""
    folder = tmp_path / "site"
    folder.mkdir(exist_ok=True)
    lines = ["import sys", *(f"sys.modules[{name!r}] = None" for name in modules)]
    (folder / "sitecustomize.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path}


def test_python_dash_m_approutes_runs_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "approutes", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "Usage: python -m approutes" in result.stdout
    assert "start" in result.stdout


@pytest.mark.timeout(60)
@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_start_serves_without_uvloop_and_httptools(tmp_path: Path, server: str) -> None:
    root = make_project(tmp_path / "project", HELLO)
    env = _without(tmp_path, "uvloop", "httptools")
    with server_process(root, "--server", server, env=env) as (base, _):
        response = httpx.get(f"{base}/api/hello")

    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}


def _run(tmp_path: Path, missing: str, *command: str | Path) -> subprocess.CompletedProcess[str]:
    """Run `command` where `missing` cannot be imported."""
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **_without(tmp_path, missing)},
    )


def test_approutes_testing_without_httpx_says_which_extra_to_install(tmp_path: Path) -> None:
    result = _run(tmp_path, "httpx", sys.executable, "-c", "import approutes.testing")

    assert result.returncode != 0
    assert result.stderr.splitlines()[-1] == (
        "approutes.errors.MissingExtraError: approutes.testing needs httpx, "
        "which is not installed: pip install 'approutes[testing]'"
    )


@pytest.mark.parametrize(
    ("missing", "command", "line"),
    [
        pytest.param(
            "granian",
            ("start", "--server", "granian"),
            "error: --server granian needs granian, which is not installed: "
            "pip install 'approutes[granian]'",
            id="start-granian",
        ),
        pytest.param(
            "watchfiles",
            ("dev",),
            "error: approutes dev (reload on save) needs watchfiles, which is not installed: "
            "pip install 'approutes[dev]'",
            id="dev-watchfiles",
        ),
    ],
)
def test_a_command_without_its_extra_stops_with_one_line_naming_it(
    tmp_path: Path, missing: str, command: tuple[str, ...], line: str
) -> None:
    root = make_project(tmp_path / "project", HELLO)
    result = _run(tmp_path, missing, APPROUTES_BIN, *command, root, "--port", "1")

    assert result.returncode == 1
    assert result.stderr == line + "\n"
    assert "Traceback" not in result.stdout


def test_a_redis_cache_without_redis_names_the_setting_and_the_extra(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "project", {**HELLO, "approutes.toml": 'cache = "redis://127.0.0.1:1/0"\n'}
    )
    result = _run(tmp_path, "redis", APPROUTES_BIN, "start", root, "--port", "1")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "approutes.toml" in result.stderr
    assert "pip install 'approutes[redis]'" in result.stderr


@pytest.mark.timeout(60)
def test_start_serves_on_uvicorn_where_granian_is_not_installed(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", HELLO)
    env = _without(tmp_path, "granian")
    with server_process(root, env=env) as (base, _):
        response = httpx.get(f"{base}/api/hello")

    assert response.json() == {"message": "Hello World"}
