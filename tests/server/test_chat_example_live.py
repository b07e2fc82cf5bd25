"""examples/chat on two `approutes start` processes sharing one real redis-server.

What a team deploying several instances checks: a line sent on a socket of one instance
reaches the sockets of the other, through `approutes.channels` over Redis pub/sub; and the
example's own tests pass (channels in memory, one process).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from tests.live_server import live_server
from tests.redis_server import running_redis_server
from websockets.sync.client import connect

if TYPE_CHECKING:
    import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "chat"


def sign_in(base: str, name: str) -> str:
    """Sign in as `name` on the instance at `base`; the session cookie, as a header value."""
    response = httpx.post(f"{base}/api/login", json={"name": name}, timeout=5)
    assert response.status_code == 200, response.text
    return f"session={response.cookies['session']}"


def test_a_line_sent_on_one_instance_reaches_a_socket_on_the_other(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("chat") / "chat"
    shutil.copytree(EXAMPLE, root)
    with running_redis_server() as redis, ExitStack() as stack:
        env = {"APPROUTES_CHANNELS": redis, "AUTH_SECRET": "one-secret-for-every-instance"}
        first = stack.enter_context(live_server(root, "uvicorn", env))
        second = stack.enter_context(live_server(root, "granian", env))
        ada = sign_in(first.base, "ada")  # NOTE: signed by one, read by the other
        bob = sign_in(second.base, "bob")
        on_first = stack.enter_context(
            connect(f"ws://127.0.0.1:{first.port}/api/rooms/lobby", additional_headers={"cookie": ada})
        )
        assert on_first.recv(timeout=5) == "ada joined"
        on_second = stack.enter_context(
            connect(f"ws://127.0.0.1:{second.port}/api/rooms/lobby", additional_headers={"cookie": bob})
        )
        assert on_second.recv(timeout=5) == "bob joined"
        assert on_first.recv(timeout=5) == "bob joined"  # across instances

        on_first.send("hello from the first instance")

        assert on_second.recv(timeout=5) == "ada: hello from the first instance"
        assert on_first.recv(timeout=5) == "ada: hello from the first instance"
        on_second.send("and back")
        assert on_first.recv(timeout=5) == "bob: and back"


def test_the_examples_own_tests_pass(tmp_path: Path) -> None:
    root = tmp_path / "chat"
    shutil.copytree(EXAMPLE, root)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
