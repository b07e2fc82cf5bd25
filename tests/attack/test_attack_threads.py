"""Sync handlers that block do not starve the other sync routes, on both servers.

Plain `def` handlers run in the serving loop's default thread pool: `thread_pool_size`
threads (40 by default), not asyncio's `min(32, CPUs + 4)`. The blocked handlers wait on a
`threading.Event` that a separate (async) request sets: nothing here sleeps.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from tests.conftest import make_project
from tests.live_server import PING, SERVERS, live_server, wait_until

if TYPE_CHECKING:
    from pathlib import Path

    from tests.live_server import LiveServer

pytestmark = pytest.mark.timeout(120)

GATE = """
    import threading

    release = threading.Event()
    lock = threading.Lock()
    waiting = 0
"""

BLOCK = """
    from lib import gate


    def GET():
        with gate.lock:
            gate.waiting += 1
        released = gate.release.wait(60)  # NOTE: a bound, so that a failed test still ends
        with gate.lock:
            gate.waiting -= 1
        return {"released": released}
"""

WAITING = """
    from lib import gate


    async def GET():
        return {"waiting": gate.waiting}
"""

RELEASE = """
    from lib import gate


    async def GET():
        gate.release.set()
        return {"released": True}
"""

OTHER = """
    def GET():
        return {"other": True}
"""

POOL = """
    import asyncio
    import threading


    def _pool_thread():
        thread = threading.current_thread()
        # NOTE: a ThreadPoolExecutor's worker holds a weak reference to its pool; uvloop's
        # loop does not expose its default executor.
        return thread.name, thread._args[0]()._max_workers


    async def GET():
        name, max_workers = await asyncio.to_thread(_pool_thread)
        return {"max_workers": max_workers, "to_thread": name}
"""

ROUTES = {
    "lib/__init__.py": "",
    "lib/gate.py": GATE,
    "app/ping/route.py": PING,
    "app/block/route.py": BLOCK,
    "app/waiting/route.py": WAITING,
    "app/release/route.py": RELEASE,
    "app/other/route.py": OTHER,
    "app/pool/route.py": POOL,
}

DEFAULT_THREADS = 40


def _json(server: LiveServer, path: str) -> dict[str, object]:
    response = server.get(path)
    assert response.status == 200, response
    body: dict[str, object] = json.loads(response.body)
    return body


@pytest.mark.parametrize("kind", SERVERS)
def test_blocked_sync_handlers_leave_threads_for_other_sync_routes(
    tmp_path: Path, kind: str
) -> None:
    blocked = DEFAULT_THREADS - 1  # 39 blocked: far past asyncio's 6 on a 2-CPU machine
    root = make_project(tmp_path, ROUTES)
    with live_server(root, kind) as server, ThreadPoolExecutor(blocked) as clients:
        pending = [clients.submit(server.get, "/block") for _ in range(blocked)]
        try:
            wait_until(
                lambda: _json(server, "/waiting")["waiting"] == blocked,
                f"{blocked} sync handlers are blocked at once",
            )
            assert _json(server, "/other") == {"other": True}
        finally:
            _json(server, "/release")
        for future in pending:
            response = future.result()
            assert response.status == 200
            assert json.loads(response.body) == {"released": True}


@pytest.mark.parametrize("kind", SERVERS)
def test_the_pool_has_40_threads_by_default_and_serves_to_thread(tmp_path: Path, kind: str) -> None:
    root = make_project(tmp_path, ROUTES)
    with live_server(root, kind) as server:
        pool = _json(server, "/pool")

    assert pool["max_workers"] == DEFAULT_THREADS
    assert str(pool["to_thread"]).startswith("approutes")


@pytest.mark.parametrize("kind", SERVERS)
def test_thread_pool_size_sets_the_pool(tmp_path: Path, kind: str) -> None:
    root = make_project(tmp_path, {**ROUTES, "approutes.toml": "thread_pool_size = 3\n"})
    with live_server(root, kind) as server:
        assert _json(server, "/pool")["max_workers"] == 3
