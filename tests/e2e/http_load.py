"""A small HTTP/1.1 load generator: N keep-alive connections sending GETs, every answer counted.

`wrk` and `ab` are not part of the project's installs, and a generic client (httpx) spends
more CPU per request than the servers under test on a 2-core machine, so this speaks just
enough HTTP/1.1 over asyncio streams: a request line and `Host`, then the status line, the
headers and a `Content-Length` body (or chunks). A connection the server closes, or a
`Connection: close` answer, is replaced by a new connection; what counts as a failure is
what a user would see: a status other than 200, or a request sent without a whole answer.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass
class Sample:
    """One request: when it was sent (monotonic seconds), how long it took, its status."""

    started: float
    seconds: float
    status: int  # 0: no whole answer (connection reset or closed mid-request)


@dataclass
class LoadRun:
    """A load running in a thread of its own; `stop()` ends it once `minimum` were sent."""

    host: str
    port: int
    paths: Sequence[str]
    connections: int = 64
    minimum: int = 20_000
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _sent: int = 0
    _crashed: Exception | None = None

    def start(self) -> LoadRun:
        """Start the connections in a background thread; returns self."""
        self._thread = threading.Thread(target=self._thread_main, daemon=True)
        self._thread.start()
        return self

    def __enter__(self) -> LoadRun:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self, timeout: float = 300.0) -> None:
        """Let the connections finish once `minimum` requests were sent, and wait for them."""
        self._stopping.set()
        assert self._thread is not None
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the load did not finish"
        if self._crashed is not None:
            raise AssertionError("the load generator crashed") from self._crashed

    @property
    def sent(self) -> int:
        """Requests sent so far."""
        return self._sent

    def failures(self) -> list[Sample]:
        """The requests a user would call failed."""
        return [sample for sample in self.samples if sample.status != 200]

    def p99(self, since: float = 0.0, until: float = float("inf")) -> float:
        """The 99th percentile latency (seconds) of the requests sent within [since, until]."""
        times = sorted(s.seconds for s in self.samples if since <= s.started <= until)
        assert times, "no request in that window"
        return times[min(len(times) - 1, int(len(times) * 0.99))]

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._run())
        except Exception as exc:  # noqa: BLE001 - reported by stop(), in the test's thread
            self._crashed = exc

    async def _run(self) -> None:
        await asyncio.gather(*(self._connection(n) for n in range(self.connections)))

    def _more(self) -> bool:
        return self._sent < self.minimum or not self._stopping.is_set()

    async def _connection(self, number: int) -> None:
        index = number
        while self._more():
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError as exc:
                # NOTE: nothing was sent, yet a user would see it fail: counted as a failure.
                self._record(time.monotonic(), 0, f"connect: {exc!r}")
                await asyncio.sleep(0.05)
                continue
            try:
                while self._more():
                    path = self.paths[index % len(self.paths)]
                    index += self.connections
                    started = time.monotonic()
                    self._sent += 1
                    writer.write(
                        f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode()
                    )
                    try:
                        status, keep_alive = await _read_answer(reader)
                    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                        self._record(started, 0, f"{path}: {exc!r}")
                        break
                    self._record(started, status, None)
                    if not keep_alive:
                        break
            finally:
                writer.close()

    def _record(self, started: float, status: int, error: str | None) -> None:
        self.samples.append(Sample(started, time.monotonic() - started, status))
        if error is not None:
            self.errors.append(error)


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection") != "close"
