"""Streams that end early, on a real server (uvicorn and granian), read off the raw socket.

A stream whose iterator raises after its first chunk is cut: the connection ends without the
chunked body's terminator (as Next.js does), so no client takes the truncated body for a whole
one; the error is logged once, `after()` callbacks run and uploads are closed. A client that
resets the connection mid-stream stops the iterator, even one that never awaits anything.
"""

from __future__ import annotations

import os
import socket
import struct
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.live_server import SERVERS, http_request, new_token, project_server, wait_until

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.live_server import LiveServer

pytestmark = pytest.mark.timeout(90)

IO_TIMEOUT = 10.0
TOTAL_CHUNKS = 20_000
BOUNDARY = "approutes-cut-boundary"
MIB = 1 << 20

PROBE = """
    import os
    from pathlib import Path

    DIR = Path(os.environ["PROBE_DIR"])


    def mark(name, text="done"):
        (DIR / name).write_text(text)
"""

PING = """
    async def GET():
        return {"pong": True}
"""

# GET: a stream that breaks after its first chunk. POST: the same once an upload (spooled to
# a temporary file, past 1 MiB) has been read.
BROKEN = """
    from approutes import Response
    from approutes.server import after
    from lib.probe import mark


    def _broken(token, first):
        after(lambda: mark(f"{token}.after"))

        async def chunks():
            yield first
            raise RuntimeError(f"stream broke {token}")

        return Response(chunks(), headers={"content-type": "text/plain"})


    async def GET(request):
        return _broken(request.search_params.get("token"), "before\\n")


    async def POST(request):
        form = await request.form_data()
        upload = form.get("file")
        return _broken(request.search_params.get("token"), f"got {upload.size}\\n")
"""

# 20,000 chunks of 1 MiB from iterators that never wait for anything: only a disconnect
# stops them early. `finally` reports how many chunks were produced.
HUGE = """
    from approutes import Response
    from lib.probe import mark

    CHUNK = b"x" * (1 << 20)
    TOTAL = 20_000


    def GET(request):
        token = request.search_params.get("token")
        if request.search_params.get("kind") == "sync":

            def chunks():
                produced = 0
                try:
                    while produced < TOTAL:
                        produced += 1
                        yield CHUNK
                finally:
                    mark(f"{token}.stopped", str(produced))

            return Response(chunks())

        async def achunks():
            produced = 0
            try:
                while produced < TOTAL:
                    produced += 1
                    yield CHUNK
            finally:
                mark(f"{token}.stopped", str(produced))

        return Response(achunks())
"""

ROUTES = {
    "lib/__init__.py": "",
    "lib/probe.py": PROBE,
    "app/ping/route.py": PING,
    "app/broken/route.py": BROKEN,
    "app/huge/route.py": HUGE,
}


class Served:
    """A live server with its probe folder (markers the routes write) and spool folder."""

    def __init__(self, live: LiveServer, spool: Path) -> None:
        self.live = live
        self.spool = spool


