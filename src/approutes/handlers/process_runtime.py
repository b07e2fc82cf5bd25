"""`runtime = "process"`: CPU-bound handlers run in a pool of worker processes.

The event loop stays free while they compute. The handler gets the request fully read
(body under `body_size_limit`) and must return a response that is not a stream; `after()`
is not available there. Each pool process imports the project's route files itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import pickle
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from approutes.errors import ApproutesError, HTTPError
from approutes.handlers.respond import finish_response, respond
from approutes.request_context import entered_state
from approutes.route_modules.loader import load_route_module
from approutes.web.response import Response
from approutes.web.synthetic_request import synthetic_request

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from approutes.route_modules.handler_plan import HandlerPlan
    from approutes.route_modules.route_module import RouteModule
    from approutes.web.request import NextRequest
    from approutes.web.route_context import Params

__all__ = [
    "POOL_SHUTDOWN_TIMEOUT",
    "ProcessHandlerError",
    "ProcessPool",
    "configure_process_pool",
    "run_in_process",
]

POOL_SHUTDOWN_TIMEOUT = 2.0
"""Seconds the pool's processes get at shutdown to finish the call they compute and exit.

Kept well under the 5 s a stopping server should take once its requests are done.
"""
_KILL_GRACE = 1.0  # seconds a terminated (then killed) pool process gets to go


class ProcessHandlerError(ApproutesError):
    """A process-runtime handler raised; the message carries its traceback from the pool."""


class ProcessPool:
    """The pool of one served project, started on first use."""

    def __init__(self, root: Path, size: int) -> None:
        """Run handlers of the project at `root` in up to `size` processes."""
        self.root = root
        self.size = size
        self._executor: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        """The executor, started now if needed (spawned: safe beside an event loop)."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.size,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
                initargs=(str(self.root),),
            )
        return self._executor

    def shutdown(self, timeout: float = POOL_SHUTDOWN_TIMEOUT) -> None:
        """Stop the processes (at the app's shutdown); none is left running on return.

        Queued calls are cancelled. Each process gets `timeout` seconds to finish the call it
        is computing and exit; one still running then is terminated, and killed if it ignores
        that. Blocks for at most `timeout` plus `_KILL_GRACE` twice.
        """
        executor = self._executor
        if executor is None:
            return
        self._executor = None
        # NOTE: ProcessPoolExecutor has no public list of its processes; read it before
        # shutdown() drops it. An executor that never ran a call has none.
        processes: list[BaseProcess] = list((getattr(executor, "_processes", None) or {}).values())
        # NOTE: shutdown(wait=False) alone left the processes running when the server ran the
        # app in a multiprocessing worker (granian; uvicorn --workers N): the worker's exit
        # closes the call queue's feeder thread (multiprocessing's finalizers run before the
        # executor's atexit hook) before the executor's thread has sent the processes their
        # stop sentinels, then joins them for ever. Waiting for them here, while the executor
        # still works, lets the sentinels through; granian used to kill such a worker after
        # its 30 s timeout and orphan the pool processes and the resource tracker.
        executor.shutdown(wait=False, cancel_futures=True)
        left = _wait_for_exit(processes, timeout)
        for process in left:
            process.terminate()
        left = _wait_for_exit(left, _KILL_GRACE)
        for process in left:
            process.kill()
        _wait_for_exit(left, _KILL_GRACE)


def _wait_for_exit(processes: list[BaseProcess], timeout: float) -> list[BaseProcess]:
    """Wait up to `timeout` seconds for `processes` to exit; return those still running.

    NOTE: waits on each process's sentinel rather than join(): the executor's own thread
    joins (reaps) them too, and a process reaped by another thread looks alive to join().
    """
    deadline = time.monotonic() + timeout
    running = list(processes)
    while running:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        ended = set(wait([process.sentinel for process in running], remaining))
        running = [process for process in running if process.sentinel not in ended]
    return running


_pool: ProcessPool | None = None


def configure_process_pool(root: Path, size: int | None) -> ProcessPool:
    """Set the pool of the project this process serves (create_app calls it)."""
    global _pool  # one pool per served project, set at start-up
    if _pool is not None:
        _pool.shutdown()
    _pool = ProcessPool(root, size or os.cpu_count() or 1)
    return _pool


