"""What `approutes start` logs, on uvicorn (one worker and two) and granian, text and JSON.

One start-up line; one access line per request with its request id; a crashing handler's
error as one record carrying the request id and the traceback; the servers' own lines through
the same formatter; `--no-access-log` writes none.
"""

from __future__ import annotations

import json
import re
import socket
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.conftest import make_project, server_process
from tests.live_server import ServerLog, exchange, http_request, wait_until

from approutes import __version__

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

ROUTES = {
    "app/api/hello/route.py": """
        from approutes.headers import request_id

        async def GET():
            return {"id": request_id()}
    """,
    "app/api/plain/route.py": """
        async def GET():
            return {"plain": True}
    """,
    "app/api/boom/route.py": """
        import logging

        async def GET():
            logging.getLogger("shop.checkout").info("about to fail")
            raise RuntimeError("boom in the handler")
    """,
    "app/api/stream/route.py": """
        from approutes import Response

        def chunks():
            for _ in range(3):
                yield b"x" * 1000

        async def GET():
            return Response(chunks())
    """,
}
ROUTE_COUNT = len(ROUTES)
# (name, extra arguments of `approutes start`)
SERVERS = [
    pytest.param(("--server", "uvicorn"), id="uvicorn"),
    pytest.param(("--server", "uvicorn", "--workers", "2"), id="uvicorn-2-workers"),
    pytest.param(("--server", "granian"), id="granian"),
]
FORMATS = ["text", "json"]
TEXT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARNING|ERROR|CRITICAL) [\w.]+ .*$"
)
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


class Started:
    """A running `approutes start` and what it has logged."""

    def __init__(self, base: str, log: ServerLog, log_format: str, args: tuple[str, ...]) -> None:
        self.base = base
        self.log = log
        self.format = log_format
        self.args = args

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.get(self.base + path, headers=headers, timeout=10)

    def lines(self) -> list[str]:
        return self.log.text().splitlines()

    def records(self) -> list[dict[str, Any]]:
        """Every log line as JSON (fails on a line that is not one object)."""
        records = []
        for line in self.lines():
            record = json.loads(line)
            assert isinstance(record, dict), line
            records.append(record)
        return records

    def access_lines_for(self, request_id: str) -> list[str]:
        return [line for line in self.lines() if "approutes.access" in line and request_id in line]

    def wait_for_access_line(self, request_id: str) -> str:
        wait_until(lambda: self.access_lines_for(request_id), f"an access line for {request_id}")
        [line] = self.access_lines_for(request_id)
        return line


@contextmanager
def started(root: Path, *args: str, command: str = "start") -> Iterator[Started]:
    log_format = args[args.index("--log-format") + 1] if "--log-format" in args else "text"
    with server_process(root, *args, command=command) as (base, process):
        assert process.stdout is not None
        log = ServerLog(process.stdout)
        log.start()
        if command == "start":
            wait_until(lambda: "approutes.server" in log.text(), "the start-up line is read")
        yield Started(base, log, log_format, args)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("logs"), ROUTES)


@pytest.fixture(
    scope="module",
    params=[pytest.param((s.values[0], f), id=f"{s.id}-{f}") for s in SERVERS for f in FORMATS],
)
def server(request: pytest.FixtureRequest, project: Path) -> Iterator[Started]:
    server_args, log_format = request.param
    with started(project, *server_args, "--log-format", log_format) as live:
        yield live


def test_start_logs_one_start_up_line(server: Started) -> None:
    port = server.base.rsplit(":", 1)[1]
    kind = server.args[server.args.index("--server") + 1]
    workers = 2 if "--workers" in server.args else 1
    lines = [line for line in server.lines() if "approutes.server" in line]

    assert len(lines) == 1, server.log.text()
    if server.format == "json":
        record = json.loads(lines[0])
        assert record["level"] == "INFO"
        assert record["version"] == __version__
        assert record["server"] == kind
        assert record["workers"] == workers
        assert record["url"] == f"http://127.0.0.1:{port}"
        assert record["routes"] == ROUTE_COUNT
    else:
        assert TEXT_LINE.match(lines[0]), lines[0]
        plural = "s" if workers > 1 else ""
        assert lines[0].endswith(
            f" INFO approutes.server approutes {__version__} started: {kind}, {workers} "
            f"worker{plural}, http://127.0.0.1:{port}, {ROUTE_COUNT} routes"
        )


