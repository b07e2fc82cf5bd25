"""Instructions a WebSocket echo costs the serving process on uvicorn: approutes vs raw ASGI.

Runs the server under callgrind, once with 1,000 and once with 4,000 round trips of a
32-byte text on one socket (the `websockets` client, outside callgrind), and prints the
difference in instructions divided by 3,000: the serving process's instructions a message,
deterministic where messages/s on this shared machine are not. `raw` is `ws_raw_app.py`
under `uvicorn --ws websockets-sansio`; `approutes` is `approutes start --server uvicorn`
on `ws_project/` (its access log on or, with `approutes-nolog`, off).

Usage: python bench/ws_echo_server_cost.py [raw|approutes|approutes-nolog ...]
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from websockets.sync.client import ClientConnection, connect

BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
APPROUTES = str(Path(PYTHON).with_name("approutes"))
MESSAGE = "x" * 32
COMMANDS = {
    "raw": [
        PYTHON, "-m", "uvicorn", "ws_raw_app:app", "--loop", "uvloop", "--http", "httptools",
        "--ws", "websockets-sansio", "--no-access-log", "--log-level", "warning",
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


def instructions(kind: str, messages: int) -> int:
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
        for _ in range(messages + 1):
            ws.send(MESSAGE)
            if ws.recv(timeout=30) != MESSAGE:
                raise RuntimeError("the echo differs")
    server.send_signal(signal.SIGINT)
    _, errors = server.communicate(timeout=120)
    found = re.search(rb"Collected : (\d+)", errors)
    if found is None:
        raise RuntimeError(errors.decode(errors="replace"))
    return int(found.group(1))


def main() -> None:
    """Measure each kind named (all by default) and print instructions a message."""
    for kind in sys.argv[1:] or list(COMMANDS):
        per_message = (instructions(kind, 4000) - instructions(kind, 1000)) / 3000
        print(f"{kind:16} {per_message / 1000:7.1f}k instructions a message", flush=True)


if __name__ == "__main__":
    main()
