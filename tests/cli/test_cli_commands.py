"""The `approutes` command: build, routes, start (uvicorn and granian), dev reload, bad trees."""

from __future__ import annotations

import http.client
import json
import subprocess
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from tests.conftest import APPROUTES_BIN, make_project, running_server

if TYPE_CHECKING:
    from pathlib import Path

HELLO = """
from approutes import NextResponse

async def GET():
    return NextResponse.json({"message": "Hello World"})
"""
USER = """
from approutes import NextResponse

async def GET(request, context):
    return NextResponse.json({"id": context.params["id"]})

def DELETE():
    return NextResponse(None, status=204)
"""
ECHO = """
from approutes import NextResponse

dynamic = "force-dynamic"

async def POST(request):
    return NextResponse.json(await request.json())
"""
STREAM = """
from approutes import Response

async def chunks():
    for i in range(3):
        yield f"chunk {i}\\n"

async def GET():
    return Response(chunks(), headers={"Content-Type": "text/plain"})
"""


GC_STATE = """
import gc

def GET():
    return {"frozen": gc.get_freeze_count() > 0, "threshold": gc.get_threshold()[0]}
"""


# The ways `start` serves: in its own process (uvicorn), or from a supervisor's workers.
SERVING_ARGS = [
    pytest.param(("--server", "uvicorn"), id="uvicorn"),
    pytest.param(("--server", "granian"), id="granian"),
    pytest.param(("--workers", "2", "--server", "uvicorn"), id="uvicorn-two-workers"),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "site",
        {
            "app/api/hello/route.py": HELLO,
            "app/api/users/[id]/route.py": USER,
            "app/api/echo/route.py": ECHO,
            "app/api/stream/route.py": STREAM,
            "app/api/gc/route.py": GC_STATE,
        },
    )


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(APPROUTES_BIN), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )


def fetch(
    url: str, method: str = "GET", body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def fetch_json(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, Any]:
    status, _, data = fetch(url, method, body)
    return status, json.loads(data)


def test_routes_prints_every_route_with_methods_and_file(project: Path) -> None:
    result = run_cli("routes", str(project))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Route", "Methods", "File", "Config"]
    row = next(line for line in lines if line.startswith("/api/users/[id]"))
    assert "GET DELETE" in row
    assert "app/api/users/[id]/route.py" in row
    echo = next(line for line in lines if line.startswith("/api/echo"))
    assert "dynamic='force-dynamic'" in echo


def test_routes_prints_aligned_columns_under_a_rule(project: Path) -> None:
    result = run_cli("routes", str(project))
    header, rule, *rows = result.stdout.splitlines()

    file_column = header.index("File")
    assert set(rule) == {"-", " "}
    assert rule[file_column - 1 : file_column + 1] == " -"
    assert all(row[file_column - 1] == " " and row[file_column] != " " for row in rows)
    assert [row.split()[0] for row in rows] == sorted(row.split()[0] for row in rows)


def test_build_writes_a_manifest_that_start_serves(project: Path) -> None:
    result = run_cli("build", str(project))
    assert result.returncode == 0, result.stderr
    assert "Built 5 routes" in result.stdout
    manifest = json.loads((project / ".approutes" / "manifest.json").read_text())
    assert manifest["schema"] == 1
    assert {r["pattern"] for r in manifest["routes"]} == {
        "/api/hello",
        "/api/users/[id]",
        "/api/echo",
        "/api/stream",
        "/api/gc",
    }
    with running_server(project) as base:
        assert fetch_json(base + "/api/users/42") == (200, {"id": "42"})


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_start_serves_the_project_on_each_server(project: Path, server: str) -> None:
    with running_server(project, "--server", server) as base:
        assert fetch_json(base + "/api/hello") == (200, {"message": "Hello World"})
        assert fetch_json(base + "/api/users/a%20b") == (200, {"id": "a b"})
        assert fetch_json(base + "/api/echo", "POST", b'{"a":[1,2]}') == (200, {"a": [1, 2]})
        assert fetch_json(base + "/api/echo", "POST", b'{"a":') == (
            400,
            {"error": "Invalid JSON body"},
        )
        status, headers, body = fetch(base + "/api/hello", "PUT", b"{}")
        assert (status, headers["allow"]) == (405, "GET, HEAD, OPTIONS")
        assert json.loads(body) == {"error": "Method Not Allowed"}
        assert fetch_json(base + "/api/nope") == (404, {"error": "Not Found"})
        assert fetch(base + "/api/users/7", "DELETE")[0] == 204
        status, headers, body = fetch(base + "/api/stream")
        assert (status, body) == (200, b"chunk 0\nchunk 1\nchunk 2\n")
        assert headers.get("transfer-encoding") == "chunked"


def test_start_serves_with_several_workers(project: Path) -> None:
    with running_server(project, "--workers", "2") as base:
        for _ in range(10):
            assert fetch_json(base + "/api/hello") == (200, {"message": "Hello World"})


def test_trailing_slash_redirect_over_a_real_socket(project: Path) -> None:
    with running_server(project) as base:
        connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
        connection.request("POST", "/api/echo/?x=1", body=b"{}")
        response = connection.getresponse()
        assert response.status == 308
        assert response.getheader("location") == "/api/echo?x=1"
        connection.close()


@pytest.mark.parametrize("args", SERVING_ARGS)
def test_start_stops_with_a_message_naming_both_files_of_a_bad_tree(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    # NOTE: granian and several workers check the project in a child of the supervisor; the
    # child's message and exit status are the command's, and nothing is left running (a
    # process left behind would hold the output open: `run_cli` would time out).
    root = make_project(
        tmp_path,
        {"app/api/users/[id]/route.py": USER, "app/api/users/[userId]/x/route.py": HELLO},
    )
    result = run_cli("start", str(root), "--port", "1", *args)
    assert result.returncode == 1
    assert "slug-name-conflict" in result.stderr
    assert "app/api/users/[id]/route.py" in result.stderr
    assert "app/api/users/[userId]/x/route.py" in result.stderr
    assert "Traceback" not in result.stderr


def test_build_stops_on_a_bad_segment_config_value(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/x/route.py": HELLO + '\nrevalidate = "soon"\n'})
    result = run_cli("build", str(root))
    assert result.returncode == 1
    assert "app/api/x/route.py" in result.stderr
    assert "revalidate" in result.stderr


def test_dev_reloads_a_route_when_its_file_is_saved(project: Path) -> None:
    with running_server(project, command="dev") as base:
        assert fetch_json(base + "/api/hello") == (200, {"message": "Hello World"})
        route = project / "app/api/hello/route.py"
        route.write_text(HELLO.replace("Hello World", "Hello again"))
        deadline = time.monotonic() + 15
        while fetch_json(base + "/api/hello")[1] != {"message": "Hello again"}:
            assert time.monotonic() < deadline, "dev server did not reload the route"
            time.sleep(0.05)


def test_dev_keeps_serving_the_error_until_the_file_is_fixed(project: Path) -> None:
    with running_server(project, command="dev") as base:
        route = project / "app/api/hello/route.py"
        route.write_text("async def get():\n    return {}\n")
        deadline = time.monotonic() + 15
        while (answer := fetch_json(base + "/api/hello"))[0] != 500:
            assert time.monotonic() < deadline, "dev server did not pick up the broken file"
            time.sleep(0.05)
        assert "miscased-method-export" in answer[1]["detail"]
        assert fetch_json(base + "/api/users/1") == (200, {"id": "1"})  # only its route fails
        route.write_text(HELLO)
        while fetch_json(base + "/api/hello")[0] != 200:
            assert time.monotonic() < deadline + 15, "dev server did not recover"
            time.sleep(0.05)


@pytest.mark.parametrize("args", SERVING_ARGS)
def test_start_freezes_the_start_up_heap_and_raises_the_gc_threshold(
    project: Path, args: tuple[str, ...]
) -> None:
    with running_server(project, *args) as base:
        assert fetch_json(base + "/api/gc") == (200, {"frozen": True, "threshold": 10_000})


def test_dev_leaves_the_garbage_collector_alone(project: Path) -> None:
    with running_server(project, command="dev") as base:
        status, state = fetch_json(base + "/api/gc")
    assert status == 200
    assert state["frozen"] is False
    assert state["threshold"] == 700


def test_routes_json_prints_one_record_per_route(project: Path) -> None:
    result = run_cli("routes", str(project), "--json")

    assert result.returncode == 0, result.stderr
    records = {r["pattern"]: r for r in json.loads(result.stdout)}
    assert records["/api/users/[id]"]["methods"] == ["GET", "DELETE"]
    assert records["/api/users/[id]"]["file"] == "app/api/users/[id]/route.py"
    assert records["/api/users/[id]"]["router"] == "app"
    assert records["/api/echo"]["config"] == {"dynamic": "force-dynamic"}
