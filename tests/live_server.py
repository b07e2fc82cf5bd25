"""Live-server helpers shared by the test suite: a real server with its log, raw HTTP, process
metrics.

`live_server` runs `approutes start` (uvicorn or granian) with its output read as it is
written; the attack suite sends raw bytes over a socket (httpx and browsers normalise paths
and headers, which would hide exactly what those tests send), the live response tests use
httpx through `LiveServer.client()`. Handler and test meet through files in a probe folder
(`PROBE_DIR`, the `PROBE` module source gives routes `mark` and `wait_for`).
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.conftest import make_project, server_process

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from typing import IO

    import pytest

SERVERS = ("uvicorn", "granian")
"""The servers `approutes start` can run; each live test runs against both."""

IO_TIMEOUT = 10.0
"""Seconds a raw exchange may wait on the socket before the test fails."""

CLIENT_TIMEOUT = 5.0
"""Seconds an httpx request to the live server may take before the test fails."""

ALLOCATOR_ENV = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}
"""Make granian's bundled jemalloc return freed pages at once, so that RSS is memory in use.

By default it keeps them ten seconds: RSS measured right after a burst then counts memory
already freed (it climbs for ~50,000 requests and levels off, with a bare ASGI app too).
"""

PING = """
    async def GET():
        return {"pong": True}
"""

PROBE = """
    import asyncio
    import os
    import time
    from pathlib import Path

    DIR = Path(os.environ["PROBE_DIR"])


    def mark(name):
        (DIR / name).write_text("done")


    async def wait_for(name, limit=10.0):
        stop = time.monotonic() + limit
        while not (DIR / name).exists():
            if time.monotonic() > stop:
                return False
            await asyncio.sleep(0.02)
        return True


    def wait_for_sync(name, limit=10.0):
        stop = time.monotonic() + limit
        while not (DIR / name).exists():
            if time.monotonic() > stop:
                return False
            time.sleep(0.02)
        return True
"""
"""A module for a project's `lib/` (or any route folder): markers in the probe folder."""

Pieces = bytes | float
"""What a raw request is sent as: bytes, or a pause in seconds (a slow client)."""


# --- the server and its log --------------------------------------------------------------


@dataclass
class ServerLog:
    """The server's output (stdout and stderr), read by a thread as it is written.

    Reading it as it comes also keeps the pipe drained: a server whose pipe is full blocks.
    """

    stream: IO[bytes]
    lines: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._read, daemon=True)
        thread.start()
        return thread

    def _read(self) -> None:
        try:
            for raw in iter(self.stream.readline, b""):
                with self.lock:
                    self.lines.append(raw.decode(errors="replace"))
        except (OSError, ValueError):  # the pipe was closed as the server stopped
            return

    def text(self) -> str:
        with self.lock:
            return "".join(self.lines)

    def count(self, text: str) -> int:
        """How many times `text` occurs in the log so far."""
        return self.text().count(text)

    def wait_for(self, text: str, times: int = 1, deadline: float = 10.0) -> str:
        """Return the log once `text` occurs `times` times, and a moment later (for repeats)."""
        what = f"the server logs {text!r} {times} time(s)"
        wait_until(lambda: self.count(text) >= times, what, deadline)
        time.sleep(0.3)
        return self.text()


