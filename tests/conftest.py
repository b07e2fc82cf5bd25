"""Shared test helpers: projects in tmp_path, in-process clients, real servers on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from approutes import create_app

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator, Mapping

REPO = Path(__file__).resolve().parent.parent
APPROUTES_BIN = Path(sys.executable).parent / "approutes"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fresh_lib(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo what a test's project did to sys.path and its `lib` package, before and after.

    create_app puts each project root first on sys.path, and test projects bring their own
    `lib` package: one test's `lib` must not answer another's imports.
    """
    monkeypatch.setattr(sys, "path", [*sys.path])
    _forget_lib()
    yield
    _forget_lib()


def _forget_lib() -> None:
    for name in [n for n in sys.modules if n == "lib" or n.startswith("lib.")]:
        del sys.modules[name]


def make_project(root: Path, files: Mapping[str, str]) -> Path:
    """Write `files` (relative path -> source, dedented) under `root` and return `root`."""
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return root


class FakeClock:
    """A clock that moves only when told: the route cache's `clock` in tests.

    It starts at the real time, so that entries stored by others (a build, another process)
    compare as they would.

    Example:
        clock = FakeClock()
        async with client_for(root, clock=clock) as client:
            await client.get("/api/x")
            clock.advance(61)  # past `revalidate = 60`
    """

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@asynccontextmanager
async def client_for(
    root: Path, *, dev: bool = False, clock: Callable[[], float] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to create_app(root) in-process; its cache reads `clock`."""
    app = create_app(root, dev=dev)
    if clock is not None:
        assert app.route_cache is not None
        app.route_cache.clock = clock
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as client:
        yield client


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_serving(url: str, process: subprocess.Popen[bytes], deadline: float = 20.0) -> None:
    """Poll `url` until the server answers anything, or fail with its output."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"server exited with {process.returncode}:\n{output}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"server did not answer {url} within {deadline} s")


@contextmanager
def running_server(root: Path, *args: str, command: str = "start") -> Iterator[str]:
    """Run `approutes <command> root --port <free> *args` and yield its base URL."""
    with server_process(root, *args, command=command) as (base, _):
        yield base


@contextmanager
def server_process(
    root: Path, *args: str, command: str = "start", env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As `running_server`, with extra environment `env`; yield the base URL and the process."""
    port = free_port()
    process = subprocess.Popen(
        [str(APPROUTES_BIN), command, str(root), "--host", "127.0.0.1", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base + "/", process)
        yield base, process
    finally:
        with suppress(ProcessLookupError):  # it may have exited already
            os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
        if process.stdout:
            process.stdout.close()
