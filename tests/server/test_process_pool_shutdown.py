"""A server that ran `runtime = "process"` handlers stops quickly and leaves no process behind.

Regression for issue #15 (bug 9): under granian (and uvicorn --workers N) SIGTERM hung for
30 s and left the pool process and multiprocessing's resource tracker running under PID 1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tests.conftest import make_project, server_process

EXIT_DEADLINE = 5.0  # seconds a stopped server may take to exit
ORPHAN_DEADLINE = 3.0  # seconds left to processes that see their parent go (EOF, sentinel)

PROCESS_ROUTE = """
    import os

    runtime = "process"

    def GET():
        return {"pid": os.getpid()}
"""


@dataclass(frozen=True, slots=True)
class ProcInfo:
    pid: int
    ppid: int
    session: int
    state: str
    cmdline: str


def _processes() -> dict[int, ProcInfo]:
    """Every process on the machine now, from /proc."""
    found: dict[int, ProcInfo] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended while we looked
            continue
        # NOTE: the command name in parentheses may hold spaces; the fields follow the last ")".
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry.name)
        found[pid] = ProcInfo(pid, int(fields[1]), int(fields[3]), fields[0], cmdline.strip())
    return found


def _left_behind(server_pid: int, project: Path) -> list[ProcInfo]:
    """Running processes the server left: its session, its descendants, or its project."""
    processes = _processes()

    def descends_from_server(info: ProcInfo) -> bool:
        seen: set[int] = set()
        while info.ppid > 1 and info.pid not in seen:
            if info.ppid == server_pid:
                return True
            seen.add(info.pid)
            parent = processes.get(info.ppid)
            if parent is None:
                return False
            info = parent
        return False

    return [
        info
        for info in processes.values()
        if info.state != "Z"  # a zombie runs nothing; reaping it is its new parent's job
        and (
            info.session == server_pid  # start_new_session: the server leads its session
            or descends_from_server(info)
            or str(project) in info.cmdline
            or ("resource_tracker" in info.cmdline and info.session == server_pid)
        )
    ]


def _wait_until_none_left(server_pid: int, project: Path) -> list[ProcInfo]:
    """Poll until nothing is left behind, or the deadline passes; return what is left."""
    stop = time.monotonic() + ORPHAN_DEADLINE
    left = _left_behind(server_pid, project)
    while left and time.monotonic() < stop:
        time.sleep(0.05)
        left = _left_behind(server_pid, project)
    return left


def _describe(left: list[ProcInfo]) -> str:
    return "\n".join(f"  {p.pid} (ppid {p.ppid}, {p.state}): {p.cmdline}" for p in left)


def _wait_for_exit(process: subprocess.Popen[bytes], project: Path) -> int:
    try:
        return process.wait(timeout=EXIT_DEADLINE)
    except subprocess.TimeoutExpired:
        left = _left_behind(process.pid, project)
        pytest.fail(
            f"the server did not exit within {EXIT_DEADLINE} s of SIGTERM; running:\n"
            + _describe(left)
        )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "pool-project",
        {"app/api/cpu/route.py": PROCESS_ROUTE, "approutes.toml": "process_pool_size = 2\n"},
    )


@pytest.mark.parametrize(
    ("server", "workers"), [("uvicorn", "1"), ("uvicorn", "2"), ("granian", "1"), ("granian", "2")]
)
def test_sigterm_after_a_process_route_exits_promptly_leaving_no_process(
    project: Path, server: str, workers: str
) -> None:
    with server_process(project, "--server", server, "--workers", workers) as (base, process):
        with httpx.Client(base_url=base, timeout=30) as client:
            pool_pids = {client.get("/api/cpu").json()["pid"] for _ in range(6)}
        assert process.pid not in pool_pids

        os.kill(process.pid, signal.SIGTERM)  # the server alone, as an orchestrator does
        assert _wait_for_exit(process, project) == 0
        left = _wait_until_none_left(process.pid, project)
        assert not left, f"processes left behind after the server exited:\n{_describe(left)}"


def test_pool_processes_end_when_the_server_is_killed(project: Path) -> None:
    with server_process(project, "--server", "uvicorn") as (base, process):
        pool_pid = httpx.get(f"{base}/api/cpu", timeout=30).json()["pid"]
        assert pool_pid in _processes()

        os.kill(process.pid, signal.SIGKILL)  # no shutdown runs: the pool must notice alone
        process.wait(timeout=EXIT_DEADLINE)
        left = _wait_until_none_left(process.pid, project)
        assert not left, f"processes left behind by a killed server:\n{_describe(left)}"
