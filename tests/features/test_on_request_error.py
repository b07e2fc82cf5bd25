"""instrumentation.py's on_request_error: every uncaught error, once, after the answer.

Next's `onRequestError(error, request, context)` (docs/01-app/03-api-reference/
03-file-conventions/instrumentation.mdx#onrequesterror-optional; called from
packages/next/src/server/route-modules/app-route/module.ts, pages-api and the middleware
adapter): `request` has `path`, `method`, `headers`; `context` has `routerKind`,
`routePath`, `routeType` and `revalidateReason`. It is not called for `notFound()`,
redirects or errors the framework answers itself, and its own failures never reach the
client.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

import pytest
from tests.conftest import FakeClock, client_for, make_project

from approutes import create_app
from approutes.cache.runtime import current_cache
from approutes.errors import ConfigurationError

if TYPE_CHECKING:
    from pathlib import Path

# Appends one JSON line per report to reports.jsonl beside it.
INSTRUMENTATION = """
import json
from pathlib import Path

REPORTS = Path(__file__).parent / "reports.jsonl"

{kind}def on_request_error(error, request, context):
    line = {{
        "error": f"{{type(error).__name__}}: {{error}}",
        "path": request.path,
        "method": request.method,
        "x_trace": request.headers.get("x-trace"),
        "router_kind": context.router_kind,
        "route_path": context.route_path,
        "route_type": context.route_type,
        "revalidate_reason": context.revalidate_reason,
    }}
    with REPORTS.open("a") as file:
        file.write(json.dumps(line) + "\\n")
    if request.path.startswith("/api/reporter-breaks"):
        raise RuntimeError("the reporter itself failed")
