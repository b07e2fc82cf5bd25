"""StallWatch: one coarse sweep per event loop ends the body reads that wait too long.

A body read that waits for its next message registers with its loop's watch and leaves
when the message comes: a dict entry, no timer. Every `interval` seconds the watch counts a
sweep and ends the reads that have waited past their timeout (the read answers 408). The
sweeps start with a read and stop when one finds no read waiting; the watch stays with its
loop for the next read.

A read is never ended early: a read that began after sweep `s` is ended at sweep `k` only when
`(k - s - 1) * interval >= timeout` (sweeps are at least `interval` apart), so at most about
two intervals late.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

__all__ = ["StallWatch", "Stallable", "stall_watch"]

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

    Attributes:
        reads: Each waiting read, with the sweep count when it began to wait. A read that
            gets its message takes itself out (`reads.pop(read, None)`: no call of the
            watch's, PERF on every body message).
        sweeps: How many sweeps ran.
    """

    __slots__ = ("_call_later", "_handle", "interval", "reads", "sweeps")

    def __init__(
        self,
        call_later: Callable[[float, Callable[[], None]], asyncio.TimerHandle] | None = None,
        interval: float = SWEEP_INTERVAL,
    ) -> None:
        """Sweep through `call_later` (None: only when `sweep()` is called, as tests do)."""
        self._call_later = call_later
        self._handle: asyncio.TimerHandle | None = None
        self.interval = interval
        self.reads: dict[Stallable, int] = {}
        self.sweeps = 0

    def begin(self, read: Stallable) -> None:
        """`read` starts waiting for a message."""
        self.reads[read] = self.sweeps
        if self._handle is None and self._call_later is not None:
            self._handle = self._call_later(self.interval, self._tick)

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
        self._handle = None
        self.sweep()
        if self.reads and self._call_later is not None:
            self._handle = self._call_later(self.interval, self._tick)


_SHORTEST_INTERVAL = 0.01
_WATCHES: dict[asyncio.AbstractEventLoop, StallWatch] = {}


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
