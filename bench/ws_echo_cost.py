"""Per-message cost of the WebSocket echo, in-process: the ASGI app, no server, no network.

Usage: python bench/ws_echo_cost.py {raw,approutes} [MESSAGES] [--profile]

Opens one socket on `ws_raw_app.py` or on approutes' echo route (`ws_project/`), feeds it
MESSAGES 32-byte texts and a close through ASGI events, and prints microseconds per message
(best of 5 rounds) and per socket opened and closed with no message. `--profile` prints
cProfile's top functions of one round instead. For instruction counts, run it under
`valgrind --tool=callgrind` with two message counts and divide the difference, as
bench/access_log_cost.py does for requests.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
MESSAGE = "x" * 32
SCOPE: dict[str, Any] = {
    "type": "websocket",
    "asgi": {"version": "3.0", "spec_version": "2.4"},
    "http_version": "1.1",
    "scheme": "ws",
    "path": "/ws/echo",
    "raw_path": b"/ws/echo",
    "query_string": b"",
    "root_path": "",
    "headers": [
        (b"host", b"127.0.0.1:3000"),
        (b"connection", b"Upgrade"),
        (b"upgrade", b"websocket"),
        (b"sec-websocket-version", b"13"),
        (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    ],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 3000),
    "subprotocols": [],
    "state": {},
}


async def _socket(app: Any, messages: int) -> int:
    """One socket through `app`: connect, `messages` texts, a client close; the sends seen."""
    sent = 0
    remaining = messages
    connected = False

    async def receive() -> dict[str, Any]:
        nonlocal remaining, connected
        if not connected:
            connected = True
            return {"type": "websocket.connect"}
        if remaining:
            remaining -= 1
            return {"type": "websocket.receive", "text": MESSAGE}
        return {"type": "websocket.disconnect", "code": 1000, "reason": ""}

    async def send(message: dict[str, Any]) -> None:
        nonlocal sent
        sent += 1

    await app(dict(SCOPE), receive, send)
    return sent


async def _round(app: Any, messages: int, sockets: int) -> tuple[float, float]:
    """Microseconds per message (one long socket) and per empty socket."""
    started = time.perf_counter()
    sent = await _socket(app, messages)
    per_message = (time.perf_counter() - started) / messages * 1e6
    if sent != messages + 1:  # the accept, then one echo a message
        raise SystemExit(f"the app sent {sent} messages for {messages} (and the accept)")
    started = time.perf_counter()
    for _ in range(sockets):
        await _socket(app, 0)
    per_socket = (time.perf_counter() - started) / sockets * 1e6
    return per_message, per_socket


def _app(kind: str) -> Any:
    if kind == "raw":
        sys.path.insert(0, str(BENCH_DIR))
        from ws_raw_app import app  # noqa: PLC0415

        return app
    from approutes import create_app  # noqa: PLC0415

    return create_app(BENCH_DIR / "ws_project")


def main() -> None:
    """Measure (or profile), and print the result."""
    kind = sys.argv[1]
    messages = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 20_000
    app = _app(kind)
    if "--profile" in sys.argv:
        profile = cProfile.Profile()
        profile.enable()
        asyncio.run(_round(app, messages, 1_000))
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return
    rounds = [asyncio.run(_round(app, messages, 2_000)) for _ in range(5)]
    per_message = min(r[0] for r in rounds)
    per_socket = min(r[1] for r in rounds)
    print(f"{kind}: {per_message:.2f} us/message, {per_socket:.1f} us/socket ({messages} messages)")


if __name__ == "__main__":
    main()
