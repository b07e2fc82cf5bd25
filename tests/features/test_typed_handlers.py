"""Typed handlers: parameters from the path, query, headers and body, validated at the door."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

if TYPE_CHECKING:
    from pathlib import Path

MODELS = """
    from pydantic import BaseModel, Field

    class UserIn(BaseModel):
        name: str = Field(min_length=1)
        age: int = Field(ge=0)

    class UserOut(BaseModel):
        id: int
        name: str

    class Filters(BaseModel):
        tag: list[str] = []
        active: bool = True
"""

TYPED = """
    from typing import Annotated

    from approutes import Header, NextRequest, NextResponse, Query
    from lib.models import Filters, UserIn, UserOut

    async def GET(
        id: int,
        request: NextRequest,
        full: Annotated[bool, Query()] = False,
        limit: Annotated[int, Query(alias="max")] = 10,
        tags: Annotated[list[str], Query(alias="tag")] = [],
        agent: Annotated[str | None, Header(alias="user-agent")] = None,
    ) -> UserOut:
        return {"id": id, "name": f"user {id} {full} {limit} {tags} {agent}", "secret": "x"}

    async def PUT(id: int, user: UserIn) -> NextResponse:
        return NextResponse.json({"id": id, "name": user.name, "age": user.age}, status=201)

    def DELETE(id: int, x_api_key: Annotated[str, Header()]) -> list[UserOut]:
        return [UserOut(id=id, name=x_api_key)]
"""

SEARCH = """
    from typing import Annotated

    from approutes import Query
    from lib.models import Filters
    from pydantic import Field

    async def GET(filters: Annotated[Filters, Query()]):
        return filters.model_dump()

    async def POST(page: Annotated[int, Query(), Field(ge=1, le=5)] = 1):
        return {"page": page}
"""

PLAIN = """
    async def GET(request, context):
        return {"id": context.params["id"], "q": request.search_params.get("q")}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/models.py": MODELS,
            "app/api/users/[id]/route.py": TYPED,
            "app/api/search/route.py": SEARCH,
            "app/api/plain/[id]/route.py": PLAIN,
        },
    )


@pytest.mark.anyio
async def test_path_query_and_header_params_arrive_converted(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get(
            "/api/users/7?full=true&max=3&tag=a&tag=b", headers={"user-agent": "pytest"}
        )

    assert response.status_code == 200
    assert response.json() == {"id": 7, "name": "user 7 True 3 ['a', 'b'] pytest"}


@pytest.mark.anyio
async def test_the_return_annotation_shapes_the_answer(project: Path) -> None:
    async with client_for(project) as client:
        shaped = await client.get("/api/users/7")
        listed = await client.delete("/api/users/3", headers={"x-api-key": "k"})

    assert "secret" not in shaped.json()
    assert listed.json() == [{"id": 3, "name": "k"}]


@pytest.mark.anyio
async def test_a_body_model_is_validated_before_the_handler_runs(project: Path) -> None:
    async with client_for(project) as client:
        created = await client.put("/api/users/5", json={"name": "Ada", "age": 36})
        invalid = await client.put("/api/users/5", json={"name": "", "age": -1})
        not_json = await client.put("/api/users/5", content=b"{oops")

    assert created.status_code == 201
    assert created.json() == {"id": 5, "name": "Ada", "age": 36}
    assert invalid.status_code == 400
    assert invalid.json()["error"] == "Invalid input"
    assert {tuple(issue["path"]) for issue in invalid.json()["issues"]} == {("name",), ("age",)}
    assert not_json.status_code == 400
    assert not_json.json() == {"error": "Invalid JSON body"}


@pytest.mark.anyio
async def test_bad_path_query_and_missing_headers_are_400_with_issues(project: Path) -> None:
    async with client_for(project) as client:
        bad_id = await client.get("/api/users/seven")
        bad_query = await client.get("/api/users/7?max=lots")
        no_header = await client.delete("/api/users/7")

    assert bad_id.status_code == 400
    assert bad_id.json()["issues"][0]["path"] == ["id"]
    assert bad_query.json()["issues"][0]["path"] == ["limit"]
    assert no_header.status_code == 400
    assert no_header.json()["issues"][0]["path"] == ["x_api_key"]
    assert no_header.json()["issues"][0]["code"] == "missing"


@pytest.mark.anyio
async def test_a_query_model_takes_its_fields_from_the_search_params(project: Path) -> None:
    async with client_for(project) as client:
        one = await client.get("/api/search?tag=a&active=false")
        many = await client.get("/api/search?tag=a&tag=b")
        bad = await client.get("/api/search?active=maybe")

    assert one.json() == {"tag": ["a"], "active": False}
    assert many.status_code == 200
    assert many.json() == {"tag": ["a", "b"], "active": True}
    assert bad.status_code == 400


@pytest.mark.anyio
async def test_plain_handlers_sit_beside_typed_ones_unchanged(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/plain/x?q=1")

    assert response.json() == {"id": "x", "q": "1"}


def test_a_parameter_whose_source_cannot_be_told_stops_loading(tmp_path: Path) -> None:
    from approutes import create_app  # noqa: PLC0415
    from approutes.errors import ConfigurationError  # noqa: PLC0415

    project = make_project(
        tmp_path,
        {"app/api/x/route.py": "async def GET(request, context, mystery):\n    return {}\n"},
    )

    with pytest.raises(ConfigurationError) as caught:
        create_app(project)

    assert "cannot tell where the parameter 'mystery' comes from" in caught.value.render()


def test_a_body_on_get_stops_loading_with_the_fix(tmp_path: Path) -> None:
    from approutes import create_app  # noqa: PLC0415
    from approutes.errors import ConfigurationError  # noqa: PLC0415

    project = make_project(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/models.py": MODELS,
            "app/api/x/route.py": """
                from lib.models import UserIn

                async def GET(user: UserIn):
                    return {}
            """,
        },
    )

    with pytest.raises(ConfigurationError) as caught:
        create_app(project)

    assert "GET cannot take a JSON body" in caught.value.render()
    assert "Annotated[UserIn, Query()]" in caught.value.render()


@pytest.mark.anyio
async def test_pydantic_constraints_in_annotated_apply(project: Path) -> None:
    async with client_for(project) as client:
        fine = await client.post("/api/search?page=3")
        over = await client.post("/api/search?page=9")

    assert fine.json() == {"page": 3}
    assert over.status_code == 400
    assert over.json()["issues"][0]["code"] == "less_than_equal"


DEFERRED = """
    from typing import Annotated

    from approutes import Status
    from pydantic import BaseModel, ConfigDict

    class Note(BaseModel):
        model_config = ConfigDict(defer_build=True)
        text: str

    class Saved(BaseModel):
        model_config = ConfigDict(defer_build=True)
        text: str
        length: int

    async def POST(note: Note) -> Annotated[Saved, Status(201)]:
        return Saved(text=note.text, length=len(note.text))
"""


@pytest.mark.anyio
async def test_models_whose_build_is_deferred_are_validated_and_written(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"app/notes/route.py": DEFERRED})

    async with client_for(project) as client:
        saved = await client.post("/notes", json={"text": "hi"})
        invalid = await client.post("/notes", json={"text": 3})

    assert (saved.status_code, saved.json()) == (201, {"text": "hi", "length": 2})
    assert saved.headers["content-type"] == "application/json"
    assert invalid.status_code == 400
    assert invalid.json()["issues"][0]["path"] == ["text"]
