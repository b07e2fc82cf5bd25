"""approutes.testing: TestClient (sync and async) and call_route."""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import TYPE_CHECKING, Annotated

import pytest
from tests.conftest import make_project

from approutes import NextRequest, NextResponse, Query, RouteContext
from approutes.headers import cookies, headers
from approutes.navigation import not_found, redirect
from approutes.server import after
from approutes.testing import TestClient, call_route

if TYPE_CHECKING:
    from pathlib import Path

PROJECT = {
    "app/api/hello/route.py": """
        from approutes import NextResponse

        async def GET():
            return NextResponse.json({"message": "Hello World"})
    """,
    "app/api/login/route.py": """
        from approutes import NextResponse

        async def POST(request):
            body = await request.json()
            response = NextResponse.json({"user": body["user"]})
            response.cookies.set("session", body["user"], http_only=True)
            return response
    """,
    "app/api/me/route.py": """
        from approutes import NextResponse

        def GET(request):
            session = request.cookies.get("session")
            if session is None:
                return NextResponse.json({"error": "Unauthorized"}, status=401)
            return {"user": session.value}
    """,
    "app/api/started/route.py": """
        import os

        def GET():
            return {"registered": os.environ.get("TESTCLIENT_REGISTERED")}
    """,
    "instrumentation.py": """
        import os

        def register():
            os.environ["TESTCLIENT_REGISTERED"] = "yes"

        def shutdown():
            os.environ["TESTCLIENT_REGISTERED"] = "stopped"
    """,
}


def test_the_sync_client_keeps_cookies_between_calls(tmp_path: Path) -> None:
    with TestClient(make_project(tmp_path, PROJECT)) as client:
        assert client.get("/api/me").status_code == 401
        login = client.post("/api/login", json={"user": "ada"})
        me = client.get("/api/me")

    assert login.json() == {"user": "ada"}
    assert me.status_code == 200
    assert me.json() == {"user": "ada"}


def test_the_sync_client_runs_the_lifespan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TESTCLIENT_REGISTERED", raising=False)
    with TestClient(make_project(tmp_path, PROJECT)) as client:
        during = client.get("/api/started").json()
    import os  # noqa: PLC0415

    assert during == {"registered": "yes"}
    assert os.environ["TESTCLIENT_REGISTERED"] == "stopped"


def test_using_the_sync_client_outside_with_says_how(tmp_path: Path) -> None:
    client = TestClient(make_project(tmp_path, PROJECT))

    with pytest.raises(RuntimeError, match="with TestClient"):
        client.get("/api/hello")


@pytest.mark.anyio
async def test_the_async_client_gives_an_httpx_async_client(tmp_path: Path) -> None:
    async with TestClient(make_project(tmp_path, PROJECT)) as client:
        hello = await client.get("/api/hello")
        await client.post("/api/login", json={"user": "linus"})
        me = await client.get("/api/me")

    assert hello.json() == {"message": "Hello World"}
    assert me.json() == {"user": "linus"}


async def POST(request: NextRequest, context: RouteContext) -> NextResponse:  # noqa: N802
    payload = await request.json()
    cookies().set("last", str(context.params["id"]))
    return NextResponse.json(
        {"id": context.params["id"], "name": payload["name"], "agent": headers().get("user-agent")},
        status=201,
    )


@pytest.mark.anyio
async def test_call_route_runs_one_handler_with_helpers_working() -> None:
    called = await call_route(
        POST,
        url="/api/users/7",
        params={"id": "7"},
        json={"name": "Ada"},
        headers={"User-Agent": "pytest"},
    )

    assert called.status == 201
    assert called.json() == {"id": "7", "name": "Ada", "agent": "pytest"}
    assert called.headers.get_all("set-cookie") == ["last=7; Path=/"]


def GET(request: NextRequest) -> dict[str, object]:  # noqa: N802
    if request.search_params.get("go") == "away":
        redirect("/elsewhere")
    if request.cookies.get("hidden"):
        not_found()
    after(lambda: None)
    return {"q": request.search_params.get("q"), "theme": cookies().get("theme")}


@pytest.mark.anyio
async def test_call_route_takes_query_cookies_and_signals() -> None:
    plain = await call_route(GET, url="/api/x?q=1", cookies={"theme": "dark"})
    moved = await call_route(GET, url="/api/x?go=away")
    gone = await call_route(GET, cookies={"hidden": "1"})

    assert plain.json() == {"q": "1", "theme": {"name": "theme", "value": "dark"}}
    assert moved.status == 307
    assert moved.headers.get("location") == "/elsewhere"
    assert gone.status == 404
    assert gone.json() == {"error": "Not Found"}


@pytest.mark.anyio
async def test_call_route_answers_an_error_as_the_server_would() -> None:
    async def GET() -> None:  # noqa: N802
        raise ValueError("boom")

    called = await call_route(GET)

    assert called.status == 500
    assert called.json()["error"] == "Internal Server Error"
    assert "boom" in called.json()["detail"]


def test_call_route_works_from_plain_sync_tests_with_asyncio_run() -> None:
    called = asyncio.run(call_route(GET, url="/?q=sync"))

    assert called.json() == {"q": "sync", "theme": None}


TYPED_ROUTE = """
    runtime = "process"
    max_duration = 5


    def GET(request, id: int) -> dict[str, object]:
        return {"id": id, "doubled": id * 2}
"""


@pytest.mark.anyio
async def test_call_route_binds_typed_path_params_of_a_project_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, {"app/api/items/[id]/route.py": TYPED_ROUTE})
    monkeypatch.syspath_prepend(str(root))
    try:
        items = importlib.import_module("app.api.items.[id].route")
        bound = await call_route(items.GET, url="/api/items/42", params={"id": "42"})
        refused = await call_route(items.GET, url="/api/items/x", params={"id": "x"})
    finally:
        for name in [n for n in sys.modules if n == "app" or n.startswith("app.")]:
            del sys.modules[name]

    assert bound.status == 200
    assert bound.json() == {"id": 42, "doubled": 84}
    assert refused.status == 400
    assert refused.json()["issues"][0]["path"] == ["id"]


@pytest.mark.anyio
async def test_call_route_binds_typed_params_of_a_handler_defined_anywhere() -> None:
    async def GET(id: int, q: Annotated[str, Query()] = "none") -> dict[str, object]:  # noqa: N802
        return {"id": id, "q": q}

    called = await call_route(GET, url="/x?q=yes", params={"id": "7"})

    assert called.status == 200
    assert called.json() == {"id": 7, "q": "yes"}