"""

ROUTES = {
    "app/api/users/[id]/route.py": """
        from approutes import HTTPError
        from approutes.navigation import not_found, redirect
        from approutes.server import after
        from pydantic import BaseModel

        class User(BaseModel):
            name: str

        async def boom():
            raise ValueError("after failed")

        async def GET(request, context):
            kind = context.params["id"]
            if kind == "http":
                raise HTTPError(409, "taken")
            if kind == "missing":
                not_found()
            if kind == "moved":
                redirect("/api/users/1")
            if kind == "invalid":
                User.model_validate({})
            if kind == "after":
                after(boom())
                return {"ok": True}
            raise RuntimeError(f"user {kind} exploded")
    """,
    "app/api/stream/route.py": """
        from approutes import NextResponse

        def GET():
            def chunks():
                yield "first "
                raise RuntimeError("stream broke")
            return NextResponse(chunks())
    """,
    "app/api/reporter-breaks/route.py": """
        def GET():
            raise RuntimeError("handler failed")
    """,
    "pages/api/legacy.py": """
        def handler(req, res):
            raise KeyError("pages failed")
    """,
    "proxy.py": """
        config = {"matcher": ["/api/guarded"]}

        def proxy(request):
            raise PermissionError("proxy failed")
    """,
}


def reports(root: Path) -> list[dict[str, Any]]:
    path = root / "reports.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(params=["async ", ""], ids=["async-hook", "sync-hook"])
def project(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    files = {**ROUTES, "instrumentation.py": INSTRUMENTATION.format(kind=request.param)}
    return make_project(tmp_path, files)


@pytest.mark.anyio
async def test_a_handler_error_is_reported_once_with_the_route_template(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/users/7?full=1", headers={"x-trace": "t-1"})

    assert response.status_code == 500
    assert reports(project) == [
        {
            "error": "RuntimeError: user 7 exploded",
            "path": "/api/users/7?full=1",
            "method": "GET",
            "x_trace": "t-1",
            "router_kind": "App Router",
            "route_path": "/api/users/[id]",
            "route_type": "route",
            "revalidate_reason": None,
        }
    ]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kind", "status"), [("http", 409), ("missing", 404), ("moved", 307), ("invalid", 400)]
)
async def test_errors_with_an_answer_of_their_own_are_not_reported(
    project: Path, kind: str, status: int
) -> None:
    async with client_for(project) as client:
        response = await client.get(f"/api/users/{kind}")

    assert response.status_code == status
    assert reports(project) == []


@pytest.mark.anyio
async def test_proxy_pages_after_and_stream_errors_are_reported_with_their_kind(
    project: Path,
) -> None:
    async with client_for(project) as client:
        guarded = await client.get("/api/guarded")
        legacy = await client.post("/api/legacy")
        after = await client.get("/api/users/after")
        with pytest.raises(Exception):  # noqa: B017, PT011 - the cut transfer, whatever httpx calls it
            await client.get("/api/stream")

    assert (guarded.status_code, legacy.status_code, after.status_code) == (500, 500, 200)
    seen = [
        (r["error"], r["router_kind"], r["route_path"], r["route_type"]) for r in reports(project)
    ]
    assert seen == [
        ("PermissionError: proxy failed", "App Router", "/proxy", "proxy"),
        ("KeyError: 'pages failed'", "Pages Router", "/api/legacy", "route"),
        ("ValueError: after failed", "App Router", "/api/users/[id]", "route"),
        ("RuntimeError: stream broke", "App Router", "/api/stream", "route"),
    ]


@pytest.mark.anyio
async def test_a_failing_reporter_is_logged_and_never_reaches_the_client(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="approutes.error"):
        async with client_for(project) as client:
            response = await client.get("/api/reporter-breaks")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert len(reports(project)) == 1
    assert "on_request_error in instrumentation.py raised" in caplog.text
    assert "the reporter itself failed" in caplog.text


@pytest.mark.anyio
async def test_a_background_regeneration_error_is_reported_as_stale(tmp_path: Path) -> None:
    route = """
    from pathlib import Path

    revalidate = 1
    COUNTER = Path(__file__).parent / "renders.txt"

    def GET():
        with COUNTER.open("a") as file:
            file.write("render\\n")
        if len(COUNTER.read_text().splitlines()) == 2:
            raise RuntimeError("the database is down")
        return {"ok": True}
    """
    root = make_project(
        tmp_path,
        {
            "app/api/posts/[slug]/route.py": route,
            "approutes.toml": 'cache = "memory"\n',
            "instrumentation.py": INSTRUMENTATION.format(kind="async "),
        },
    )
    clock = FakeClock()
    async with client_for(root, clock=clock) as client:
        await client.get("/api/posts/hello")
        clock.advance(1.1)
        stale = await client.get("/api/posts/hello")
        await asyncio.wait_for(current_cache().revalidator.wait_for_background(), timeout=10)

    assert stale.status_code == 200
    assert [(r["route_path"], r["revalidate_reason"], r["error"]) for r in reports(root)] == [
        ("/api/posts/[slug]", "stale", "RuntimeError: the database is down")
    ]


def test_an_on_request_error_with_the_wrong_parameters_refuses_to_start(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {**ROUTES, "instrumentation.py": "def on_request_error(error):\n    pass\n"},
    )

    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    assert caught.value.code == "bad-instrumentation"
    assert "on_request_error must be a function that takes (error, request, context)" in (
        caught.value.render()
    )


@pytest.mark.anyio
async def test_a_regeneration_after_revalidate_tag_with_a_profile_is_reported_on_demand(
    tmp_path: Path,
) -> None:
    route = """
    from pathlib import Path

    revalidate = 3600
    tags = ["posts"]
    COUNTER = Path(__file__).parent / "renders.txt"

    def GET():
        with COUNTER.open("a") as file:
            file.write("render\\n")
        if len(COUNTER.read_text().splitlines()) == 2:
            raise RuntimeError("the database is down")
        return {"ok": True}
    """
    root = make_project(
        tmp_path,
        {
            "app/api/posts/route.py": route,
            "app/api/revalidate/route.py": (
                "from approutes.cache import revalidate_tag\n\n"
                "async def POST():\n    await revalidate_tag('posts', 'max')\n    return {}\n"
            ),
            "approutes.toml": 'cache = "memory"\n',
            "instrumentation.py": INSTRUMENTATION.format(kind="async "),
        },
    )

    async with client_for(root) as client:
        await client.get("/api/posts")
        await client.post("/api/revalidate")
        stale = await client.get("/api/posts")
        await asyncio.wait_for(current_cache().revalidator.wait_for_background(), timeout=10)

    assert stale.status_code == 200
    assert [(r["route_path"], r["revalidate_reason"]) for r in reports(root)] == [
        ("/api/posts", "on-demand")
    ]
