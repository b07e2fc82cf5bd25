"""Load: 1,000 concurrent keep-alive connections, 10,000 requests, 1 % of them failing.

A real `approutes start` serves a mix of routes (JSON, a dynamic param, a POST echo, a small
stream, and a route whose handler raises on 1 % of the requests). The client is asyncio over
raw sockets, so that the client is not the bottleneck. After the run:

- every request was answered: 200 with the expected body, or the expected 500;
- each handler error was logged once;
- the server's resident memory is within 10 % of what it was after a warm-up with the same mix
  and concurrency (no growth from the run);
- its open file descriptors are back to where they were once the connections are closed.

Granian's bundled jemalloc is told to return freed pages at once (`ALLOCATOR_ENV` in the
conftest), so that its RSS is memory in use rather than pages it keeps for ten seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from tests.conftest import make_project
from tests.live_server import PING, SERVERS, live_server, wait_until

if TYPE_CHECKING:
    from pathlib import Path

    from tests.live_server import LiveServer

CONNECTIONS = 1000
REQUESTS = 10_000
WARM_UP_ROUNDS = 2
ERROR_EVERY = 100  # 1 % of the requests
FD_SLACK = 5
RSS_TOLERANCE = 0.10

pytestmark = pytest.mark.timeout(120)

ITEM = """
    async def GET(request, context):
        return {"id": context.params["id"]}
"""

ECHO = """
    async def POST(request):
        return await request.json()
"""

FLAKY = """
    def GET(request):
        if request.search_params.get("fail") == "1":
            raise RuntimeError("flaky handler failed")
        return {"ok": True}
"""

STREAM = """
    from approutes import Response


    async def GET():
        async def chunks():
            for n in range(3):
                yield f"chunk {n}\\n"

        return Response(chunks(), headers={"content-type": "text/plain"})
"""

ROUTES = {
    "app/ping/route.py": PING,
    "app/items/[id]/route.py": ITEM,
    "app/echo/route.py": ECHO,
    "app/flaky/route.py": FLAKY,
    "app/stream/route.py": STREAM,
}


@dataclass(frozen=True)
class Planned:
    """One request of the mix and what its answer must be."""

    request: bytes
    status: int
    body: bytes


def _plan(number: int) -> Planned:
    """Request `number` of the mix: every ERROR_EVERY-th fails, the rest cycle over the routes."""
    head = "HTTP/1.1\r\nHost: localhost\r\n"
    if number % ERROR_EVERY == 0:
        request = f"GET /flaky?fail=1 {head}\r\n"
        return Planned(request.encode(), 500, b'{"error":"Internal Server Error"}')
    kind = number % 5
    if kind == 0:
        return Planned(f"GET /ping {head}\r\n".encode(), 200, b'{"pong":true}')
    if kind == 1:
        body = json.dumps({"id": str(number)}, separators=(",", ":")).encode()
        return Planned(f"GET /items/{number} {head}\r\n".encode(), 200, body)
    if kind == 2:
        payload = json.dumps({"n": number, "text": "x" * (number % 300)}, separators=(",", ":"))
        request = (
            f"POST /echo {head}Content-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n{payload}"
        )
        return Planned(request.encode(), 200, payload.encode())
    if kind == 3:
        return Planned(f"GET /flaky {head}\r\n".encode(), 200, b'{"ok":true}')
    return Planned(f"GET /stream {head}\r\n".encode(), 200, b"chunk 0\nchunk 1\nchunk 2\n")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    if b"content-length" in fields:
        return status, await reader.readexactly(int(fields[b"content-length"]))
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, b"".join(parts)
        parts.append((await reader.readexactly(size + 2))[:-2])


@dataclass
class Outcome:
    """What a run got back."""

    answered: int = 0
    failed_as_planned: int = 0
    wrong: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


async def _connection(
    port: int, numbers: list[int], outcome: Outcome, opened: asyncio.Event, ready: list[int]
) -> None:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), timeout=30
        )
    except (OSError, TimeoutError) as exc:
        outcome.lost.append(f"connect: {exc!r}")
        return
    ready.append(1)
    await opened.wait()  # every connection is open before the first request goes out
    try:
        for number in numbers:
            planned = _plan(number)
            writer.write(planned.request)
            try:
                status, body = await asyncio.wait_for(_read_response(reader), timeout=30)
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
                outcome.lost.append(f"request {number}: {exc!r}")
                return
            outcome.answered += 1
            if (status, body) != (planned.status, planned.body):
                outcome.wrong.append(f"request {number}: {status} {body[:100]!r}")
            elif status == 500:
                outcome.failed_as_planned += 1
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _run(port: int, connections: int, total: int) -> Outcome:
    outcome = Outcome()
    opened = asyncio.Event()
    ready: list[int] = []
    shares = [list(range(start, total, connections)) for start in range(connections)]
    tasks = [
        asyncio.create_task(_connection(port, share, outcome, opened, ready)) for share in shares
    ]
    while len(ready) + len(outcome.lost) < connections:
        await asyncio.sleep(0.01)
    opened.set()
    await asyncio.gather(*tasks)
    return outcome


def _raise_descriptor_limit(wanted: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE toward `wanted`; return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def _settle(server: LiveServer, fds: int | None = None) -> None:
    """Wait until the server's descriptors stop changing (or come back to `fds`)."""
    if fds is not None:
        wait_until(
            lambda: server.open_fds() <= fds + FD_SLACK,
            f"the {server.kind} server's descriptors come back to {fds} (+{FD_SLACK})",
            deadline=15,
        )
    last = -1
    stop = time.monotonic() + 15
    while time.monotonic() < stop:
        current = server.open_fds()
        if current == last:
            break
        last = current
        time.sleep(0.3)
    for _ in range(3):
        server.assert_serving()


