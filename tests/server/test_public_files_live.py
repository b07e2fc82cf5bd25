"""public/ files and compression through real servers (uvicorn and granian).

The same answers as in-process (tests/features/test_public_files.py, test_compression.py),
seen on the wire: traversal attempts sent as raw bytes, a 200 MB file sent while the
server's memory stays flat, a compressed stream read chunk by chunk.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.conftest import make_project
from tests.live_server import PING, PROBE, SERVERS, live_server, new_token, process_tree

if TYPE_CHECKING:
    from collections.abc import Iterator

    import httpx
    from tests.live_server import LiveServer

pytestmark = pytest.mark.timeout(120)

MIB = 1024 * 1024
OUTSIDE = "a file outside public/"
LINES = "line of text\n" * 400  # 5.2 KB
LOGO = bytes(range(256)) * 8

STREAM = """
    from approutes import Response
    from lib.probe import wait_for


    async def GET(request):
        token = request.search_params.get("token")

        async def chunks():
            yield "chunk 1 " + "x" * 100 + "\\n"
            yield "chunk 2\\n" if await wait_for(f"{token}.go") else "gave up waiting\\n"

        return Response(chunks(), headers={"content-type": "text/plain; charset=utf-8"})
"""

EVENTS = """
    from approutes import Response


    async def GET():
        async def events():
            for n in range(50):
                yield f"data: {'x' * 100} {n}\\n\\n"

        return Response(events(), headers={"content-type": "text/event-stream"})
