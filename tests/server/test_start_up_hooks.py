"""instrumentation.py under real servers: register() per worker, a failure stops start-up."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.conftest import APPROUTES_BIN, free_port, make_project, server_process

if TYPE_CHECKING:
    from pathlib import Path

ROUTE = "def GET():\n    return {'ok': True}\n"


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_a_failing_register_stops_the_server_with_its_traceback(
    tmp_path: Path, server: str
) -> None:
    project = make_project(
        tmp_path,
        {
            "app/api/x/route.py": ROUTE,
            "instrumentation.py": """
                def register():
                    raise RuntimeError("cannot reach the database")
            """,
        },
    )
    port = str(free_port())
    command = [str(APPROUTES_BIN), "start", str(project), "--port", port, "--server", server]

    finished = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)

    output = finished.stdout + finished.stderr
    assert finished.returncode != 0, output
    assert "Traceback" in output
    assert "RuntimeError: cannot reach the database" in output
    assert 'instrumentation.py", line 2, in register' in output


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_register_runs_once_in_each_worker_before_requests(tmp_path: Path, server: str) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    project = make_project(
        tmp_path / "p",
        {
            "app/api/x/route.py": """
                import os

                def GET():
                    return {"registered": os.environ.get("REGISTERED_IN")}
            """,
            "instrumentation.py": """
                import os
                from pathlib import Path

                def register():
                    os.environ["REGISTERED_IN"] = str(os.getpid())
                    Path(os.environ["MARKS"], str(os.getpid())).touch()
            """,
        },
    )
    args = ("--server", server, "--workers", "2")
    with server_process(project, *args, env={"MARKS": str(marks)}) as (base, _):
        seen = {httpx.get(f"{base}/api/x").json()["registered"] for _ in range(20)}

    workers = {path.name for path in marks.iterdir()}
    assert len(workers) == 2
    assert seen <= workers
    assert None not in seen
