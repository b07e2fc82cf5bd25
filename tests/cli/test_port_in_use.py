"""A port another server listens on stops `dev` and `start` with one line, before any Ready."""

from __future__ import annotations

import socket
import subprocess
from typing import TYPE_CHECKING

import pytest
from tests.conftest import APPROUTES_BIN, make_project

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port this test listens on for its whole length."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("dev",), id="dev"),
        pytest.param(("start", "--server", "uvicorn"), id="start-uvicorn"),
        pytest.param(("start", "--server", "granian"), id="start-granian"),
        pytest.param(("start", "--server", "uvicorn", "--workers", "2"), id="start-uvicorn-2"),
        pytest.param(("start", "--server", "granian", "--workers", "2"), id="start-granian-2"),
    ],
)
def test_a_port_in_use_is_one_line_and_a_non_zero_exit(
    tmp_path: Path, taken_port: int, command: tuple[str, ...]
) -> None:
    root = make_project(tmp_path, {"app/api/hello/route.py": "def GET():\n    return {}\n"})
    name, *options = command
    address = ("--host", "127.0.0.1", "--port", str(taken_port))
    result = subprocess.run(
        [str(APPROUTES_BIN), name, str(root), *address, *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    output = result.stdout + result.stderr
    about_the_port = [line for line in output.splitlines() if str(taken_port) in line]
    assert result.returncode == 1
    assert about_the_port == [
        f"error: port {taken_port} is already in use on 127.0.0.1: stop the server using it, "
        "or pick another port with --port"
    ]
    assert result.stderr.strip() == about_the_port[0]
    assert "Traceback" not in output
    assert "Ready" not in output
