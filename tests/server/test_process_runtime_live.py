"""runtime = "process" under a real server: CPU-bound handlers leave the event loop free."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import httpx
from tests.conftest import make_project, server_process
from tests.live_server import wait_until

if TYPE_CHECKING:
    from pathlib import Path

# Spins the CPU without ever yielding until the test creates `release` (30 s at the most),
# after marking that it runs (one file per process).
CPU_BOUND = """
    import os
    import time
    from pathlib import Path

    runtime = "process"

    def GET():
        marks = Path(os.environ["MARKS"])
        (marks / f"running-{os.getpid()}").touch()
        stop = time.monotonic() + 30
        total = 0
        while not (marks / "release").exists() and time.monotonic() < stop:
            total += sum(range(10_000))
        return {"pid": os.getpid(), "total": total > 0}
"""
PING = "import os\n\nasync def GET():\n    return {'pid': os.getpid()}\n"


def test_a_cheap_route_answers_while_four_cpu_bound_requests_run(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "site",
        {
            "app/api/cpu/route.py": CPU_BOUND,
            "app/api/ping/route.py": PING,
            "approutes.toml": "process_pool_size = 4\n",
        },
    )
    marks = tmp_path / "marks"
    marks.mkdir()
    release = marks / "release"
    env = {"MARKS": str(marks)}
    with server_process(project, "--server", "uvicorn", env=env) as (base, _):
        server_pid = httpx.get(f"{base}/api/ping").json()["pid"]
        results: list[httpx.Response] = []
        workers = [
            threading.Thread(
                target=lambda: results.append(httpx.get(f"{base}/api/cpu", timeout=30))
            )
            for _ in range(4)
        ]
        for worker in workers:
            worker.start()

        def running() -> int:
            return len(list(marks.glob("running-*")))

        wait_until(lambda: running() == 4, "four CPU-bound handlers run at once", 30)
        # The loop stays free: every ping is answered while the CPU work still spins (a
        # blocked loop would not answer until the work was released).
        pings = [httpx.get(f"{base}/api/ping", timeout=5) for _ in range(20)]
        answered_during_the_work = len(results)
        release.touch()
        for worker in workers:
            worker.join()

    assert [p.status_code for p in pings] == [200] * 20
    assert answered_during_the_work == 0
    assert [r.status_code for r in results] == [200] * 4
    assert server_pid not in {r.json()["pid"] for r in results}
    assert len({r.json()["pid"] for r in results}) == 4
