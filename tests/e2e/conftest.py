"""What the end-to-end tests share: this checkout's wheel, fresh virtualenvs, a served command.

These tests are slow (a wheel build, installs from the package index, a real browser): they
carry the `e2e` marker, which `make test` leaves out and `make e2e` runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

import pytest
from tests.conftest import REPO, free_port, wait_until_serving

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def run(*command: str | Path, cwd: Path | None = None) -> str:
    """Run `command`, fail the test with its output unless it succeeds; return its stdout."""
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout, built once per session."""
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, REPO)
    [built] = dist.glob("approutes-*.whl")
    return built


def fresh_venv(folder: Path) -> Path:
    """A new virtualenv at `folder` (with the pip its Python bundles); returns its bin folder."""
    run(sys.executable, "-m", "venv", folder)
    return folder / "bin"


@contextmanager
def serving(*command: str | Path, cwd: Path, ready: str = "/") -> Iterator[str]:
    """Run a server command with `--port <free>` added, yield its base URL, stop it (SIGTERM).

    The output goes to `cwd/server.log`, shown if the server does not answer `ready`.
    """
    port = free_port()
    with (cwd / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [*(str(part) for part in command), "--port", str(port)],
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_until_serving(base + ready, process, deadline=60)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{(cwd / 'server.log').read_text()}") from None
            yield base
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
