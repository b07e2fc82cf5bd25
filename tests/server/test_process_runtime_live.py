"""runtime = "process" under a real server: CPU-bound handlers leave the event loop free."""

from __future__ import annotations

import statistics
import threading
import time
from typing import TYPE_CHECKING

import httpx
from tests.conftest import make_project, server_process

if TYPE_CHECKING:
    from pathlib import Path

CPU_BOUND = """
    import os
    import time

    runtime = "process"

    def GET():
        started = time.perf_counter()
        total = 0
        while time.perf_counter() - started < 1.5:
            total += sum(range(1000))
        return {"pid": os.getpid(), "total": total > 0}
"""
PING = "import os\n\nasync def GET():\n    return {'pid': os.getpid()}\n"


def _ping_latencies(base: str, count: int) -> list[float]:
    latencies = []
    with httpx.Client(base_url=base, timeout=10) as client:
        for _ in range(count):
            started = time.perf_counter()
            assert client.get("/api/ping").status_code == 200
            latencies.append(time.perf_counter() - started)
            time.sleep(0.02)
    return latencies


def test_a_cheap_route_answers_quickly_while_four_cpu_bound_requests_run(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "app/api/cpu/route.py": CPU_BOUND,
            "app/api/ping/route.py": PING,
            "approutes.toml": "process_pool_size = 4\n",
        },
    )
    with server_process(project, "--server", "uvicorn") as (base, _):
        httpx.get(f"{base}/api/cpu", timeout=30)  # starts the pool's processes
        server_pid = httpx.get(f"{base}/api/ping").json()["pid"]
        idle = _ping_latencies(base, 20)
        results: list[httpx.Response] = []
        workers = [
            threading.Thread(
                target=lambda: results.append(httpx.get(f"{base}/api/cpu", timeout=30))
            )
            for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        time.sleep(0.2)
        busy_started = time.perf_counter()
        busy = _ping_latencies(base, 20)
        busy_ended = time.perf_counter()
        for worker in workers:
            worker.join()

    assert [r.status_code for r in results] == [200] * 4
    assert server_pid not in {r.json()["pid"] for r in results}
    assert busy_ended - busy_started < 1.2, "the pings did not all run while the CPU work did"
    # The loop stays free: pings during the CPU work answer within a few times their idle
    # latency (a blocked loop would make them wait the 1.5 s of the work).
    assert statistics.median(busy) < max(10 * statistics.median(idle), 0.05)
    assert max(busy) < 0.5