@dataclass
class LiveServer:
    """A running `approutes start` process (and its probe folder, when it was given one)."""

    kind: str
    base: str
    port: int
    root: Path
    process: subprocess.Popen[bytes]
    log: ServerLog
    probe: Path | None = None

    def client(self) -> httpx.Client:
        """An httpx client for this server (close it, or use it in a `with`)."""
        return httpx.Client(base_url=self.base, timeout=CLIENT_TIMEOUT)

    def marker(self, name: str) -> Path:
        """The file `name` in the probe folder (what `mark(name)` writes)."""
        assert self.probe is not None, "live_server(..., probe=folder) gives the server one"
        return self.probe / name

    def exchange(self, data: bytes | Iterable[Pieces], timeout: float = IO_TIMEOUT) -> RawResponse:
        """Send raw bytes on a new connection and read one response."""
        return exchange(self.port, data, timeout=timeout)

    def get(self, target: str | bytes, headers: str | bytes = b"") -> RawResponse:
        """GET `target` (sent exactly as given) with extra raw `headers` lines."""
        return self.exchange(http_request("GET", target, headers=headers))

    def assert_serving(self) -> None:
        """The process is up and answers a plain request with 200."""
        assert self.process.poll() is None, f"the {self.kind} server exited:\n{self.log.text()}"
        response = self.get("/ping")
        assert response.status == 200, response
        assert response.body == b'{"pong":true}'

    def pids(self) -> list[int]:
        """The server process and its descendants (granian's workers)."""
        return process_tree(self.process.pid)

    def rss(self) -> int:
        """Resident memory of the server and its children, in bytes."""
        return sum(_rss(pid) for pid in self.pids())

    def open_fds(self) -> int:
        """Open file descriptors of the server and its children."""
        return sum(_fd_count(pid) for pid in self.pids())


@contextmanager
def live_server(
    root: Path, kind: str, env: Mapping[str, str] | None = None, *, probe: Path | None = None
) -> Iterator[LiveServer]:
    """Run `approutes start root --server kind` with its output read into a ServerLog.

    With `probe`, the server gets it as `PROBE_DIR` (see `PROBE`).
    """
    environment = {**ALLOCATOR_ENV, **(env or {})}
    if probe is not None:
        environment["PROBE_DIR"] = str(probe)
    with server_process(root, "--server", kind, env=environment) as (base, process):
        assert process.stdout is not None
        log = ServerLog(process.stdout)
        log.start()
        port = int(base.rsplit(":", 1)[1])
        yield LiveServer(kind, base, port, root, process, log, probe)


@contextmanager
def project_server(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    kind: str,
    files: Mapping[str, str],
    env: Mapping[str, str] | None = None,
    *,
    probe: bool = False,
) -> Iterator[LiveServer]:
    """`live_server` on a new project of `files` (and a new probe folder when `probe`).

    Example (a module's server fixture, once per server kind):
        @pytest.fixture(scope="module", params=SERVERS)
        def server(request, tmp_path_factory):
            with project_server(tmp_path_factory, "bodies", request.param, ROUTES) as live:
                yield live
    """
    root = make_project(tmp_path_factory.mktemp(f"{name}-{kind}"), files)
    probe_dir = tmp_path_factory.mktemp(f"{name}-probe-{kind}") if probe else None
    with live_server(root, kind, env, probe=probe_dir) as live:
        yield live


def new_token() -> str:
    """A name no other test uses (for markers and query strings)."""
    return uuid.uuid4().hex


def wait_until(condition: Callable[[], object], what: str, deadline: float = 10.0) -> None:
    """Poll `condition` until it is true, or fail naming `what`."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {deadline} s waiting until {what}")


# --- raw HTTP ----------------------------------------------------------------------------


@dataclass
class RawResponse:
    """One HTTP/1.1 response as it came off the wire (a chunked body joined)."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    raw_head: bytes

    def header(self, name: str) -> str | None:
        """The first value of `name`, or None."""
        values = self.header_all(name)
        return values[0] if values else None

    def header_all(self, name: str) -> list[str]:
        """Every value of `name`, in order."""
        key = name.lower()
        return [value for header, value in self.headers if header == key]

    def json_error(self) -> str | None:
        """`error` of an approutes JSON error body, or None for any other body."""
        if not self.body.startswith(b'{"error":'):
            return None
        message: str = json.loads(self.body)["error"]
        return message


class IncompleteResponse(AssertionError):
    """The connection ended before a whole response arrived."""


def http_request(
    method: str,
    target: str | bytes,
    *,
    headers: str | bytes = b"",
    body: bytes | None = None,
    keep_alive: bool = False,
) -> bytes:
    """A raw HTTP/1.1 request; `target` and `headers` (CRLF-ended lines) go out as given."""
    target_bytes = target.encode("latin-1") if isinstance(target, str) else target
    extra = headers.encode("latin-1") if isinstance(headers, str) else headers
    head = method.encode() + b" " + target_bytes + b" HTTP/1.1\r\nHost: localhost\r\n"
    if not keep_alive:
        head += b"Connection: close\r\n"
    if body is not None:
        head += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
    return head + extra + b"\r\n" + (body or b"")


