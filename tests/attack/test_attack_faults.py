"""Faults in the project and in clients, against real servers.

A handler that raises, hangs or returns junk; a stream that raises or yields junk midway; a
middleware that raises; a client that goes away mid-body, mid-handler and mid-stream; a
`register()` that raises. In each case the server keeps serving other requests, logs the
fault once (naming the file), never shows a traceback to the client, and frees what the
request held (open file descriptors come back to where they were).
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from typing import TYPE_CHECKING

import pytest

from tests.conftest import APPROUTES_BIN, free_port, make_project
from tests.live_server import (
    PING,
    SERVERS,
    IncompleteResponse,
    http_request,
    new_token,
    project_server,
    read_response,
    send_then_close,
    wait_until,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.live_server import LiveServer

pytestmark = pytest.mark.timeout(60)

INTERNAL_ERROR = b'{"error":"Internal Server Error"}'
HANG_LIMIT = 1.0

PROBE = """
    import os
    from pathlib import Path

    DIR = Path(os.environ["PROBE_DIR"])


    def mark(name):
        (DIR / name).write_text("done")
"""

RAISE_ASYNC = """
    async def GET(request):
        raise RuntimeError("handler failed " + request.search_params.get("token"))
"""

RAISE_SYNC = """
    def GET(request):
        raise RuntimeError("handler failed " + request.search_params.get("token"))
"""

JUNK = """
    from approutes import NextResponse, Response


    class Widget:
        pass


    def GET(request):
        kind = request.search_params.get("kind")
        if kind == "none":
            return None
        if kind == "object":
            return Widget()
        if kind == "number":
            return 42
        if kind == "generator":
            return (chunk for chunk in ["a", "b"])
        if kind == "unserialisable":
            return {"widget": Widget()}
        if kind == "bad-status":
            return Response("x", status=999)
        if kind == "bad-body":
            return Response(12345)
        if kind == "middleware-only":
            return NextResponse.next()
        raise AssertionError(kind)
"""

BROKEN_STREAM = """
    import asyncio

    from approutes import Response


    async def GET(request):
        kind = request.search_params.get("kind")
        token = request.search_params.get("token")

        async def raising():
            yield "before\\n"
            await asyncio.sleep(0)
            raise RuntimeError("stream failed " + token)

        async def junk():
            yield "before\\n"
            yield 42

        def sync_raising():
            yield "before\\n"
            raise RuntimeError("stream failed " + token)

        async def at_once():
            raise RuntimeError("stream failed " + token)
            yield "never"

        chunks = {"async": raising, "junk": junk, "sync": sync_raising, "at-once": at_once}
        return Response(chunks[kind]())
"""

HANG_ASYNC = f"""
    import asyncio

    from lib.probe import mark

    max_duration = {HANG_LIMIT}


    async def GET(request):
        token = request.search_params.get("token")
        mark(token + ".started")
        try:
            await asyncio.sleep(3600)
        finally:
            mark(token + ".cancelled")
"""

HANG_SYNC = f"""
    import time

    max_duration = {HANG_LIMIT}


    def GET():
        time.sleep({HANG_LIMIT} + 1.5)
        return {{"late": True}}
"""

SLOW = """
    import asyncio

    from lib.probe import mark


    async def GET(request):
        mark(request.search_params.get("token") + ".started")
        await asyncio.sleep(0.5)
        mark(request.search_params.get("token") + ".finished")
        return {"ok": True}
"""

READ_BODY = """
    from lib.probe import mark


    async def POST(request):
        token = request.search_params.get("token")
        try:
            if request.search_params.get("kind") == "form":
                await request.form_data()
            else:
                async for _ in request.stream():
                    pass
        except BaseException as exc:
            mark(f"{token}.{type(exc).__name__}")
            raise
        return {"ok": True}
"""

FOREVER = """
    import asyncio
    import time

    from approutes import Response
    from lib.probe import mark


    async def GET(request):
        token = request.search_params.get("token")

        def ticks():
            try:
                while True:
                    yield "tick\\n"
                    time.sleep(0.05)
            finally:
                mark(token + ".closed")

        async def aticks():
            try:
                while True:
                    yield "tick\\n"
                    await asyncio.sleep(0.05)
            finally:
                mark(token + ".closed")

        return Response(ticks() if request.search_params.get("kind") == "sync" else aticks())
