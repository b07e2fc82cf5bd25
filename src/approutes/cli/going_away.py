"""Open WebSockets closed with 1001 when granian stops its workers.

granian drops a worker's connections as the worker stops, before the app hears anything:
its sockets would end without a close frame (the client sees 1006). So `approutes start
--server granian` stops a worker in two steps: the supervisor sends it `GOING_AWAY_SIGNAL`
first; the worker closes its open sockets with 1001 and then stops itself as a SIGTERM would
stop it. A worker that has not stopped within the graceful bound is stopped as granian
does (SIGTERM, then SIGKILL). uvicorn needs none of this: its WebSocket protocol closes
with 1001 itself (`uvicorn_websocket.py`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from approutes.asgi.entrypoint import AsgiEntrypoint

__all__ = ["GOING_AWAY_SIGNAL", "close_sockets_on_signal", "granian_server"]

GOING_AWAY_SIGNAL = signal.SIGUSR1
GOING_AWAY = 1001


def close_sockets_on_signal(app: AsgiEntrypoint) -> Callable[[], Awaitable[None]]:
    """A start-up hook: on GOING_AWAY_SIGNAL, close `app`'s sockets (1001), then SIGTERM self."""

    async def install() -> None:
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[None]] = set()

        async def go_away() -> None:
            await app.sockets.close_all(GOING_AWAY, "server stopping")
            os.kill(os.getpid(), signal.SIGTERM)

        def on_signal() -> None:
            task = loop.create_task(go_away())
            tasks.add(task)  # NOTE: held until done, or the loop may collect it
            task.add_done_callback(tasks.discard)

        loop.add_signal_handler(GOING_AWAY_SIGNAL, on_signal)

    return install


def granian_server() -> type[Any]:
    """Granian's server, stopping each worker with GOING_AWAY_SIGNAL before its SIGTERM.

    NOTE: overrides granian's `_stop_workers` (granian 2.x); tests/server's WebSocket
    SIGTERM test fails if a granian release changes it.
    """
    from granian import Granian  # noqa: PLC0415 - heavy, only when serving

    class GoingAwayGranian(Granian):  # type: ignore[misc,valid-type]  # granian: untyped
        def _stop_workers(self) -> None:
            deadline = time.monotonic() + (self.workers_kill_timeout or 0)
            for worker in self.wrks:
                pid = worker.inner.pid
                if pid is not None and worker.inner.is_alive():
                    os.kill(pid, GOING_AWAY_SIGNAL)
            for worker in self.wrks:
                worker.inner.join(max(deadline - time.monotonic(), 0.001))
            super()._stop_workers()  # NOTE: what is still running stops as granian stops it

    return GoingAwayGranian