def test_each_request_gets_one_access_line_with_its_request_id(server: Started) -> None:
    responses = [server.get("/api/hello") for _ in range(6)]

    for response in responses:
        request_id = response.headers["x-request-id"]
        assert HEX_ID.match(request_id)
        assert response.json() == {"id": request_id}  # the helper's id is the logged one
        line = server.wait_for_access_line(request_id)
        if server.format == "json":
            record = json.loads(line)
            assert record["level"] == "INFO"
            assert record["logger"] == "approutes.access"
            assert record["request_id"] == request_id
            assert (record["method"], record["path"], record["status"]) == (
                "GET",
                "/api/hello",
                200,
            )
            assert record["bytes"] == len(response.content)
            assert isinstance(record["duration_ms"], float)
            assert record["duration_ms"] >= 0
        else:
            assert TEXT_LINE.match(line), line
            assert " INFO approutes.access GET /api/hello 200 " in line
            assert line.endswith(f"ms {len(response.content)}B request_id={request_id}")
    assert len({r.headers["x-request-id"] for r in responses}) == len(responses)


def test_a_streamed_response_logs_the_bytes_it_sent(server: Started) -> None:
    response = server.get("/api/stream")

    assert response.content == b"x" * 3000
    line = server.wait_for_access_line(response.headers["x-request-id"])
    if server.format == "json":
        assert json.loads(line)["bytes"] == 3000
    else:
        assert " 3000B " in line


def test_a_head_request_logs_no_body_bytes(server: Started) -> None:
    response = httpx.head(server.base + "/api/stream", timeout=10)

    assert response.status_code == 200
    line = server.wait_for_access_line(response.headers["x-request-id"])
    if server.format == "json":
        assert (json.loads(line)["method"], json.loads(line)["bytes"]) == ("HEAD", 0)
    else:
        assert " HEAD /api/stream 200 " in line
        assert " 0B request_id=" in line


def test_a_crashing_handler_logs_one_error_record_with_its_request_id(server: Started) -> None:
    response = server.get("/api/boom")

    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    server.wait_for_access_line(request_id)
    if server.format == "json":
        records = server.records()  # every line of the log is one JSON object
        mine = [r for r in records if r.get("request_id") == request_id]
        assert [(r["level"], r["logger"]) for r in mine] == [
            ("INFO", "shop.checkout"),
            ("ERROR", "approutes.error"),
            ("INFO", "approutes.access"),
        ]
        warning, error, access = mine
        assert warning["message"] == "about to fail"
        assert "app/api/boom/route.py" in error["message"]
        assert error["traceback"].startswith("Traceback (most recent call last):")
        assert error["traceback"].endswith("RuntimeError: boom in the handler")
        assert access["status"] == 500
    else:
        lines = server.lines()
        own = [line for line in lines if line.endswith(f"request_id={request_id}")]
        assert len(own) == 3, lines
        assert all(TEXT_LINE.match(line) for line in own)
        assert " INFO shop.checkout about to fail " in own[0]
        assert " ERROR approutes.error " in own[1]
        after_error = lines[lines.index(own[1]) + 1 :]
        assert after_error[0] == "Traceback (most recent call last):"
        assert "RuntimeError: boom in the handler" in after_error


def test_every_line_has_a_time_and_a_level(server: Started) -> None:
    server.get("/api/boom")
    response = server.get("/api/plain")
    server.wait_for_access_line(response.headers["x-request-id"])

    if server.format == "json":
        for record in server.records():
            assert {"time", "level", "logger", "message"} <= record.keys(), record
    else:
        # NOTE: a traceback's own lines follow the error line that carries time and level.
        heads = [line for line in server.lines() if not line.startswith((" ", "Traceback"))]
        heads = [line for line in heads if not re.match(r"^\w*(Error|Exception)\b", line)]
        assert heads
        assert all(TEXT_LINE.match(line) for line in heads), heads