"""

MIDDLEWARE = """
    config = {"matcher": ["/middleware-fails/:path*"]}


    def middleware(request):
        raise RuntimeError("middleware failed " + request.search_params.get("token"))
"""

ROUTES = {
    "approutes.toml": "health_check = true\n",
    "lib/__init__.py": "",
    "lib/probe.py": PROBE,
    "middleware.py": MIDDLEWARE,
    "app/ping/route.py": PING,
    "app/raise/async/route.py": RAISE_ASYNC,
    "app/raise/sync/route.py": RAISE_SYNC,
    "app/junk/route.py": JUNK,
    "app/stream/broken/route.py": BROKEN_STREAM,
    "app/stream/forever/route.py": FOREVER,
    "app/hang/async/route.py": HANG_ASYNC,
    "app/hang/sync/route.py": HANG_SYNC,
    "app/slow/route.py": SLOW,
    "app/body/route.py": READ_BODY,
}


class FaultServer:
    """A live server, where it writes its markers, and its file descriptors at the start."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.baseline_fds = live.open_fds()

    def marker(self, name: str) -> Path:
        return self.live.marker(name)

    def errors_logged(self) -> int:
        return self.live.log.count("unhandled ")


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FaultServer]:
    with project_server(tmp_path_factory, "faults", request.param, ROUTES, probe=True) as live:
        for _ in range(3):  # warm up before the descriptors are counted
            live.assert_serving()
        yield FaultServer(live)


def _assert_logged_once(server: FaultServer, text: str, before: int) -> str:
    """`text` is in the log exactly once, with exactly one more "unhandled" error."""
    log = server.live.log.wait_for(text)
    assert log.count(text) == 1, log
    assert server.errors_logged() == before + 1, log
    return log


# --- a handler that raises ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_handler_that_raises_is_a_500_without_a_traceback_logged_once(
    server: FaultServer, kind: str
) -> None:
    token = new_token()
    before = server.errors_logged()

    response = server.live.get(f"/raise/{kind}?token={token}")

    assert response.status == 500
    assert response.body == INTERNAL_ERROR
    assert response.header("cache-control") == "no-store"
    log = _assert_logged_once(server, f"RuntimeError: handler failed {token}", before)
    assert f"unhandled RuntimeError in app/raise/{kind}/route.py" in log
    server.live.assert_serving()


def test_a_burst_of_failing_requests_does_not_stop_the_others(server: FaultServer) -> None:
    before = server.errors_logged()
    results: list[int] = []

    def fail() -> None:
        results.append(server.live.get(f"/raise/sync?token={new_token()}").status)

    threads = [threading.Thread(target=fail) for _ in range(30)]
    for thread in threads:
        thread.start()
    server.live.assert_serving()
    for thread in threads:
        thread.join()

    assert results == [500] * 30
    server.live.log.wait_for("unhandled ", times=before + 30)
    assert server.errors_logged() == before + 30


# --- a handler that returns junk ------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        "none",
        "object",
        "number",
        "generator",
        "unserialisable",
        "bad-status",
        "bad-body",
        "middleware-only",
    ],
)
def test_a_handler_that_returns_junk_is_a_500_logged_once(server: FaultServer, kind: str) -> None:
    before = server.errors_logged()

    response = server.live.get(f"/junk?kind={kind}")

    assert response.status == 500
    assert response.body == INTERNAL_ERROR
    log = server.live.log.wait_for("unhandled ", times=before + 1)
    assert server.errors_logged() == before + 1, log
    assert "app/junk/route.py" in log.rsplit("unhandled ", 1)[1]
    server.live.assert_serving()


# --- a stream that raises or yields junk midway -----------------------------------------------


