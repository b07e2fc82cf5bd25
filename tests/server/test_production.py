"""Production serving: workers, graceful shutdown, crashed workers, and the Dockerfile."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from tests.conftest import APPROUTES_BIN, REPO, free_port, make_project, wait_until_serving

from approutes.cli.serve import GRACEFUL_TIMEOUT

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

SERVERS = ["uvicorn", "granian"]
PAD = "x" * 200_000  # a body larger than one socket write

PID = """
    import os
    import time

    async def GET():
        # NOTE: blocks the worker's loop for a moment, so that concurrent requests
        # have to be accepted by the other workers.
        time.sleep(0.02)
        return {"pid": os.getpid()}
"""
SLOW = f"""
    import asyncio
    import os
    from pathlib import Path

    async def GET():
        Path(os.environ["MARKS"], "slow-started").touch()
        await asyncio.sleep(1.5)
        return {{"done": True, "pad": "{PAD}"}}
"""
ENDLESS = """
    import asyncio
    import os
    from pathlib import Path

    from approutes import Response

    async def ticks():
        while True:
            yield "tick\\n"
            await asyncio.sleep(0.1)

    async def GET():
        Path(os.environ["MARKS"], "stream-started").touch()
        return Response(ticks(), headers={"content-type": "text/plain"})
"""
LOADING = """
    import multiprocessing
    import os
    import time
    from pathlib import Path

    # NOTE: only in a worker (started by the server's multiprocessing), not in `start`'s own
    # check of the project: says it is loading, then waits for the test's go.
    if multiprocessing.parent_process() is not None:
        marks = Path(os.environ["MARKS"])
        (marks / f"loading-{os.getpid()}").touch()
        while not (marks / "go").exists():
            time.sleep(0.01)

    async def GET():
        return {"loaded": True}
"""
CHECKING = """
    import multiprocessing
    import os
    import time
    from pathlib import Path

    # NOTE: only in `start`'s own check of the project (a plain fork), not in a worker (started
    # by the server's multiprocessing): says it is checking, then waits for the test's go.
    if multiprocessing.parent_process() is None:
        marks = Path(os.environ["MARKS"])
        (marks / f"checking-{os.getpid()}").touch()
        while not (marks / "go").exists():
            time.sleep(0.01)

    async def GET():
        return {"pid": os.getpid()}
"""
INSTRUMENTATION = """
    import os
    from pathlib import Path

    def register():
        Path(os.environ["MARKS"], f"started-{os.getpid()}").touch()

    def shutdown():
        Path(os.environ["MARKS"], f"shutdown-{os.getpid()}").touch()
"""
# serve() called directly, to shorten the graceful timeout the CLI leaves at its default.
SERVE_WITH_TIMEOUT = """
import sys
from pathlib import Path
from approutes.cli.serve import serve