"""

ROUTES = {
    "lib/probe.py": PROBE,
    "app/ping/route.py": PING,
    "app/stream/route.py": STREAM,
    "app/events/route.py": EVENTS,
    "public/notes.txt": LINES,
    "public/nested/deep.css": "body { color: red }",
}


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    kind: str = request.param
    folder = tmp_path_factory.mktemp(f"public-{kind}")
    root = make_project(folder / "project", ROUTES)
    # NOTE: written before the server starts: `approutes start` indexes public/ at load.
    (root / "public/logo.png").write_bytes(LOGO)
    (folder / "outside.txt").write_text(OUTSIDE)
    (root / "public/link-out.txt").symlink_to(folder / "outside.txt")
    (root / "public/linked-dir").symlink_to(folder)
    probe = tmp_path_factory.mktemp(f"public-probe-{kind}")
    with live_server(root, kind, probe=probe) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


# --- public/ ---------------------------------------------------------------------------------


def test_a_public_file_is_served_with_validators_and_answers_304(client: httpx.Client) -> None:
    first = client.get("/logo.png")
    again = client.get("/logo.png", headers={"if-none-match": first.headers["etag"]})
    since = client.get("/logo.png", headers={"if-modified-since": first.headers["last-modified"]})

    assert first.status_code == 200
    assert first.content == LOGO
    assert first.headers["content-type"] == "image/png"
    assert first.headers["content-length"] == str(len(LOGO))
    assert again.status_code == 304
    assert again.content == b""
    assert since.status_code == 304


def test_a_nested_public_file_gets_its_content_type(client: httpx.Client) -> None:
    response = client.get("/nested/deep.css")

    assert response.text == "body { color: red }"
    assert response.headers["content-type"] == "text/css; charset=utf-8"


def test_ranges_answer_206_and_416(client: httpx.Client) -> None:
    part = client.get("/logo.png", headers={"range": "bytes=256-511"})
    past = client.get("/logo.png", headers={"range": "bytes=4096-"})

    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 256-511/{len(LOGO)}"
    assert part.content == LOGO[256:512]
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(LOGO)}"


def test_head_sends_the_length_and_no_body(client: httpx.Client) -> None:
    response = client.head("/logo.png")

    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(LOGO))
    assert response.content == b""


def test_a_post_to_a_public_file_is_405(client: httpx.Client) -> None:
    response = client.post("/logo.png")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(b"/../outside.txt", id="dot-dot"),
        pytest.param(b"/%2e%2e/outside.txt", id="encoded-dot-dot"),
        pytest.param(b"/..%2Foutside.txt", id="encoded-slash"),
        pytest.param(b"/nested%2F..%2F..%2Foutside.txt", id="encoded-slashes"),
        pytest.param(b"/..\\outside.txt", id="backslash"),
        pytest.param(b"/%5C..%5Coutside.txt", id="encoded-backslash"),
        pytest.param(b"/notes.txt%00", id="nul"),
        pytest.param(b"/link-out.txt", id="symlinked-file-out"),
        pytest.param(b"/linked-dir/outside.txt", id="symlinked-folder-out"),
        pytest.param(b"//outside.txt", id="double-slash"),
    ],
)
def test_no_request_reaches_a_file_outside_public(server: LiveServer, target: bytes) -> None:
    response = server.get(target)

    assert response.status in (308, 400, 404), response
    assert OUTSIDE.encode() not in response.body
    if response.status == 308:  # a dot segment or double slash: the canonical path, then 404
        location = response.header("location") or ""
        assert server.get(location.encode()).status == 404


# --- compression -----------------------------------------------------------------------------


def test_a_public_text_file_is_gzipped_when_accepted(server: LiveServer) -> None:
    response = server.get("/notes.txt", "Accept-Encoding: gzip\r\n")

    assert response.status == 200
    assert response.header("content-encoding") == "gzip"
    assert response.header("vary") == "Accept-Encoding"
    assert gzip.decompress(response.body) == LINES.encode()


def test_a_stream_is_compressed_chunk_by_chunk(server: LiveServer, client: httpx.Client) -> None:
    token = new_token()
    headers = {"accept-encoding": "gzip"}
    with client.stream("GET", "/stream", params={"token": token}, headers=headers) as response:
        assert response.headers["content-encoding"] == "gzip"
        chunks = response.iter_raw()
        decoder = zlib.decompressobj(31)
        # Chunk 2 waits for the go file, which only this read unblocks: a compressor that
        # held chunk 1 back would end in a ReadTimeout here.
        first = decoder.decompress(next(chunks))
        assert first == b"chunk 1 " + b"x" * 100 + b"\n"
        server.marker(f"{token}.go").touch()
        rest = b"".join(decoder.decompress(chunk) for chunk in chunks)
    assert rest == b"chunk 2\n"
    assert decoder.eof


def test_server_sent_events_are_never_compressed(server: LiveServer) -> None:
    response = server.get("/events", "Accept-Encoding: gzip, br, zstd\r\n")

    assert response.status == 200
    assert response.header("content-encoding") is None
    assert response.body.startswith(b"data: xxx")


# --- a 200 MB file in bounded memory ---------------------------------------------------------


def _peak_rss(pid: int) -> int:
    """The largest peak resident set (VmHWM) of one process in the tree of `pid`."""
    peaks = [0]
    for member in process_tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) * 1024)
    return max(peaks)


@pytest.mark.parametrize("kind", SERVERS)
def test_a_200_mb_public_file_is_sent_while_the_server_memory_stays_flat(
    tmp_path: Path, kind: str
) -> None:
    root = make_project(tmp_path / "project", {"app/ping/route.py": PING})
    size = 200 * MIB
    (root / "public").mkdir()
    with (root / "public/big.bin").open("wb") as big:
        big.truncate(size)  # sparse: no disk, but 200 MB to read and send
    with live_server(root, kind) as live, live.client() as client:
        assert client.get("/ping").status_code == 200
        before = _peak_rss(live.process.pid)
        received = 0
        with client.stream("GET", "/big.bin", timeout=60) as response:
            assert response.status_code == 200
            assert response.headers["content-length"] == str(size)
            for chunk in response.iter_raw():
                received += len(chunk)
        after = _peak_rss(live.process.pid)

    assert received == size
    grown = after - before
    assert grown < 50 * MIB, f"the server's peak RSS grew by {grown / MIB:.1f} MiB"
