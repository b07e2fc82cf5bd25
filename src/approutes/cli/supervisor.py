"""The process that runs a server's workers for `approutes start`, holding none of the project.

granian (always) and uvicorn with `--workers N` serve from worker processes that one
supervising process starts, watches and replaces. `serve` loads and checks the project first,
so a route tree that cannot load stops start-up with its message, then hands over
(`hand_over`): `os.execv` replaces that process's image with `python -m
approutes.cli.supervisor`, which reads its `SupervisorPlan` from the environment and runs
the server. It stays the same process (the same id, parent, process group and terminal), so
signals reach the server as they did and the server's exit status is the command's; each
worker loads the project itself (`worker_app.app_from_environment`). `approutes start` turns
this around (`start_ahead`, below): the supervisor starts first, and `serve` runs in its child.

PERF: the process that loaded the project kept it all (modules, route tree, settings) while
it only supervised, and granian forks its workers from it, so each worker held that copy
beside its own load. The bench's 1,000-route project on granian, VmRSS after 2,000 requests:
supervisor 42.5 -> 31.0 MiB, worker 43.5 -> 40.6 MiB; the two 86.0 -> 71.6 MiB, against
63.5-65.9 for the raw app under `python -m granian` (supervisor 32.0-32.9, worker
31.6-33.0). The supervisor imports only this module, `server_options.py`, the server and
`log_setup.py` (`import approutes` loads no public name until it is used; the formatters
import the request state and the JSON codec when first used).

PERF: the supervisor's own start (a new interpreter, granian or uvicorn imported: ~80 ms)
waited for the check of the project (~140 ms). `approutes start` now forks first
(`start_ahead`): the process becomes the supervisor at once and imports its server while the
child checks the project, then takes the child's environment (its plan in it) or its exit
status. The bench's 1,000-route project on granian, spawn to the first 200 (median of 9
starts): 0.38 -> 0.31 s on two CPUs (on one it does not fork: see `start_ahead`).
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import shutil
import signal
import sys
from contextlib import suppress
from dataclasses import asdict, dataclass
from typing import Any, Literal, NoReturn

from approutes.cli.going_away import hold_early_stop
from approutes.cli.server_options import ServerLimits, has_module, uvicorn_options

__all__ = ["SupervisorPlan", "hand_over", "main", "remove_at_exit", "start_ahead", "supervised"]

_PLAN_VARIABLE = "_APPROUTES_SUPERVISOR_PLAN"
_AHEAD_VARIABLE = "_APPROUTES_SUPERVISOR_AHEAD"
_MODULE = "approutes.cli.supervisor"
_FACTORY = "approutes.cli.worker_app:app_from_environment"


@dataclass(frozen=True, slots=True)
class SupervisorPlan:
    """What the supervisor serves, and how: all it knows of `approutes start`."""

    server: Literal["uvicorn", "granian"]
    host: str
    port: int
    workers: int
    graceful_timeout: int
    limits: ServerLimits
    log_config: dict[str, Any]
    metrics_folder: str | None = None
    """A folder of the workers' metrics this process made, removed when the server exits."""


def supervised(server: Literal["uvicorn", "granian"], workers: int) -> bool:
    """Whether `server` with `workers` serves from a supervisor's workers (else in-process)."""
    return server == "granian" or workers > 1


class _Ahead:
    """In the child `start_ahead` forks: the pipe its supervisor waits on."""

    pipe: int | None = None


def start_ahead(server: Literal["uvicorn", "granian"]) -> None:
    """Make this process the supervisor now, and return in a forked child that checks the project.

    The child goes on as the command: it loads and checks the project, prints, and either
    ends in `hand_over`, which sends its environment (the plan in it) to the supervisor, or
    exits with the command's error. This process execs the supervisor at once (the same
    process: its id, parent and group are kept), which imports `server` meanwhile and then
    serves the plan, or exits with the child's status.

    Does nothing where this process may run on one CPU only: the two would take turns, and
    the fork costs more than it saves (the bench's 1,000-route project under `taskset -c 1`,
    granian: 0.43 -> 0.46 s). The command then checks the project and hands over as before.
    """
    if _usable_cpus() < 2:  # NOTE: two processes, two CPUs
        return
    sys.stdout.flush()
    sys.stderr.flush()
    reading, writing = os.pipe()
    checker = os.fork()
    if checker == 0:
        os.close(reading)
        _Ahead.pipe = writing
        return
    os.close(writing)
    os.set_inheritable(reading, True)
    # NOTE: kept across the exec (Python leaves an ignored SIGINT ignored): a Ctrl-C is the
    # child's to answer, also while the supervisor's interpreter starts.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ[_AHEAD_VARIABLE] = f"{server} {reading} {checker}"
    _exec_supervisor()


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # NOTE: macOS has no affinity


def hand_over(plan: SupervisorPlan) -> NoReturn:
    """Give `plan` to the supervisor, replacing this process with one unless it runs ahead.

    What this process printed is flushed first; the environment (the workers' variables, the
    project's `.env` values) goes over as it is. In the child of `start_ahead` it goes to the
    waiting supervisor, and the child ends.
    """
    os.environ[_PLAN_VARIABLE] = json.dumps(asdict(plan))
    sys.stdout.flush()
    sys.stderr.flush()
    if _Ahead.pipe is None:
        _exec_supervisor()
    try:
        with os.fdopen(_Ahead.pipe, "w", encoding="utf-8") as pipe:
            json.dump(dict(os.environ), pipe)
    except BrokenPipeError:
        os._exit(1)  # NOTE: the supervisor is gone (killed): nobody is left to serve
    os._exit(0)  # NOTE: as an exec would: no atexit hooks (the supervisor owns the metrics folder)


