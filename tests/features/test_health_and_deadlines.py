"""The health check endpoint, and sync handlers that outlive their max_duration."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

if TYPE_CHECKING:
    from pathlib import Path

HELLO = "def GET():\n    return {'hello': True}\n"
LOCKED_MIDDLEWARE = """
    from approutes import NextResponse

    def middleware(request):
        return NextResponse.json({"error": "Unauthorized"}, status=401)
"""


@pytest.mark.anyio
async def test_the_health_check_is_off_by_default(tmp_path: Path) -> None:
    async with client_for(make_project(tmp_path, {"app/api/x/route.py": HELLO})) as client:
        response = await client.get("/_approutes/health")

    assert response.status_code == 404


@pytest.mark.anyio
async def test_the_health_check_answers_before_middleware_and_base_path(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "app/api/x/route.py": HELLO,
            "middleware.py": LOCKED_MIDDLEWARE,
            "approutes.toml": 'health_check = true\nbase_path = "/docs"\n',
        },
    )
    async with client_for(project) as client:
        health = await client.get("/_approutes/health")
        head = await client.head("/_approutes/health")
        locked = await client.get("/docs/api/x")

    assert health.status_code == 200
    assert health.json() == {"status": "ok", "threads_past_deadline": 0}
    assert health.headers["cache-control"] == "no-store"
    assert head.status_code == 200
    assert head.content == b""
    assert locked.status_code == 401


SLOW_SYNC = """
    import threading
    import time

    max_duration = 0.2
    release = threading.Event()

    def GET():
        release.wait(5)
        return {"finished": True}
"""


@pytest.mark.anyio
async def test_a_sync_handler_past_max_duration_is_504_and_its_thread_is_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import sys  # noqa: PLC0415

    project = make_project(
        tmp_path,
        {"app/api/slow/route.py": SLOW_SYNC, "approutes.toml": "health_check = true\n"},
    )
    caplog.set_level(logging.WARNING, logger="approutes.error")
    async with client_for(project) as client:
        slow = await client.get("/api/slow")
        during = (await client.get("/_approutes/health")).json()
        [module] = [m for name, m in sys.modules.items() if name.endswith("app/api/slow/route.py")]
        module.release.set()
        after = during
        for _ in range(100):
            after = (await client.get("/_approutes/health")).json()
            if after["threads_past_deadline"] == 0:
                break
            await asyncio.sleep(0.02)

    assert slow.status_code == 504
    assert slow.json() == {"error": "Gateway Timeout"}
    assert during["threads_past_deadline"] == 1
    assert after["threads_past_deadline"] == 0
    warnings = [r.getMessage() for r in caplog.records if "max_duration" in r.getMessage()]
    assert len(warnings) == 1
    assert "GET app/api/slow/route.py ran past max_duration (0.2s)" in warnings[0]
