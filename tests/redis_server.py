"""A real redis-server on a free loopback port, for the Redis cache store's tests.

`make pytest` installs redis-server; without it these fixtures fail (they never skip), since a
skipped store would leave the Redis store untested without anyone noticing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

from tests.conftest import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["flush_redis", "redis_url", "running_redis_server"]

_START_DEADLINE = 10.0


@contextmanager
def running_redis_server(port: int | None = None) -> Iterator[str]:
    """Start redis-server on 127.0.0.1 (`port`, or a free one) and yield its URL.

    No persistence, its files in a temporary folder; stopped on exit.
    """
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail(
            "redis-server is not installed, and the Redis cache store tests need it: "
            "run `make pytest` (it installs it) or `apt-get install redis-server`",
            pytrace=False,
        )
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="approutes-redis-") as folder:
        process = subprocess.Popen(
            [
                executable,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                folder,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_pong(port, process)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a redis-server running for the whole test session."""
    with running_redis_server() as url:
        yield url


def flush_redis(url: str) -> None:
    """Empty every database of the server at `url` (between tests sharing one server)."""
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    assert _ask(port, b"FLUSHALL\r\n") == b"+OK\r\n"


def _wait_for_pong(port: int, process: subprocess.Popen[bytes]) -> None:
    stop = time.monotonic() + _START_DEADLINE
    while time.monotonic() < stop:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            pytest.fail(f"redis-server exited with {process.returncode}:\n{output}")
        try:
            if _ask(port, b"PING\r\n") == b"+PONG\r\n":
                return
        except OSError:
            pass
        time.sleep(0.02)
    pytest.fail(f"redis-server did not answer PING on port {port} within {_START_DEADLINE} s")


def _ask(port: int, command: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
        connection.sendall(command)
        return connection.recv(64)