def _exec_supervisor() -> NoReturn:
    """Replace this process's image with `python -m approutes.cli.supervisor`."""
    os.execv(sys.executable, [sys.executable, "-m", _MODULE])  # noqa: S606 - this Python, no shell


def main() -> None:
    """Serve the plan `hand_over` left in the environment (`python -m approutes.cli.supervisor`)."""
    ahead = os.environ.pop(_AHEAD_VARIABLE, None)
    if ahead is not None:
        _take_over_from_checker(ahead)
    plan = _plan_from_environment()
    if plan.metrics_folder is not None:
        remove_at_exit(plan.metrics_folder)
    if plan.server == "granian":
        _serve_granian(plan)
    else:
        _serve_uvicorn_workers(plan)


def remove_at_exit(folder: str) -> None:
    """Remove `folder` when this process exits (not when a forked worker does)."""
    atexit.register(_remove, folder, os.getpid())


def _remove(folder: str, owner: int) -> None:
    # NOTE: a forked worker that ran atexit hooks must not remove the server's folder.
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def _take_over_from_checker(ahead: str) -> None:
    """Wait for the child of `start_ahead` and take its environment; exit as it did if it failed.

    A Ctrl-C reaches the child from the terminal and is its to answer; a SIGTERM sent here
    is passed on to it. A child ended by a signal makes this exit with 128 + its number.
    """
    server, pipe, checker_id = ahead.split()
    checker = int(checker_id)
    signal.signal(signal.SIGTERM, lambda signum, _frame: os.kill(checker, signum))
    with suppress(ImportError):  # NOTE: the child says which extra is missing, and exits 1
        importlib.import_module(server)  # PERF: while the child checks the project
    with os.fdopen(int(pipe), encoding="utf-8") as reading:
        environment = reading.read()  # NOTE: all of it, or nothing once the child has ended
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    status = os.waitstatus_to_exitcode(os.waitpid(checker, 0)[1])
    if status < 0:
        sys.exit(128 - status)  # NOTE: ended by a signal: the shell's number for it
    if status != 0 or not environment:
        sys.exit(status or 1)
    os.environ.clear()
    os.environ.update(json.loads(environment))


def _plan_from_environment() -> SupervisorPlan:
    fields = json.loads(os.environ.pop(_PLAN_VARIABLE))
    fields["limits"] = ServerLimits(**fields["limits"])
    return SupervisorPlan(**fields)


def _serve_uvicorn_workers(plan: SupervisorPlan) -> None:
    import uvicorn  # noqa: PLC0415 - only when serving

    # NOTE: with several workers uvicorn's supervisor replaces a dead one (checked every
    # 0.5 s); that is its default, nothing to switch on.
    uvicorn.run(
        _FACTORY,
        factory=True,
        workers=plan.workers,
        host=plan.host,
        port=plan.port,
        **uvicorn_options(plan.limits, plan.graceful_timeout, plan.log_config),
    )


def _serve_granian(plan: SupervisorPlan) -> None:
    from granian import Granian  # noqa: PLC0415 - heavy, only when serving
    from granian.constants import Interfaces, Loops  # noqa: PLC0415
    from granian.http import HTTP1Settings  # noqa: PLC0415
    from granian.log import LogLevels  # noqa: PLC0415

    # NOTE: a worker forks before it imports and loads the project; a stop signal meanwhile
    # must not be lost (going_away.py).
    os.register_at_fork(after_in_child=hold_early_stop)
    Granian(
        _FACTORY,
        address=plan.host,
        port=plan.port,
        interface=Interfaces.ASGI,
        # NOTE: granian's default HTTP mode (auto) is kept. `http=HTTPModes.http1`, as the raw
        # app's `--http 1`, saves 2.9k of ~184k instructions a request (callgrind, S2) but lets
        # a 32 KiB + 1 head through under `max_header_size = "32kb"` (answered 200, not 431:
        # tests/attack/test_attack_request_head.py).
        workers=plan.workers,
        loop=Loops.uvloop if has_module("uvloop") else Loops.asyncio,
        factory=True,
        log_access=False,  # NOTE: approutes logs its own access lines (approutes.access)
        log_level=LogLevels.warning,  # approutes prints its own start-up line
        log_dictconfig=plan.log_config,
        respawn_failed_workers=True,
        workers_kill_timeout=plan.graceful_timeout,
        # SECURITY: hyper answers 431 to a head that does not fit its read buffer (and to
        # more than 100 headers). PERF: the buffer also caps each read of a body, so uploads
        # arrive in pieces of at most this size (loopback: ~350 MB/s at 16 KiB, ~1.5 GB/s at
        # granian's default of 408 KiB); far above what a network delivers.
        http1_settings=HTTP1Settings(max_buffer_size=plan.limits.max_header_size),
    ).serve()


if __name__ == "__main__":
    main()
