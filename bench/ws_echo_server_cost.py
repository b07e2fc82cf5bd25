"""Instructions a WebSocket echo costs the serving process on uvicorn: approutes vs raw ASGI.

Runs the server under callgrind, once with 1,000 and once with 4,000 round trips of a
32-byte text (the `websockets` client, outside callgrind), and prints the difference in
instructions divided by 3,000: the serving process's instructions a message, steady where
messages/s on this shared machine are not. The round trips go over one socket, or spread
over SOCKETS sockets at once (`--sockets 50`, as ws_echo.py's load; the server then handles
several messages a wake-up, so the count depends a little on timing). `raw` is `ws_raw_app.py`
under `uvicorn --ws websockets-sansio`; `approutes` is `approutes start --server uvicorn`
on `ws_project/` (its access log on or, with `approutes-nolog`, off).

Usage: python bench/ws_echo_server_cost.py [--sockets N] [raw|approutes|approutes-nolog ...]
"""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from websockets.asyncio.client import connect as connect_async
from websockets.sync.client import ClientConnection, connect

BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
APPROUTES = str(Path(PYTHON).with_name("approutes"))
MESSAGE = "x" * 32
COMMANDS = {
    "raw": [
        PYTHON, "-m", "uvicorn", "ws_raw_app:app", "--loop", "uvloop", "--http", "httptools",
        "--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--no-access-log",
        "--log-level", "warning",
    ],
    "approutes": [APPROUTES, "start", "ws_project", "--server", "uvicorn"],
    "approutes-nolog": [
        APPROUTES, "start", "ws_project", "--server", "uvicorn", "--no-access-log",
    ],
}  # fmt: skip


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _connect(port: int) -> ClientConnection:
    """A socket to the echo route, once the server (slow under callgrind) listens."""
    deadline = time.monotonic() + 180
    while True:
        try:
            return connect(f"ws://127.0.0.1:{port}/ws/echo", open_timeout=30)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def _echo_over(port: int, sockets: int, messages: int) -> None:
    """`messages` round trips spread over `sockets` sockets open at once."""

    async def one(count: int) -> None:
        async with connect_async(f"ws://127.0.0.1:{port}/ws/echo", open_timeout=60) as ws:
            for _ in range(count):
                await ws.send(MESSAGE)
                if await ws.recv() != MESSAGE:
                    raise RuntimeError("the echo differs")

    await asyncio.gather(*(one(messages // sockets) for _ in range(sockets)))


def instructions(kind: str, messages: int, sockets: int) -> int:
    """Instructions of a server that echoed `messages` (and a first one), start to exit."""
    port = free_port()
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        *COMMANDS[kind], "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=BENCH_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    with _connect(port) as ws:
        ws.send(MESSAGE)
        if ws.recv(timeout=30) != MESSAGE:
            raise RuntimeError("the echo differs")
        if sockets == 1:
            for _ in range(messages):
                ws.send(MESSAGE)
                ws.recv(timeout=30)
    if sockets > 1:
        asyncio.run(_echo_over(port, sockets, messages))
    server.send_signal(signal.SIGINT)
    _, errors = server.communicate(timeout=120)
    found = re.search(rb"Collected : (\d+)", errors)
    if found is None:
        raise RuntimeError(errors.decode(errors="replace"))
    return int(found.group(1))


def main() -> None:
    """Measure each kind named (all by default) and print instructions a message."""
    args = sys.argv[1:]
    sockets = 1
    if args[:1] == ["--sockets"]:
        sockets, args = int(args[1]), args[2:]
    for kind in args or list(COMMANDS):
        many, few = instructions(kind, 4000, sockets), instructions(kind, 1000, sockets)
        per_message = (many - few) / 3000
        print(f"{kind:16} {per_message / 1000:7.1f}k instructions a message", flush=True)


if __name__ == "__main__":
    main()
