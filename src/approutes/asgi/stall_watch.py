"""StallWatch: one coarse sweep per event loop ends the body reads that wait too long.

A body read that waits for its next message registers with its loop's watch and leaves
when the message comes: a dict entry, no timer (the read does both in place, see
`StallWatch`). Every `interval` seconds the watch counts a sweep and ends the reads that
have waited past their timeout (the read answers 408). The sweeps start with a read and stop
when one finds no read waiting; the watch stays with its loop for the next read.

A read is never ended early: a read that began after sweep `s` is ended at sweep `k` only when
`(k - s - 1) * interval >= timeout` (sweeps are at least `interval` apart), so at most about
two intervals late.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

__all__ = ["StallWatch", "Stallable", "running_watch", "stall_watch"]

SWEEP_INTERVAL = 1.0
"""Seconds between sweeps; a read waits at most its timeout plus about two of these."""


class Stallable(Protocol):
    """A body read the watch can end: its timeout, and what to do when it passes."""

    @property
    def timeout(self) -> float:
        """Seconds it may wait for a message."""
        ...

    def stall(self) -> None:
        """It waited past its timeout: end it (a 408)."""
        ...


class StallWatch:
    """The reads of one event loop that wait for a message, swept every `interval` seconds.

    A read that begins to wait enters itself, with the sweep count, and arms the watch if it
    is not armed:

        watch.reads[read] = watch.sweeps
        if not watch.armed:
            watch.arm()

    and takes itself out when its message comes (`watch.reads.pop(read, None)`). PERF: no
    call of the watch's on a read that waits while it is armed (callgrind, bench S4, S8).

    Attributes:
        reads: Each waiting read, with the sweep count when it began to wait.
        sweeps: How many sweeps ran.
        armed: Whether a sweep is scheduled (always True without `call_later`: such a
            watch sweeps only when `sweep()` is called, as tests do).
    """

    __slots__ = ("_call_later", "armed", "interval", "reads", "sweeps")

    def __init__(
        self,
        call_later: Callable[[float, Callable[[], None]], asyncio.TimerHandle] | None = None,
        interval: float = SWEEP_INTERVAL,
    ) -> None:
        """Sweep through `call_later` (None: only when `sweep()` is called, as tests do)."""
        self._call_later = call_later
        self.armed = call_later is None
        self.interval = interval
        self.reads: dict[Stallable, int] = {}
        self.sweeps = 0

    def arm(self) -> None:
        """Schedule the next sweep (a read began to wait while none was scheduled)."""
        if self._call_later is not None:
            self.armed = True
            self._call_later(self.interval, self._tick)

    def sweep(self) -> None:
        """Count a sweep and end every read that has waited past its timeout."""
        self.sweeps += 1
        late = [
            read
            for read, since in self.reads.items()
            if (self.sweeps - since - 1) * self.interval >= read.timeout
        ]
        for read in late:
            del self.reads[read]
            read.stall()

    def _tick(self) -> None:
        self.armed = False
        self.sweep()
        if self.reads:
            self.arm()


_SHORTEST_INTERVAL = 0.01
_WATCHES: dict[asyncio.AbstractEventLoop, StallWatch] = {}

running_watch: Callable[[asyncio.AbstractEventLoop], StallWatch | None] = _WATCHES.get
"""The watch of a loop, None before its first read (PERF: a C call, no frame; bench S4)."""


def stall_watch(loop: asyncio.AbstractEventLoop, timeout: float) -> StallWatch:
    """The watch of `loop` (the running one), made on its first read.

    That read's `timeout` sets how often it sweeps: every second, or four times in a shorter
    timeout (never more often than every 10 ms).
    """
    watch = _WATCHES.get(loop)
    if watch is None:
        # NOTE: a watch lives as long as its loop; the closed loops' go when a new one comes.
        # list() copies the keys in one step: another thread's loop may add its watch.
        for closed in [other for other in list(_WATCHES) if other.is_closed()]:
            _WATCHES.pop(closed, None)
        interval = max(min(SWEEP_INTERVAL, timeout / 4), _SHORTEST_INTERVAL)
        watch = _WATCHES[loop] = StallWatch(loop.call_later, interval)
    return watch