@pytest.mark.parametrize("kind", ["async", "sync", "junk", "at-once"])
def test_a_stream_that_fails_midway_is_cut_and_logged_once(server: FaultServer, kind: str) -> None:
    token = new_token()
    marker = "streamed body from app/stream/broken/route.py raised midway"
    before = server.live.log.count(marker)

    with socket.create_connection(("127.0.0.1", server.live.port), timeout=10) as sock:
        sock.sendall(http_request("GET", f"/stream/broken?kind={kind}&token={token}"))
        if kind == "at-once" and server.live.kind == "granian":
            # granian holds the head back until the first chunk; with none it answers 500.
            response = read_response(sock)
            assert (response.status, response.body) == (500, b"Internal server error")
        else:
            # Cut, without the chunked terminator: no whole response can be read.
            with pytest.raises(IncompleteResponse) as cut:
                read_response(sock)
            received = str(cut.value)
            assert "HTTP/1.1 200" in received
            assert ("before" in received) is (kind != "at-once")
            assert "Traceback" not in received
    server.live.log.wait_for(marker, times=before + 1)
    assert server.live.log.count(marker) == before + 1
    if kind != "junk":
        assert server.live.log.count(f"RuntimeError: stream failed {token}") == 1
    server.live.assert_serving()


# --- a handler that hangs ---------------------------------------------------------------------