@pytest.mark.parametrize("kind", SERVERS)
def test_1000_keep_alive_connections_and_10000_requests_lose_nothing_and_leak_nothing(
    tmp_path: Path, kind: str
) -> None:
    # One descriptor per client connection here, and as many in the server (which inherits
    # this limit), plus headroom for everything else each process has open.
    limit = _raise_descriptor_limit(CONNECTIONS + 512)
    connections = min(CONNECTIONS, limit - 512)
    note = f"{connections} connections (RLIMIT_NOFILE {limit})"
    assert connections > 0, note
    root = make_project(tmp_path, ROUTES)

    with live_server(root, kind) as server:
        warm_up = asyncio.run(_run(server.port, connections, connections * WARM_UP_ROUNDS))
        assert warm_up.lost == [], f"{note}: warm-up lost {warm_up.lost[:5]}"
        _settle(server)
        fds_before = server.open_fds()
        rss_before = server.rss()
        errors_before = server.log.count("unhandled RuntimeError in app/flaky/route.py")

        started = time.monotonic()
        outcome = asyncio.run(_run(server.port, connections, REQUESTS))
        elapsed = time.monotonic() - started

        assert outcome.lost == [], f"{note}: {len(outcome.lost)} lost: {outcome.lost[:5]}"
        assert outcome.wrong == [], f"{note}: wrong answers: {outcome.wrong[:5]}"
        assert outcome.answered == REQUESTS, note
        assert outcome.failed_as_planned == REQUESTS // ERROR_EVERY
        expected_errors = errors_before + REQUESTS // ERROR_EVERY
        server.log.wait_for("unhandled RuntimeError in app/flaky/route.py", expected_errors)
        assert server.log.count("RuntimeError: flaky handler failed") == expected_errors

        _settle(server, fds_before)
        fds_after = server.open_fds()
        rss_after = server.rss()

    assert fds_after <= fds_before + FD_SLACK, f"descriptors {fds_before} -> {fds_after}"
    assert rss_after <= rss_before * (1 + RSS_TOLERANCE), (
        f"RSS {rss_before / 2**20:.1f} MiB -> {rss_after / 2**20:.1f} MiB after {REQUESTS} "
        f"requests on {note} in {elapsed:.1f} s"
    )
