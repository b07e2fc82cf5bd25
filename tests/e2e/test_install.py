"""The core install, measured: `pip install approutes` into a fresh virtualenv, then a project.

The bounds are the ones docs/getting-started.md states, counted the way it says:

- **size**: the bytes of the files the install adds to site-packages (bytecode included, as
  pip writes it), at most 35 MB (35 000 000 bytes);
- **packages**: the distributions installed, approutes itself included, pip and setuptools
  (there before the install) left out: at most 15.

Then, from that install: `approutes new demo`, `approutes start` and `approutes routes`; and
`approutes dev`, which first names the `dev` extra, and serves once it is installed.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.e2e.conftest import fresh_venv, run, serving

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

MAX_BYTES = 35_000_000
MAX_PACKAGES = 15
_THERE_BEFORE = {"pip", "setuptools"}


def _site_packages(venv: Path) -> Path:
    [folder] = venv.glob("lib/python3*/site-packages")
    return folder


def _bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _packages(bin_dir: Path) -> set[str]:
    listed = run(bin_dir / "python", "-m", "pip", "list", "--format=freeze")
    return {line.split("==")[0].lower() for line in listed.splitlines()} - _THERE_BEFORE


def test_the_core_install_is_small_and_serves_a_new_project(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    bin_dir = fresh_venv(venv)
    before = _bytes(_site_packages(venv))
    run(bin_dir / "python", "-m", "pip", "install", "-q", wheel)
    added = _bytes(_site_packages(venv)) - before
    packages = _packages(bin_dir)

    assert added <= MAX_BYTES, f"{added / 1e6:.1f} MB"
    assert len(packages) <= MAX_PACKAGES, sorted(packages)
    assert "approutes" in packages
    assert not packages & {"granian", "watchfiles", "rich", "jinja2", "httpx", "redis", "mangum"}

    run(bin_dir / "approutes", "new", "demo", cwd=tmp_path)
    demo = tmp_path / "demo"
    with serving(bin_dir / "approutes", "start", "--host", "127.0.0.1", cwd=demo) as base:
        assert httpx.get(f"{base}/api/hello").json() == {"message": "Hello World"}
    assert "/api/users/[id]" in run(bin_dir / "approutes", "routes", cwd=demo)

    refused = subprocess.run(
        [str(bin_dir / "approutes"), "dev"], cwd=demo, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 1
    assert "pip install 'approutes[dev]'" in refused.stderr
    assert "Traceback" not in refused.stderr

    socket_route = demo / "app" / "api" / "live" / "route.py"
    socket_route.parent.mkdir(parents=True)
    socket_route.write_text(
        "from approutes import WebSocket\n\n\n"
        "async def GET(socket: WebSocket) -> None:\n    await socket.accept()\n"
    )
    refused = subprocess.run(
        [str(bin_dir / "approutes"), "start", "--server", "uvicorn"],
        cwd=demo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "WebSocket routes on uvicorn (1 in this project)" in refused.stderr
    assert "pip install 'approutes[websockets]'" in refused.stderr
    assert "Traceback" not in refused.stderr
    socket_route.unlink()

    run(bin_dir / "python", "-m", "pip", "install", "-q", f"{wheel}[dev]")
    with serving(bin_dir / "approutes", "dev", cwd=demo) as base:
        assert httpx.get(f"{base}/api/hello").json() == {"message": "Hello World"}