root, port, server, timeout = sys.argv[1:]
serve(Path(root), host="127.0.0.1", port=int(port), server=server, graceful_timeout=int(timeout))
"""


@pytest.fixture
def marks(tmp_path: Path) -> Path:
    folder = tmp_path / "marks"
    folder.mkdir()
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "site",
        {
            "app/api/pid/route.py": PID,
            "app/api/slow/route.py": SLOW,
            "app/api/endless/route.py": ENDLESS,
            "instrumentation.py": INSTRUMENTATION,
        },
    )


@contextmanager
def launched(command: Sequence[str], log: Path, marks: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` in its own process group, output to `log`; yield it; kill the group.

    The process may have exited by the end (the test stopped it).
    """
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "MARKS": str(marks)},
            start_new_session=True,
        )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def serving(
    command: Sequence[str], port: int, log: Path, marks: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`launched`, once the server answers: yield its base URL and process."""
    base = f"http://127.0.0.1:{port}"
    with launched(command, log, marks) as process:
        try:
            wait_until_serving(base + "/", process)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{log.read_text(errors='replace')}") from None
        yield base, process


def start_command(root: Path, port: int, *args: str) -> list[str]:
    return [
        str(APPROUTES_BIN),
        "start",
        str(root),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *args,
    ]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


def pids_serving(base: str, count: int, *, deadline: float = 15.0) -> set[int]:
    """Distinct worker pids seen over fresh connections, until `count` of them answered."""
    pids: set[int] = set()
    stop = time.monotonic() + deadline
    with ThreadPoolExecutor(4) as pool:
        while len(pids) < count:
            assert time.monotonic() < stop, f"only workers {pids} answered"
            pids.update(pool.map(lambda _: get_json(base + "/api/pid")["pid"], range(4)))
    return pids


def children(pid: int) -> set[int]:
    """The pids of `pid`'s child processes, from /proc."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with suppress(FileNotFoundError):
            found.update(int(child) for child in (task / "children").read_text().split())
    return found


def wait_for(condition: Callable[[], bool], what: str, deadline: float = 15.0) -> None:
    stop = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < stop, f"timed out waiting for {what}"
        time.sleep(0.01)


def shutdown_marks(marks: Path) -> list[str]:
    return sorted(p.name for p in marks.iterdir() if p.name.startswith("shutdown-"))


def loading_marks(marks: Path) -> list[str]:
    return sorted(p.name for p in marks.iterdir() if p.name.startswith("loading-"))


def started_marks(marks: Path) -> list[str]:
    return sorted(p.name for p in marks.iterdir() if p.name.startswith("started-"))


def checking_pid(marks: Path) -> int:
    """The pid of the process checking the project, once it has said so."""
    wait_for(lambda: any(marks.glob("checking-*")), "the check to start")
    return int(next(marks.glob("checking-*")).name.removeprefix("checking-"))


# --- start-up -------------------------------------------------------------------------------


@pytest.mark.parametrize(("server", "workers"), [("granian", 1), ("uvicorn", 2)], ids=str)
def test_the_supervisor_starts_while_a_child_checks_the_project_then_serves_it(
    marks: Path, tmp_path: Path, server: str, workers: int
) -> None:
    root = make_project(tmp_path / "checking", {"app/api/pid/route.py": CHECKING})
    port = free_port()
    command = start_command(root, port, "--server", server, "--workers", str(workers))
    with launched(command, tmp_path / "log", marks) as process:
        checker = checking_pid(marks)
        # NOTE: the command's own process is already the supervisor; its child checks.
        assert checker in children(process.pid)
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert b"approutes.cli.supervisor" in cmdline
        (marks / "go").touch()
        wait_until_serving(f"http://127.0.0.1:{port}/", process)
        assert get_json(f"http://127.0.0.1:{port}/api/pid")["pid"] not in (process.pid, checker)
        assert not Path(f"/proc/{checker}").exists()  # ended, and reaped by the supervisor


def test_on_one_cpu_the_command_checks_the_project_itself_then_becomes_the_supervisor(
    marks: Path, tmp_path: Path
) -> None:
    # NOTE: with one CPU the supervisor and the check would take turns: no fork ahead.
    root = make_project(tmp_path / "checking", {"app/api/pid/route.py": CHECKING})
    port = free_port()
    command = ["taskset", "-c", "0", *start_command(root, port, "--server", "granian")]
    with launched(command, tmp_path / "log", marks) as process:
        assert checking_pid(marks) == process.pid
        (marks / "go").touch()
        wait_until_serving(f"http://127.0.0.1:{port}/", process)
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert b"approutes.cli.supervisor" in cmdline


def test_sigterm_while_the_project_is_checked_ends_the_check_and_the_command(
    marks: Path, tmp_path: Path
) -> None:
    root = make_project(tmp_path / "checking", {"app/api/pid/route.py": CHECKING})
    log = tmp_path / "log"
    command = start_command(root, free_port(), "--server", "granian")
    with launched(command, log, marks) as process:
        checker = checking_pid(marks)
        os.kill(process.pid, signal.SIGTERM)  # NOTE: the command's pid only, not its group
        status = process.wait(timeout=10)
    assert status == 128 + signal.SIGTERM, log.read_text()
    assert not Path(f"/proc/{checker}").exists()
    assert "Traceback" not in log.read_text()


# --- workers --------------------------------------------------------------------------------


@pytest.mark.parametrize("server", SERVERS)
def test_every_worker_serves(project: Path, marks: Path, tmp_path: Path, server: str) -> None:
    port = free_port()
    command = start_command(project, port, "--server", server, "--workers", "2")
    with serving(command, port, tmp_path / "log", marks) as (base, process):
        pids = pids_serving(base, 2)
        assert pids <= children(process.pid)


@pytest.mark.parametrize("server", SERVERS)
def test_a_crashed_worker_is_replaced_and_the_server_keeps_answering(
    project: Path, marks: Path, tmp_path: Path, server: str
) -> None:
    port = free_port()
    command = start_command(project, port, "--server", server, "--workers", "2")
    with serving(command, port, tmp_path / "log", marks) as (base, process):
        before = pids_serving(base, 2)
        victim = min(before)
        assert victim in children(process.pid)

        os.kill(victim, signal.SIGKILL)
        # NOTE: connections that reach the worker while it dies are reset; once the server
        # has reaped it, every request must be answered.
        wait_for(lambda: victim not in children(process.pid), "the server to reap the worker")

        seen: set[int] = set()
        stop = time.monotonic() + 15
        while not seen - before:
            assert time.monotonic() < stop, f"no new worker; answers came from {seen}"
            seen.add(get_json(base + "/api/pid")["pid"])  # every request is answered
        assert process.poll() is None
        replacement = (seen - before).pop()
        assert replacement in children(process.pid)


BALLAST = 64 * 1024 * 1024
HEAVY = f"""
    BALLAST = b"x" * {BALLAST}  # resident from the import on

    async def GET():
        return {{"bytes": len(BALLAST)}}
"""


def rss(pid: int) -> int:
    """The resident memory of process `pid`, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"process {pid} has no VmRSS")


@pytest.mark.parametrize(
    ("server", "workers"), [("granian", 1), ("granian", 2), ("uvicorn", 2)], ids=str
)
def test_the_process_that_supervises_the_workers_holds_none_of_the_project(
    marks: Path, tmp_path: Path, server: str, workers: int
) -> None:
    # NOTE: `start` imports every route file to check it before any worker starts; the
    # workers import them again, and the process left supervising them must not keep them.
    root = make_project(
        tmp_path / "heavy", {"app/api/pid/route.py": PID, "app/heavy/route.py": HEAVY}
    )
    port = free_port()
    command = start_command(root, port, "--server", server, "--workers", str(workers))
    with serving(command, port, tmp_path / "log", marks) as (base, process):
        worker_pids = pids_serving(base, workers)
        assert get_json(base + "/heavy") == {"bytes": BALLAST}
        assert all(rss(pid) > BALLAST for pid in worker_pids)
        assert rss(process.pid) < BALLAST  # about 35 MiB; with the project, 64 more


# --- graceful shutdown ----------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker", "two-workers"])
@pytest.mark.parametrize("server", SERVERS)
def test_sigterm_finishes_the_request_in_flight_runs_shutdown_and_exits_zero(
    project: Path, marks: Path, tmp_path: Path, server: str, workers: int
) -> None:
    port = free_port()
    command = start_command(project, port, "--server", server, "--workers", str(workers))
    log = tmp_path / "log"
    with (
        serving(command, port, log, marks) as (base, process),
        ThreadPoolExecutor(1) as pool,
    ):
        # NOTE: every worker must have started (its lifespan run) before the signal: a worker
        # still booting when it comes exits without a lifespan, so without a shutdown either.
        wait_for(lambda: len(started_marks(marks)) == workers, "every worker to start")
        slow = pool.submit(get_json, base + "/api/slow")
        wait_for((marks / "slow-started").exists, "the slow request to start")

        os.kill(process.pid, signal.SIGTERM)

        assert slow.result(timeout=20) == {"done": True, "pad": PAD}
        status = process.wait(timeout=20)
    assert status == 0, log.read_text()
    assert len(shutdown_marks(marks)) == workers, log.read_text()


@pytest.mark.parametrize("server", SERVERS)
def test_sigterm_while_the_workers_load_the_project_stops_them_once_loaded(
    marks: Path, tmp_path: Path, server: str
) -> None:
    # NOTE: a granian worker forked before it imports the project kept its supervisor's signal
    # handler until it served: the SIGTERM was lost and the worker, once loaded, served on
    # until the graceful timeout (30 s) ended it.
    root = make_project(tmp_path / "loading", {"app/api/loading/route.py": LOADING})
    port = free_port()
    log = tmp_path / "log"
    command = start_command(root, port, "--server", server, "--workers", "2")
    with launched(command, log, marks) as process:
        wait_for(lambda: len(loading_marks(marks)) == 2, "both workers to be loading the project")
        os.kill(process.pid, signal.SIGTERM)
        (marks / "go").touch()
        status = process.wait(timeout=GRACEFUL_TIMEOUT / 2)
    assert status == 0, log.read_text()


@pytest.mark.parametrize("server", SERVERS)
def test_an_endless_stream_holds_shutdown_only_for_the_graceful_timeout(
    project: Path, marks: Path, tmp_path: Path, server: str
) -> None:
    port = free_port()
    command = [sys.executable, "-c", SERVE_WITH_TIMEOUT, str(project), str(port), server, "1"]
    log = tmp_path / "log"
    with (
        serving(command, port, log, marks) as (base, process),
        urllib.request.urlopen(base + "/api/endless", timeout=10) as stream,
    ):
        assert stream.readline() == b"tick\n"
        os.kill(process.pid, signal.SIGTERM)
        # The stream never ends by itself: the server exiting at all is the graceful
        # timeout at work. NOTE: the deadline is a hang guard; it is under the default
        # timeout (GRACEFUL_TIMEOUT, 30 s), so a server ignoring the 1 s it was given fails.
        status = process.wait(timeout=GRACEFUL_TIMEOUT // 2)
    assert status == 0, log.read_text()
    if server == "uvicorn":
        # uvicorn cancels the stream and still runs the lifespan shutdown; granian kills
        # the worker (see approutes.cli.serve).
        assert len(shutdown_marks(marks)) == 1, log.read_text()


# --- the Dockerfile of the project template -------------------------------------------------

DOCKERFILE = REPO / "examples" / "basic" / "Dockerfile"


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def shell_scripts(instruction: str, arguments: str) -> list[str]:
    """The shell text an instruction runs (exec form: `sh -c` scripts and plain argv)."""
    if instruction == "HEALTHCHECK":
        arguments = arguments.partition("CMD ")[2]
    if not arguments.startswith("["):
        return [arguments]
    argv: list[str] = json.loads(arguments)
    if argv[:2] == ["sh", "-c"]:
        return [argv[2]]
    return [shlex.join(argv)]


def approutes_invocations(script: str, env: dict[str, str]) -> list[list[str]]:
    """Each `approutes ...` command in `script`, with $VARIABLES expanded from `env`."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in ("&&", "||", ";", "|", "&"):
            commands.append([])
        else:
            commands[-1].append(re.sub(r"\$\{?(\w+)\}?", lambda m: env[m[1]], token))
    found = []
    for command in commands:
        if command and command[0] == "exec":
            command = command[1:]
        if command and command[0] == "approutes":
            found.append(command[1:])
    return found


def dockerfile_env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, arguments in instructions:
        if keyword in ("ENV", "ARG"):  # an ARG's default stands for its value
            for item in shlex.split(arguments):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def test_the_dockerfile_runs_only_real_approutes_commands_and_options() -> None:
    instructions = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
    env = dockerfile_env(instructions)
    invocations = [
        invocation
        for keyword, arguments in instructions
        if keyword in ("RUN", "CMD", "ENTRYPOINT")
        for script in shell_scripts(keyword, arguments)
        for invocation in approutes_invocations(script, env)
    ]
    assert [args[0] for args in invocations] == ["build", "start"]

    for subcommand, *args in invocations:
        shown = subprocess.run(
            [str(APPROUTES_BIN), subcommand, "--help"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert shown.returncode == 0, f"approutes {subcommand}: {shown.stderr}"
        for option in (arg.split("=", 1)[0] for arg in args if arg.startswith("-")):
            assert re.search(rf"(^|[\s,]){re.escape(option)}\b", shown.stdout), (
                f"approutes {subcommand} has no option {option}"
            )
        # The whole command line parses (names, values, arity) before --help answers.
        parsed = subprocess.run(
            [str(APPROUTES_BIN), subcommand, *args, "--help"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert parsed.returncode == 0, f"approutes {shlex.join(args)}: {parsed.stderr}"


def test_the_dockerfile_serves_the_exposed_port_and_checks_health_there() -> None:
    listed = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
    env = dockerfile_env(listed)
    last = dict(listed)
    options = approutes_invocations(shell_scripts("CMD", last["CMD"])[0], env)[0]
    port = options[options.index("--port") + 1]
    assert options[options.index("--host") + 1] == "0.0.0.0"
    assert last["EXPOSE"] == port
    assert f"http://127.0.0.1:{port}/_approutes/health" in last["HEALTHCHECK"]
    assert env["APPROUTES_HEALTH_CHECK"] == "true"
    assert last["USER"] not in ("root", "0")
