"""1,000 WebSockets at once on one worker: every message answered, memory given back after.

Each socket sends 20 numbered messages and waits for each echo; the server is `approutes
start` with one worker, on uvicorn and on granian. What a user checks: nothing is lost or
reordered, the server keeps serving, and its memory comes back down once the sockets close
(a leak of a few KiB per socket would show as MiBs here: a reference cycle per socket once
kept ~12 MiB per thousand).

NOTE: "comes back" is measured against the memory of the same load once before: granian's
jemalloc returns freed pages to the system, but on uvicorn Python's allocator keeps what a
thousand sockets needed for the next thousand (RSS settles there and does not grow).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from tests.live_server import PING, SERVERS, LiveServer, project_server, wait_until
from websockets.asyncio.client import connect

if TYPE_CHECKING:
    from collections.abc import Iterator

SOCKETS = 1000
MESSAGES = 20

ROUTES = {
    "app/ping/route.py": PING,
    "app/ws/echo/route.py": """
        from approutes import WebSocket

        async def GET(socket: WebSocket) -> None:
            await socket.accept()
            async for message in socket:
                await socket.send(message)
    """,
}


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    env = {"APPROUTES_ACCESS_LOG": "false"}
    with project_server(tmp_path_factory, "socket-load", request.param, ROUTES, env) as live:
        yield live


async def converse(url: str, index: int, opened: asyncio.Event, go: asyncio.Event) -> list[str]:
    """Open a socket, wait until all are open, then send MESSAGES and collect their echoes."""
    answers = []
    async with connect(url, open_timeout=30, ping_interval=None) as ws:
        opened.set()
        await go.wait()
        for number in range(MESSAGES):
            await ws.send(f"{index}:{number}")
            answers.append(str(await ws.recv()))
    return answers


async def crowd(url: str, count: int) -> list[list[str]]:
    """`count` sockets open at once, then all talking; the answers each one received."""
    go = asyncio.Event()
    opened = [asyncio.Event() for _ in range(count)]
    tasks = [asyncio.create_task(converse(url, i, opened[i], go)) for i in range(count)]
    for event in opened:
        await event.wait()
    go.set()
    return await asyncio.gather(*tasks)


def test_a_thousand_sockets_each_sending_twenty_messages(server: LiveServer) -> None:
    url = f"ws://127.0.0.1:{server.port}/ws/echo"
    asyncio.run(crowd(url, SOCKETS))  # NOTE: the allocators grow to what the load needs
    settled = server.rss()

    answers = asyncio.run(crowd(url, SOCKETS))

    expected = [[f"{i}:{n}" for n in range(MESSAGES)] for i in range(SOCKETS)]
    assert answers == expected  # none lost, none reordered, none crossed to another socket
    server.assert_serving()
    # NOTE: freed memory goes back in the allocator's own time: wait for it (a leak never
    # gets there).
    wait_until(
        lambda: server.rss() - settled < 6 * 1024 * 1024,
        f"the RSS back within 6 MiB of {settled / 2**20:.0f} MiB",
        deadline=20.0,
    )