def exchange(
    port: int, data: bytes | Iterable[Pieces], *, timeout: float = IO_TIMEOUT
) -> RawResponse:
    """Send `data` and read one response.

    `data` is bytes, or pieces sent one after another, where a number is a pause of that many
    seconds (a slow client). A server may answer (413, 400, 408) before the whole request is
    sent: sending stops as soon as a response starts arriving, and the response is read.
    """
    pieces = [data] if isinstance(data, bytes) else data
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        for piece in pieces:
            if isinstance(piece, float):
                if _readable(sock, piece):
                    break  # answered during the pause
                continue
            if _readable(sock, 0):
                break  # answered early; what it said is read below
            try:
                sock.sendall(piece)
            except OSError:
                break
        return read_response(sock)


def send_then_close(port: int, data: bytes, *, read_until: bytes = b"") -> bytes:
    """Send `data` on a new connection, read until `read_until` has come, then close it.

    What was received is returned (the connection may end first: then all it sent).
    """
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as sock:
        sock.sendall(data)
        while read_until and read_until not in received:
            piece = sock.recv(65536)
            if not piece:
                break
            received += piece
    return received


def _readable(sock: socket.socket, wait: float) -> bool:
    readable, _, _ = select.select([sock], [], [], wait)
    return bool(readable)


def read_response(sock: socket.socket) -> RawResponse:
    """Read one response from `sock` (until it is whole, or the connection ends)."""
    received = b""
    while True:
        parsed = parse_response(received)
        if parsed is not None:
            return parsed
        try:
            piece = sock.recv(65536)
        except ConnectionResetError:
            piece = b""
        if not piece:
            parsed = parse_response(received, at_eof=True)
            if parsed is None:
                raise IncompleteResponse(f"the connection ended after {received[:300]!r}")
            return parsed
        received += piece


def parse_response(data: bytes, *, at_eof: bool = False) -> RawResponse | None:
    """Parse one whole response from `data`, or None while it is incomplete."""
    head, found, rest = data.partition(b"\r\n\r\n")
    if not found:
        return None
    status_line, *lines = head.split(b"\r\n")
    _, code, *reason = status_line.decode("latin-1").split(" ", 2)
    headers = []
    for line in lines:
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip().lower(), value.strip()))
    names = dict(headers)
    body: bytes | None
    if "content-length" in names:
        length = int(names["content-length"])
        body = rest[:length] if len(rest) >= length else None
    elif names.get("transfer-encoding", "").lower() == "chunked":
        body = dechunk(rest)
    else:
        body = rest if at_eof else None
    if body is None:
        return None
    return RawResponse(int(code), reason[0] if reason else "", headers, body, head)


def dechunk(data: bytes) -> bytes | None:
    """The body of a whole chunked encoding, or None while the last chunk has not come."""
    out: list[bytes] = []
    while True:
        size_line, found, data = data.partition(b"\r\n")
        if not found:
            return None
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return b"".join(out) if data.startswith(b"\r\n") or b"\r\n\r\n" in data else None
        if len(data) < size + 2:
            return None
        out.append(data[:size])
        data = data[size + 2 :]


def chunk(data: bytes) -> bytes:
    """`data` as one chunk of a chunked request body."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


LAST_CHUNK = b"0\r\n\r\n"


# --- process metrics (Linux /proc) -------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """`pid` and every descendant still running."""
    found = [pid]
    index = 0
    while index < len(found):
        current = found[index]
        index += 1
        for task in _listdir(Path(f"/proc/{current}/task")):
            children = _read(Path(f"/proc/{current}/task/{task}/children"))
            found.extend(int(child) for child in children.split())
    return found


def _rss(pid: int) -> int:
    for line in _read(Path(f"/proc/{pid}/status")).splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _fd_count(pid: int) -> int:
    return len(_listdir(Path(f"/proc/{pid}/fd")))


def _listdir(path: Path) -> list[str]:
    try:
        return [entry.name for entry in path.iterdir()]
    except OSError:  # the process ended meanwhile
        return []


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