async def run_in_process(plan: HandlerPlan, request: NextRequest, params: Params) -> Response:
    """Run the handler of `plan` in the pool and return its response.

    Raises:
        ProcessHandlerError: the handler raised (or returned a stream) in the pool.
        HTTPError, ValidationError: what the handler raised, when it has an answer of its
            own; the entrypoint maps it as for any other handler.
        PayloadTooLarge: the body is over the route's limit.
    """
    if _pool is None:
        raise ProcessHandlerError("no process pool: serve the project with create_app")
    body = await request.bytes()
    scope = request.portable_scope()
    outcome = await asyncio.get_running_loop().run_in_executor(
        _pool.executor(), _handle_in_child, plan.file, plan.method, scope, body, params
    )
    if outcome[0] == "raised":
        raise pickle.loads(outcome[1])  # noqa: S301 - from our own pool process
    if outcome[0] == "error":
        raise ProcessHandlerError(
            f"{plan.method} in {plan.file} raised in the process pool:\n{outcome[1]}"
        )
    _, status, headers, content = outcome
    response = Response(content or None, status=status)
    for name, value in headers:
        response.headers.append(name, value)
    return response


# --- in the pool's processes ----------------------------------------------------------------

_root: Path | None = None


def _start_child(root: str) -> None:
    global _root  # set once per pool process
    _root = Path(root)
    if root not in sys.path:
        sys.path.insert(0, root)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_with_parent, args=(parent,), name="approutes-parent-watch", daemon=True
        ).start()


def _exit_with_parent(parent: BaseProcess) -> None:
    """End this pool process as soon as the server process that started it is gone.

    NOTE: a pool process waits for work on a queue it holds both ends of, so it never sees
    its parent die (SIGKILL, OOM, granian killing a worker past its timeout); without this
    it would run on under PID 1, keeping the resource tracker alive with it. No result can
    be delivered any more, so exit at once.
    """
    parent.join()
    os._exit(1)


def _handle_in_child(
    file: str, method: str, scope: dict[str, Any], body: bytes, params: Params
) -> tuple[Any, ...]:
    try:
        return ("ok", *asyncio.run(_respond_in_child(file, method, scope, body, params)))
    except Exception as exc:  # noqa: BLE001 - sent back to the server process
        portable = _portable(exc)
        if portable is not None:
            # NOTE: raised again in the server process, where the entrypoint answers it.
            with contextlib.suppress(Exception):
                return ("raised", pickle.dumps(portable))
        return ("error", traceback.format_exc())


async def _respond_in_child(
    file: str, method: str, scope: dict[str, Any], body: bytes, params: Params
) -> tuple[int, list[tuple[str, str]], bytes]:
    plan = _child_route(file).methods.handlers[method]
    request = synthetic_request(scope, body)
    with entered_state(request, file) as state:
        response = await respond(plan, request, params, None)
        finish_response(state, response)
    if response.stream is not None:
        raise TypeError(f'{file}: a runtime = "process" handler cannot return a stream')
    return response.status, response.headers.raw(), response.body or b""


_routes: dict[str, RouteModule] = {}


def _child_route(file: str) -> RouteModule:
    """The route of `file`, loaded once per pool process by the same loader as the server's."""
    route = _routes.get(file)
    if route is None:
        assert _root is not None  # noqa: S101 - set by the pool initializer
        route = _routes[file] = load_route_module(_root, file)
    return route


def _portable(exc: Exception) -> Exception | None:
    """`exc` as the server process can raise it, when it has an answer of its own.

    An HTTPError (its subclasses take other arguments, so it travels as a plain HTTPError
    with the same status, message and headers) or a pydantic validation error; None for
    anything else, which is a 500.
    """
    if isinstance(exc, HTTPError):
        return HTTPError(exc.status, exc.message, exc.headers)
    pydantic = sys.modules.get("pydantic")
    invalid = pydantic is not None and isinstance(exc, pydantic.ValidationError)
    return exc if invalid else None
