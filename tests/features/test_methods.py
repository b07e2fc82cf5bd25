"""HTTP methods: dispatch by exported name, 405 with Allow, HEAD from GET, automatic OPTIONS."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

ROUTE = "app/api/items/route.py"

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


async def responses(tmp_path: Path, source: str, *methods: str) -> list[httpx.Response]:
    """Build a project with `source` as ROUTE and answer a request for it by each method."""
    root = make_project(tmp_path, {ROUTE: source})
    async with client_for(root) as client:
        return [await client.request(method, "/api/items") for method in methods]


async def respond(tmp_path: Path, source: str, method: str) -> httpx.Response:
    """Build a project with `source` as ROUTE and answer one `method` request for it."""
    (response,) = await responses(tmp_path, source, method)
    return response


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
async def test_each_exported_method_is_called_for_its_own_method(
    tmp_path: Path, method: str
) -> None:
    response = await respond(tmp_path, ALL_METHODS, method)

    assert response.status_code == 200
    assert response.json() == {"method": method, "seen": method}


# --- 405 ------------------------------------------------------------------------------------


GET_AND_PROPFIND = """
async def GET():
    return {"ok": True}

async def PROPFIND():
    return {"leaked": True}
"""


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("source", "method", "allow"),
    [
        *(
            pytest.param(
                GET_AND_POST, method, "GET, HEAD, OPTIONS, POST", id=f"not-exported-{method}"
            )
            for method in ("PUT", "PATCH", "DELETE")
        ),
        *(
            pytest.param(
                GET_AND_POST, method, "GET, HEAD, OPTIONS, POST", id=f"unknown-method-{method}"
            )
            for method in ("PROPFIND", "TRACE", "CONNECTX", "BREW")
        ),
        pytest.param(
            GET_AND_PROPFIND,
            "PROPFIND",
            "GET, HEAD, OPTIONS",
            id="an-upper-case-module-attribute-that-is-not-a-method-is-never-called",
        ),
    ],
)
async def test_a_method_the_module_does_not_serve_is_405_json_with_a_sorted_allow_header(
    tmp_path: Path, source: str, method: str, allow: str
) -> None:
    response = await respond(tmp_path, source, method)

    assert response.status_code == 405
    assert response.json() == {"error": "Method Not Allowed"}
    assert response.headers["allow"] == allow
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.anyio
async def test_a_post_only_route_allows_options_and_post_but_not_head(tmp_path: Path) -> None:
    source = """
    async def POST():
        return {"ok": True}
    """
    get, head = await responses(tmp_path, source, "GET", "HEAD")

    assert get.status_code == 405
    assert get.headers["allow"] == "OPTIONS, POST"
    assert head.status_code == 405
    assert head.content == b""


# --- HEAD -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_head_is_served_from_get_with_its_status_and_headers_and_no_body(
    tmp_path: Path,
) -> None:
    get, head = await responses(tmp_path, GET_AND_POST, "GET", "HEAD")

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
    response = await respond(tmp_path, source, "HEAD")

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
    response = await respond(tmp_path, source, "HEAD")

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
    response = await respond(tmp_path, source, "OPTIONS")

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
    options, delete = await responses(tmp_path, source, "OPTIONS", "DELETE")

    assert options.status_code == 200
    assert options.headers["access-control-allow-origin"] == "*"
    assert "allow" not in options.headers
    assert delete.status_code == 405
    assert delete.headers["allow"] == "GET, HEAD, OPTIONS"
