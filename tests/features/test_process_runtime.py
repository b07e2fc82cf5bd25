"""runtime = "process": handlers computed in a pool of worker processes."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

if TYPE_CHECKING:
    from pathlib import Path

ROUTE = "app/api/work/[id]/route.py"
IN_POOL = """
    import os
    import time

    from approutes import HTTPError, NextResponse
    from approutes.headers import cookies, headers
    from approutes.navigation import not_found
    from pydantic import BaseModel

    runtime = "process"
    max_duration = 2


    class Job(BaseModel):
        size: int


    async def POST(request, context):
        job = Job.model_validate(await request.json())
        if context.params["id"] == "teapot":
            raise HTTPError(418, "I'm a teapot")
        if context.params["id"] == "missing":
            not_found()
        if context.params["id"] == "boom":
            raise RuntimeError("exploded in the pool")
        if context.params["id"] == "slow":
            time.sleep(5)
        cookies().set("done", "yes")
        return NextResponse.json(
            {
                "pid": os.getpid(),
                "size": job.size,
                "agent": headers().get("user-agent"),
                "q": request.search_params.get("q"),
            },
            status=201,
        )

    def GET():
        def chunks():
            yield "never"
        return NextResponse(chunks())
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path, {ROUTE: IN_POOL, "approutes.toml": "process_pool_size = 1\n"})


@pytest.mark.anyio
async def test_the_handler_runs_in_another_process_with_the_whole_request(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.post(
            "/api/work/7?q=fast", json={"size": 3}, headers={"user-agent": "pytest"}
        )

    assert response.status_code == 201
    body = response.json()
    assert body["pid"] != os.getpid()
    assert body == {"pid": body["pid"], "size": 3, "agent": "pytest", "q": "fast"}
    assert response.headers["set-cookie"] == "done=yes; Path=/"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("item", "payload", "status", "error"),
    [
        ("teapot", {"size": 1}, 418, "I'm a teapot"),
        ("missing", {"size": 1}, 404, "Not Found"),
        ("7", {"size": "big"}, 400, "Invalid input"),
        ("boom", {"size": 1}, 500, "Internal Server Error"),
    ],
)
async def test_errors_in_the_pool_get_the_answers_they_get_anywhere(
    project: Path, item: str, payload: dict[str, object], status: int, error: str
) -> None:
    async with client_for(project) as client:
        response = await client.post(f"/api/work/{item}", json=payload)

    assert response.status_code == status
    assert response.json()["error"] == error
    assert "exploded" not in response.text


@pytest.mark.anyio
async def test_max_duration_answers_504_while_the_pool_computes(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.post("/api/work/slow", json={"size": 1})

    assert response.status_code == 504


@pytest.mark.anyio
async def test_a_stream_from_the_pool_is_refused_with_a_500(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/work/1")

    assert response.status_code == 500


TYPED_IN_POOL = """
    import os

    runtime = "process"


    def GET(request, id: int) -> dict[str, object]:
        return {"id": id, "type": type(id).__name__, "pid": os.getpid()}
"""


@pytest.mark.anyio
async def test_a_typed_path_param_is_bound_in_the_pool_as_on_the_main_road(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {"app/api/typed/[id]/route.py": TYPED_IN_POOL, "approutes.toml": "process_pool_size = 1\n"},
    )
    async with client_for(root) as client:
        bound = await client.get("/api/typed/42")
        refused = await client.get("/api/typed/forty-two")

    assert bound.status_code == 200
    assert bound.json()["pid"] != os.getpid()
    assert bound.json() == {"id": 42, "type": "int", "pid": bound.json()["pid"]}
    assert refused.status_code == 400
    assert refused.json()["error"] == "Invalid input"


DECLARED_IN_POOL = """
    from typing import Annotated

    from approutes import Status

    runtime = "process"


    def POST(id: int) -> Annotated[dict[str, int], Status(201)]:
        return {"id": id}


    def DELETE(id: int) -> Annotated[None, Status(204)]:
        return None
"""


@pytest.mark.anyio
async def test_a_declared_status_is_answered_from_the_pool(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/typed/[id]/route.py": DECLARED_IN_POOL,
            "approutes.toml": "process_pool_size = 1\n",
        },
    )
    async with client_for(root) as client:
        created = await client.post("/api/typed/7")
        deleted = await client.delete("/api/typed/7")

    assert (created.status_code, created.json()) == (201, {"id": 7})
    assert (deleted.status_code, deleted.content) == (204, b"")
