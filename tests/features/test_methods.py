"""HTTP methods: dispatch by exported name, 405 with Allow, HEAD from GET, automatic OPTIONS."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

if TYPE_CHECKING:
    from pathlib import Path

ALL_METHODS = """
from approutes import NextResponse

async def GET(request):
    return NextResponse.json({"method": "GET", "seen": request.method})

async def POST(request):
    return NextResponse.json({"method": "POST", "seen": request.method})

async def PUT(request):
    return NextResponse.json({"method": "PUT", "seen": request.method})

async def PATCH(request):
    return NextResponse.json({"method": "PATCH", "seen": request.method})

async def DELETE(request):
    return NextResponse.json({"method": "DELETE", "seen": request.method})
"""

GET_AND_POST = """
from approutes import NextResponse

async def GET():
    return NextResponse.json({"items": [1, 2, 3]}, status=203, headers={"x-total": "3"})

async def POST():
    return NextResponse.json({"created": True}, status=201)
"""


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # create_app puts each project root first on sys.path; undo that after every test.
    monkeypatch.setattr(sys, "path", [*sys.path])


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
async def test_each_exported_method_is_called_for_its_own_method(
    tmp_path: Path, method: str
) -> None:
    root = make_project(tmp_path, {"app/api/items/route.py": ALL_METHODS})
    async with client_for(root) as client:
        response = await client.request(method, "/api/items")

    assert response.status_code == 200
    assert response.json() == {"method": method, "seen": method}


# --- 405 ------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_a_method_the_module_does_not_export_is_405_with_a_sorted_allow_header(
    tmp_path: Path, method: str
) -> None:
    root = make_project(tmp_path, {"app/api/items/route.py": GET_AND_POST})
    async with client_for(root) as client:
        response = await client.request(method, "/api/items")

    assert response.status_code == 405
    assert response.json() == {"error": "Method Not Allowed"}
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.anyio
async def test_a_post_only_route_allows_options_and_post_but_not_head(tmp_path: Path) -> None:
    source = """
    async def POST():
        return {"ok": True}
    """
    root = make_project(tmp_path, {"app/api/items/route.py": source})
    async with client_for(root) as client:
        get = await client.get("/api/items")
        head = await client.head("/api/items")

    assert get.status_code == 405
    assert get.headers["allow"] == "OPTIONS, POST"
    assert head.status_code == 405
    assert head.content == b""


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["PROPFIND", "TRACE", "CONNECTX", "BREW"])
async def test_an_unknown_method_is_405_with_allow(tmp_path: Path, method: str) -> None:
    root = make_project(tmp_path, {"app/api/items/route.py": GET_AND_POST})
    async with client_for(root) as client:
        response = await client.request(method, "/api/items")

    assert response.status_code == 405
    assert response.json() == {"error": "Method Not Allowed"}
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"


@pytest.mark.anyio
async def test_an_upper_case_module_attribute_that_is_not_a_method_is_never_called(
    tmp_path: Path,
) -> None:
    source = """
    async def GET():
        return {"ok": True}

    async def PROPFIND():
        return {"leaked": True}
    """
    root = make_project(tmp_path, {"app/api/items/route.py": source})
    async with client_for(root) as client:
        response = await client.request("PROPFIND", "/api/items")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"


# --- HEAD -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_head_is_served_from_get_with_its_status_and_headers_and_no_body(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path, {"app/api/items/route.py": GET_AND_POST})
    async with client_for(root) as client:
        get = await client.get("/api/items")
        head = await client.head("/api/items")

    assert head.status_code == get.status_code == 203
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"] == "application/json"
    assert head.headers["x-total"] == "3"
    assert head.headers["content-length"] == get.headers["content-length"]
    assert int(get.headers["content-length"]) == len(get.content) > 0


@pytest.mark.anyio
async def test_head_from_a_streaming_get_sends_headers_and_no_body(tmp_path: Path) -> None:
    source = """
    from approutes import Response

    async def chunks():
        yield "one"
        yield "two"

    async def GET():
        return Response(chunks(), headers={"content-type": "text/plain"})
    """
    root = make_project(tmp_path, {"app/api/stream/route.py": source})
    async with client_for(root) as client:
        response = await client.head("/api/stream")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain"
    assert response.content == b""


@pytest.mark.anyio
async def test_an_exported_head_handler_wins_over_get(tmp_path: Path) -> None:
    source = """
    from approutes import Response

    async def GET():
        return Response("from get", headers={"x-from": "get"})

    async def HEAD():
        return Response(None, status=204, headers={"x-from": "head"})
    """
    root = make_project(tmp_path, {"app/api/items/route.py": source})
    async with client_for(root) as client:
        response = await client.head("/api/items")

    assert response.status_code == 204
    assert response.headers["x-from"] == "head"


# --- OPTIONS --------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("source", "allow"),
    [
        (GET_AND_POST, "GET, HEAD, OPTIONS, POST"),
        (ALL_METHODS, "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"),
        ("async def DELETE():\n    return {}\n", "DELETE, OPTIONS"),
        (
            "async def GET():\n    return {}\n\nasync def HEAD():\n    return {}\n",
            "GET, HEAD, OPTIONS",
        ),
    ],
    ids=["get-post", "five-methods", "delete-only", "own-head"],
)
async def test_options_answers_204_with_allow_unless_exported(
    tmp_path: Path, source: str, allow: str
) -> None:
    root = make_project(tmp_path, {"app/api/items/route.py": source})
    async with client_for(root) as client:
        response = await client.options("/api/items")

    assert response.status_code == 204
    assert response.headers["allow"] == allow
    assert response.content == b""


@pytest.mark.anyio
async def test_an_exported_options_handler_replaces_the_automatic_answer(tmp_path: Path) -> None:
    source = """
    from approutes import Response

    async def GET():
        return {"ok": True}

    async def OPTIONS():
        return Response(
            None,
            status=200,
            headers={"access-control-allow-origin": "*", "access-control-allow-methods": "GET"},
        )
    """
    root = make_project(tmp_path, {"app/api/items/route.py": source})
    async with client_for(root) as client:
        options = await client.options("/api/items")
        delete = await client.delete("/api/items")

    assert options.status_code == 200
    assert options.headers["access-control-allow-origin"] == "*"
    assert "allow" not in options.headers
    assert delete.status_code == 405
    assert delete.headers["allow"] == "GET, HEAD, OPTIONS"
