"""Open WebSockets closed with 1001 when a granian worker is told to stop.

granian drops a worker's connections as soon as the worker's stop signal arrives, before the
app hears anything: its sockets would end without a close frame (the client sees 1006). So
in a granian worker approutes wraps the signal set-up granian does there: on SIGTERM or
SIGINT the worker first closes its open sockets with 1001 (bounded by the graceful
timeout), then stops as granian stops it. uvicorn needs none of this: its WebSocket protocol
closes with 1001 itself (`uvicorn_websocket.py`).

A stop signal can also arrive while a granian worker is still loading the project: the
worker is forked from granian's supervisor and keeps, until it serves, the supervisor's own
handler, which only marks the supervisor's copy of its state, so the worker would load, serve
and be killed only when the graceful timeout ends (30 s; one stop in three with two workers
when the signal came as the first worker answered). `hold_early_stop` catches that signal
and the wrapped set-up stops the worker as soon as it serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from approutes.asgi.entrypoint import AsgiEntrypoint

__all__ = ["GOING_AWAY", "close_sockets_before_granian_stops", "hold_early_stop"]

GOING_AWAY = 1001
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_stopped_while_loading: list[int] = []
"""The stop signals a granian worker received before it served (`hold_early_stop`)."""


def hold_early_stop() -> None:
    """In a granian worker, remember a stop signal that arrives before it serves.

    granian's supervisor runs this in each worker it forks, first thing
    (`os.register_at_fork`, `supervisor.py`), before the worker imports and loads the
    project. A uvicorn worker needs none: it is spawned with Python's default handlers, and a
    signal ends it at once.
    """
    for number in _STOP_SIGNALS:
        signal.signal(number, _remember_stop)


def _remember_stop(number: int, _frame: object) -> None:
    _stopped_while_loading.append(number)


def close_sockets_before_granian_stops(app: AsgiEntrypoint, graceful_timeout: float) -> None:
    """In a granian worker, make its stop signals close `app`'s sockets (1001) first.

    Does nothing outside granian. NOTE: wraps `granian._signals.set_loop_signals`, which
    granian's worker imports when it starts serving, after loading the app (granian 2.x);
    tests/server/test_websockets_live.py's SIGTERM test fails if a release changes that.
    """
    granian_signals = sys.modules.get("granian._signals")
    if granian_signals is None:
        return
    set_loop_signals = granian_signals.set_loop_signals

    def set_loop_signals_closing_sockets(loop: asyncio.AbstractEventLoop) -> Any:
        stop = set_loop_signals(loop)  # granian's: a signal sets `stop`, the worker stops
        tasks: set[asyncio.Task[None]] = set()

        async def go_away() -> None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(graceful_timeout):
                    await app.sockets.close_all(GOING_AWAY, "server stopping")
            stop.set()

        def on_signal() -> None:
            task = loop.create_task(go_away())
            tasks.add(task)  # NOTE: held until done, or the loop may collect it
            task.add_done_callback(tasks.discard)

        for number in _STOP_SIGNALS:
            loop.add_signal_handler(number, on_signal)
        if _stopped_while_loading:
            loop.call_soon(on_signal)  # told to stop while loading: stop once serving
        return stop

    granian_signals.set_loop_signals = set_loop_signals_closing_sockets  # type: ignore[attr-defined]