def test_hanging_async_handlers_are_cut_at_max_duration_while_others_are_served(
    server: FaultServer,
) -> None:
    tokens = [new_token() for _ in range(5)]
    answers: dict[str, int] = {}

    def hang(token: str) -> None:
        answers[token] = server.live.get(f"/hang/async?token={token}").status

    threads = [threading.Thread(target=hang, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for token in tokens:
        wait_until(server.marker(f"{token}.started").exists, "the hanging handlers run")
    server.live.assert_serving()
    # Answered while every hanging handler is still in flight (none is cut yet).
    assert answers == {}, "a plain request waited on the hangs"
    for thread in threads:
        thread.join()

    for token in tokens:
        assert answers[token] == 504
        wait_until(server.marker(f"{token}.cancelled").exists, "the hung handler is cancelled")


def test_a_hanging_sync_handler_is_504_and_its_thread_is_counted_until_it_ends(
    server: FaultServer,
) -> None:
    response = server.live.get("/hang/sync")

    assert response.status == 504
    assert response.json_error() == "Gateway Timeout"
    during = json.loads(server.live.get("/_approutes/health").body)
    assert during["threads_past_deadline"] >= 1
    server.live.assert_serving()

    def settled() -> bool:
        health: dict[str, int] = json.loads(server.live.get("/_approutes/health").body)
        return health["threads_past_deadline"] == 0

    wait_until(settled, "the abandoned thread returns", deadline=10)
    warning = "GET app/hang/sync/route.py ran past max_duration"
    assert server.live.log.wait_for(warning).count(warning) == 1


# --- a middleware that raises -----------------------------------------------------------------


def test_a_middleware_that_raises_is_a_500_logged_once(server: FaultServer) -> None:
    token = new_token()
    before = server.errors_logged()

    response = server.live.get(f"/middleware-fails/x?token={token}")

    assert response.status == 500
    assert response.body == INTERNAL_ERROR
    log = _assert_logged_once(server, f"RuntimeError: middleware failed {token}", before)
    assert "unhandled RuntimeError in middleware.py" in log
    server.live.assert_serving()


# --- clients that go away -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["stream", "form"])
def test_a_client_that_goes_away_mid_body_stops_the_handler_quietly(
    server: FaultServer, kind: str
) -> None:
    token = new_token()
    before = server.errors_logged()
    if kind == "form":
        content_type = "multipart/form-data; boundary=XyZ"
        start = (
            b'--XyZ\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\n\r\n'
            + b"z" * (3 * 1024 * 1024)  # past the 1 MiB spooled in memory: a temporary file
        )
    else:
        content_type = "application/octet-stream"
        start = b"z" * 100_000
    head = http_request(
        "POST",
        f"/body?kind={kind}&token={token}",
        headers=f"Content-Type: {content_type}\r\nContent-Length: {10 * 1024 * 1024}\r\n",
    )

    send_then_close(server.live.port, head + start)

    wait_until(
        server.marker(f"{token}.ClientDisconnected").exists, "the body read sees the disconnect"
    )
    time.sleep(0.3)
    assert server.errors_logged() == before, server.live.log.text()
    server.live.assert_serving()


def test_a_client_that_goes_away_mid_handler_leaves_no_error(server: FaultServer) -> None:
    token = new_token()
    before = server.errors_logged()

    # NOTE: the connection closes once the handler runs: closed sooner, a server may drop the
    # request before any handler starts (granian does under load), and there is no test.
    with socket.create_connection(("127.0.0.1", server.live.port), timeout=10) as sock:
        sock.sendall(http_request("GET", f"/slow?token={token}"))
        wait_until(server.marker(f"{token}.started").exists, "the handler starts")

    wait_until(server.marker(f"{token}.finished").exists, "the handler finishes")
    time.sleep(0.3)
    assert server.errors_logged() == before, server.live.log.text()
    server.live.assert_serving()


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_client_that_goes_away_mid_stream_stops_the_iterator(
    server: FaultServer, kind: str
) -> None:
    token = new_token()
    failures = server.live.log.count("raised midway")
    before = server.errors_logged()

    received = send_then_close(
        server.live.port,
        http_request("GET", f"/stream/forever?kind={kind}&token={token}"),
        read_until=b"tick\n",
    )

    assert received.startswith(b"HTTP/1.1 200")
    wait_until(server.marker(f"{token}.closed").exists, "the iterator's finally runs")
    time.sleep(0.3)
    assert server.live.log.count("raised midway") == failures, server.live.log.text()
    assert server.errors_logged() == before
    server.live.assert_serving()


def test_many_clients_that_go_away_mid_stream_leave_nothing_behind(server: FaultServer) -> None:
    tokens = [new_token() for _ in range(20)]
    socks = []
    for token in tokens:
        sock = socket.create_connection(("127.0.0.1", server.live.port), timeout=10)
        sock.sendall(http_request("GET", f"/stream/forever?token={token}"))
        socks.append(sock)
    for sock in socks:
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        sock.close()

    for token in tokens:
        wait_until(server.marker(f"{token}.closed").exists, "every iterator is closed")
    server.live.assert_serving()


# --- what the faults held is freed ------------------------------------------------------------


def test_the_faults_above_left_no_file_descriptor_open(server: FaultServer) -> None:
    # Runs last in this module. A few descriptors of slack: the event loop and thread pool
    # may open one on first use.
    def settled() -> bool:
        return server.live.open_fds() <= server.baseline_fds + 3

    wait_until(settled, "the open descriptors come back to the baseline", deadline=10)
    server.live.assert_serving()


# --- register() that raises -------------------------------------------------------------------


@pytest.mark.parametrize("kind", SERVERS)
def test_a_register_that_raises_stops_start_up_logged_per_attempt_and_frees_the_port(
    tmp_path: Path, kind: str
) -> None:
    token = new_token()
    project = make_project(
        tmp_path,
        {
            "app/ping/route.py": PING,
            "instrumentation.py": f"""
                def register():
                    raise RuntimeError("register failed {token}")
            """,
        },
    )
    port = free_port()
    command = [str(APPROUTES_BIN), "start", str(project), "--port", str(port), "--server", kind]

    finished = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)

    output = finished.stdout + finished.stderr
    assert finished.returncode != 0, output
    # NOTE: granian replaces a failed worker once before it gives up (respawn_failed_workers,
    # which keeps a crashed worker from taking the server down), so it tries register() twice.
    attempts = 1 if kind == "uvicorn" else 2
    assert output.count(f"RuntimeError: register failed {token}") == attempts, output
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # nothing holds the port any more


def test_a_register_that_raises_answers_no_request(tmp_path: Path) -> None:
    # While start-up fails nothing may be served: a request either finds no listener or is
    # never answered 200.
    project = make_project(
        tmp_path,
        {
            "app/ping/route.py": PING,
            "instrumentation.py": """
                import time

                def register():
                    time.sleep(0.5)
                    raise RuntimeError("register failed")
            """,
        },
    )
    port = free_port()
    command = [
        str(APPROUTES_BIN),
        "start",
        str(project),
        "--port",
        str(port),
        "--server",
        "uvicorn",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                    sock.sendall(http_request("GET", "/ping"))
                    response = read_response(sock)
                assert response.status != 200, "served before register() succeeded"
            except OSError:
                pass
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    assert process.returncode != 0