@pytest.fixture(scope="module", params=SERVERS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    kind: str = request.param
    spool = tmp_path_factory.mktemp(f"cuts-spool-{kind}")
    env = {"TMPDIR": str(spool)}
    with project_server(tmp_path_factory, "cuts", kind, ROUTES, env, probe=True) as live:
        yield Served(live, spool)


def _read_until_closed(sock: socket.socket) -> tuple[bytes, str]:
    """Read until the server ends the connection; how it ended: "eof" or "reset".

    A body that was ended cleanly on a kept-alive connection would leave the socket open:
    reading stops at the chunked terminator then, and the ending is "terminated".
    """
    received = b""
    while True:
        try:
            piece = sock.recv(65536)
        except ConnectionResetError:
            return received, "reset"
        if not piece:
            return received, "eof"
        received += piece
        if received.endswith(b"\r\n0\r\n\r\n"):
            return received, "terminated"


def _chunks(body: bytes) -> tuple[list[bytes], bool]:
    """The chunks of a chunked `body` and whether its zero-length last chunk came."""
    chunks: list[bytes] = []
    while body:
        size_line, found, body = body.partition(b"\r\n")
        assert found, f"a chunk-size line is cut: {size_line!r}"
        size = int(size_line, 16)
        if size == 0:
            return chunks, True
        assert len(body) >= size + 2, f"a chunk is cut: {body!r}"
        chunks.append(body[:size])
        body = body[size + 2 :]
    return chunks, False


def _open_files_under(pids: list[int], directory: Path) -> list[str]:
    found = []
    for pid in pids:
        for fd in os.scandir(f"/proc/{pid}/fd"):
            try:
                target = str(Path(fd.path).readlink())
            except FileNotFoundError:
                continue
            if target.startswith(str(directory)):
                found.append(target)
    return found


def _multipart(size: int) -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"u" * size
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


# --- issue #15: a stream that raises midway is cut -----------------------------------------


def test_a_stream_that_raises_midway_is_cut_without_its_terminator(served: Served) -> None:
    live = served.live
    token = new_token()
    message = "streamed body from app/broken/route.py raised midway"
    before = live.log.count(message)

    with socket.create_connection(("127.0.0.1", live.port), timeout=IO_TIMEOUT) as sock:
        # Kept alive: only a cut, not the end of the body, closes this connection.
        sock.sendall(http_request("GET", f"/broken?token={token}", keep_alive=True))
        received, ending = _read_until_closed(sock)

    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), received
    assert b"transfer-encoding: chunked" in head.lower()
    assert ending in ("eof", "reset"), received
    assert _chunks(body) == ([b"before\n"], False)
    log = live.log.wait_for(message, times=before + 1)
    assert log.count(message) == before + 1
    assert log.count(f"RuntimeError: stream broke {token}") == 1
    wait_until(served.live.marker(f"{token}.after").exists, "the after() callback has run")
    live.assert_serving()  # a new connection is served as usual


def test_a_cut_stream_still_closes_the_uploads_it_read(served: Served) -> None:
    live = served.live
    token = new_token()
    content = _multipart(2 * MIB)  # past 1 MiB: the part is spooled to a temporary file
    headers = f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
    request = http_request("POST", f"/broken?token={token}", headers=headers, body=content)

    with socket.create_connection(("127.0.0.1", live.port), timeout=IO_TIMEOUT) as sock:
        sock.sendall(request)
        received, ending = _read_until_closed(sock)

    _, _, body = received.partition(b"\r\n\r\n")
    assert ending in ("eof", "reset"), received
    assert _chunks(body) == ([f"got {2 * MIB}\n".encode()], False)
    wait_until(served.live.marker(f"{token}.after").exists, "the after() callback has run")
    wait_until(
        lambda: not _open_files_under(live.pids(), served.spool), "the upload's file is closed"
    )
    live.assert_serving()


# --- issue #16: a client that resets the connection stops the stream ------------------------


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_reset_client_stops_a_stream_that_never_waits(served: Served, kind: str) -> None:
    live = served.live
    token = new_token()
    failures = live.log.count("raised midway")
    with socket.create_connection(("127.0.0.1", live.port), timeout=IO_TIMEOUT) as sock:
        sock.sendall(http_request("GET", f"/huge?kind={kind}&token={token}", keep_alive=True))
        received = b""
        while len(received) < 4 * MIB:  # a little of the body
            piece = sock.recv(MIB)
            assert piece, "the server ended the stream early"
            received += piece
        # SO_LINGER 0: close() resets the connection instead of ending it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    stopped = served.live.marker(f"{token}.stopped")
    wait_until(stopped.exists, f"the {kind} iterator's finally has run", deadline=60.0)
    produced = int(stopped.read_text())
    # Loopback buffers and the server's queue hold a few chunks; the end is 20,000 away.
    assert produced < TOTAL_CHUNKS // 20, f"{produced} chunks produced after the reset"
    assert live.log.count("raised midway") == failures
    live.assert_serving()