@pytest.mark.parametrize("server_args", SERVERS)
def test_no_access_log_writes_no_access_line(project: Path, server_args: Any) -> None:
    with started(project, *server_args, "--no-access-log", "--log-format", "json") as live:
        plain = live.get("/api/plain")
        hello = live.get("/api/hello")
        boom = live.get("/api/boom")
        live.log.wait_for("approutes.error")

        records = live.records()
    assert [r["logger"] for r in records if r["logger"].startswith("approutes.")] == [
        "approutes.server",
        "approutes.error",
    ]
    # NOTE: with nothing logged per request, an id is made only when something uses it.
    assert "x-request-id" not in plain.headers
    assert hello.headers["x-request-id"] == hello.json()["id"]
    [error] = [r for r in records if r["logger"] == "approutes.error"]
    assert error["request_id"] == boom.headers["x-request-id"]


def test_the_access_log_setting_turns_it_off(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**ROUTES, "approutes.toml": "access_log = false\n"})
    with started(root, "--server", "uvicorn") as live:
        live.get("/api/hello")
        lines = live.lines()
    assert not [line for line in lines if "approutes.access" in line]


def test_a_trusted_proxy_sets_the_request_id(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**ROUTES, "approutes.toml": "trust_proxy = true\n"})
    with started(root, "--server", "granian", "--log-format", "json") as live:
        response = live.get("/api/hello", headers={"X-Request-ID": "lb-7f3a-0001"})
        line = live.wait_for_access_line("lb-7f3a-0001")

    assert response.headers["x-request-id"] == "lb-7f3a-0001"
    assert response.json() == {"id": "lb-7f3a-0001"}
    assert json.loads(line)["request_id"] == "lb-7f3a-0001"


def test_an_untrusted_request_id_is_replaced(server: Started) -> None:
    response = server.get("/api/hello", headers={"X-Request-ID": "chosen-by-the-client"})

    request_id = response.headers["x-request-id"]
    assert HEX_ID.match(request_id)
    assert "chosen-by-the-client" not in server.wait_for_access_line(request_id)


def test_uvicorns_own_warnings_use_the_same_format(project: Path) -> None:
    with started(project, "--server", "uvicorn", "--log-format", "json") as live:
        port = int(live.base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            sock.recv(1024)
        live.log.wait_for("uvicorn.error")
        records = live.records()

    [warning] = [r for r in records if r["logger"] == "uvicorn.error"]
    assert warning["level"] == "WARNING"
    assert "time" in warning


def test_a_request_refused_before_routing_is_logged_too(server: Started) -> None:
    port = int(server.base.rsplit(":", 1)[1])

    response = exchange(port, http_request("GET", "/api\\hello"))

    assert response.status == 400
    request_id = response.header("x-request-id")
    assert request_id is not None
    line = server.wait_for_access_line(request_id)
    if server.format == "json":
        record = json.loads(line)
        assert (record["method"], record["path"], record["status"]) == ("GET", "/api\\hello", 400)
        assert record["bytes"] == len(response.body)
    else:
        assert " GET /api\\hello 400 " in line


def test_dev_keeps_its_short_request_line(project: Path) -> None:
    with started(project, command="dev") as live:
        live.get("/api/plain")
        text = live.log.wait_for("GET /api/plain 200 in ")

    assert re.search(r"^GET /api/plain 200 in \d+ms$", text, re.MULTILINE), text


def test_dev_can_log_json_with_request_ids(project: Path) -> None:
    with started(project, "--log-format", "json", command="dev") as live:
        response = live.get("/api/plain")
        line = live.wait_for_access_line(response.headers["x-request-id"])

    record = json.loads(line)
    assert (record["path"], record["status"]) == ("/api/plain", 200)
