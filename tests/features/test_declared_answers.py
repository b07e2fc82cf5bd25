"""Status() and Raises(): a typed handler's answers, declared in its return annotation.

What is answered, what is refused at load, and what the OpenAPI document then shows: exactly
the declared codes, plus the framework's own answers where they can happen.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import pytest
from openapi_spec_validator import validate
from tests.conftest import client_for, make_project

from approutes import create_app
from approutes.errors import ConfigurationError
from approutes.openapi import openapi_document
from approutes.route_loading import load_routes

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

MODELS = """
    from pydantic import BaseModel, ConfigDict, Field


    class ItemIn(BaseModel):
        model_config = ConfigDict(json_schema_extra={"examples": [{"name": "lamp"}]})

        name: str = Field(min_length=1, examples=["lamp", "desk"])


    class ItemOut(BaseModel):
        id: int
        name: str


    class Page(BaseModel):
        cursor: str = Field(default="", examples=["b2Zmc2V0OjEw"])
"""

ITEMS = '''
    from typing import Annotated

    from pydantic import Field

    from approutes import HTTPError, Query, Raises, Status
    from lib.models import ItemIn, ItemOut, Page


    def GET(
        page: Annotated[Page, Query()],
        tag: Annotated[str, Query(), Field(examples=["desk"])] = "",
    ) -> Annotated[list[ItemOut], Status(200)]:
        return [{"id": 1, "name": "lamp", "secret": "x"}]


    async def POST(
        item: ItemIn,
    ) -> Annotated[ItemOut, Status(201), Raises(409, "the name is taken"), Raises(503)]:
        """Create an item.

        Names are unique: a second item with the same name is refused.
        """
        if item.name == "taken":
            raise HTTPError(409, "Name already taken")
        return {"id": 2, "name": item.name, "secret": "x"}
'''

ITEM = """
    from typing import Annotated

    from approutes import HTTPError, NextResponse, Raises, Status
    from lib.models import ItemIn, ItemOut


    async def DELETE(id: int) -> Annotated[None, Status(204), Raises(404, "no such item")]:
        if id == 0:
            raise HTTPError(404, "No such item")
        return None


    async def PUT(id: int, item: ItemIn) -> Annotated[ItemOut, Status(201)]:
        return NextResponse.json({"id": id, "name": item.name}, status=200)


    async def PATCH(id: int) -> Annotated[NextResponse, Status(202), Raises(405, "locked")]:
        return NextResponse.json({"id": id}, status=202)
"""

WRONG = """
    from typing import Annotated

    from approutes import Status
    from lib.models import ItemOut


    async def GET() -> Annotated[None, Status(204)]:
        return {"deleted": True}


    async def POST() -> ItemOut:
        return {"name": "no id"}
"""

PLAIN = """
    async def GET(request):
        return {"ok": True}


    async def POST(request, context):
        return await request.json()


    async def PUT():
        return {"ok": True}
"""

PROCESS = """
    runtime = "process"


    def GET():
        return {"ok": True}


    def POST():
        return {"ok": True}
"""

RETURN_ONLY = """
    from lib.models import ItemOut


    async def GET() -> ItemOut:
        return {"id": 1, "name": "lamp"}
"""

PROJECT = {
    "lib/__init__.py": "",
    "lib/models.py": MODELS,
    "app/api/items/route.py": ITEMS,
    "app/api/items/[id]/route.py": ITEM,
    "app/api/wrong/route.py": WRONG,
    "app/api/plain/route.py": PLAIN,
    "app/api/heavy/route.py": PROCESS,
    "app/api/[slug]/route.py": RETURN_ONLY,
    "pages/api/legacy.py": "def handler(req, res):\n    res.status(200).json({})\n",
    "pages/api/raw.py": (
        'config = {"api": {"body_parser": False}}\n\n\n'
        "def handler(req, res):\n    res.status(200).json({})\n"
    ),
}

ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(autouse=True)
def _isolated_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo what loading a project does: its root on sys.path, its modules imported."""
    monkeypatch.setattr(sys, "path", [*sys.path])
    _forget_project_modules()
    yield
    _forget_project_modules()


def _forget_project_modules() -> None:
    for name in list(sys.modules):
        if name.startswith(("approutes_project:", "lib.")) or name == "lib":
            del sys.modules[name]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "shop", PROJECT)


def build_openapi(root: Path) -> dict[str, Any]:
    table, modules = load_routes(root.resolve())
    return openapi_document(table, modules, title="shop")


@pytest.fixture
def document(project: Path) -> dict[str, Any]:
    built = build_openapi(project)
    validate(built)
    return built


# --- what is answered -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_dict_under_status_201_is_answered_201_with_the_shaped_json(
    project: Path,
) -> None:
    async with client_for(project) as client:
        response = await client.post("/api/items", json={"name": "lamp"})

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"id": 2, "name": "lamp"}


@pytest.mark.anyio
async def test_a_sync_handler_with_status_200_is_answered_shaped(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/items")

    assert response.status_code == 200
    assert response.json() == [{"id": 1, "name": "lamp"}]


@pytest.mark.anyio
async def test_none_under_status_204_is_a_204_with_no_body(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.delete("/api/items/7")

    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers


@pytest.mark.anyio
async def test_a_declared_http_error_is_answered_with_the_error_shape(project: Path) -> None:
    async with client_for(project) as client:
        taken = await client.post("/api/items", json={"name": "taken"})
        missing = await client.delete("/api/items/0")

    assert taken.status_code == 409
    assert taken.json() == {"error": "Name already taken"}
    assert missing.status_code == 404
    assert missing.json() == {"error": "No such item"}


@pytest.mark.anyio
async def test_a_returned_response_keeps_its_own_status(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.put("/api/items/3", json={"name": "desk"})

    assert response.status_code == 200
    assert response.json() == {"id": 3, "name": "desk"}


@pytest.mark.anyio
async def test_a_body_under_a_no_body_status_is_the_handlers_fault(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/wrong")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}


@pytest.mark.anyio
async def test_a_return_value_that_does_not_fit_its_annotation_is_a_500_not_a_400(
    project: Path,
) -> None:
    async with client_for(project, dev=True) as client:
        response = await client.post("/api/wrong")

    assert response.status_code == 500
    assert "does not fit its return annotation" in response.json()["detail"]
    assert "issues" not in response.json()


# --- what is refused at load ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "problem"),
    [
        pytest.param(
            "-> Annotated[dict, Status(200), Status(201)]",
            "two Status() in the return annotation (200 and 201)",
            id="two-statuses",
        ),
        pytest.param(
            "-> Annotated[dict, Status(302)]",
            "Status(302) is not a success status (200-299)",
            id="status-outside-2xx",
        ),
        pytest.param(
            "-> Annotated[dict, Status(404)]",
            "declare an error as Raises(404, ...)",
            id="error-as-status",
        ),
        pytest.param(
            "-> Annotated[dict, Status(204)]",
            "Status(204) answers no body, but the return type is dict",
            id="204-with-a-body",
        ),
        pytest.param(
            "-> Annotated[list[int], Status(205)]",
            "Status(205) answers no body",
            id="205-with-a-body",
        ),
        pytest.param(
            "-> Annotated[dict, Raises(302)]",
            "Raises(302) is not an error status (400-599)",
            id="raises-a-redirect",
        ),
        pytest.param(
            "-> Annotated[dict, Raises(201)]",
            "Raises(201) is not an error status",
            id="raises-a-success",
        ),
        pytest.param(
            '-> Annotated[dict, Raises(409, "a"), Raises(409, "b")]',
            "Raises(409) is declared twice",
            id="same-raises-twice",
        ),
        pytest.param(
            "-> list[Annotated[dict, Status(201)]]",
            "stand at the top of the return annotation",
            id="nested-in-the-return-type",
        ),
        pytest.param(
            "-> Annotated[dict, Status]",
            "not the bare class",
            id="bare-class",
        ),
        pytest.param(
            '-> Annotated[dict, Status("201")]',
            "the code is an int",
            id="code-not-an-int",
        ),
    ],
)
def test_contradictory_answers_stop_loading_naming_the_file_and_handler(
    tmp_path: Path, annotation: str, problem: str
) -> None:
    source = (
        "from typing import Annotated\n\nfrom approutes import Raises, Status\n\n\n"
        f"async def POST() {annotation}:\n    return {{}}\n"
    )
    project = make_project(tmp_path, {"app/api/x/route.py": source})

    with pytest.raises(ConfigurationError) as caught:
        create_app(project)

    rendered = caught.value.render()
    assert "(handler-answers)" in rendered
    assert "app/api/x/route.py" in rendered
    assert "POST: " in rendered
    assert problem in rendered


def test_status_on_a_parameter_stops_loading(tmp_path: Path) -> None:
    source = """
        from typing import Annotated

        from approutes import Query, Status


        async def GET(limit: Annotated[int, Query(), Status(201)] = 1) -> dict:
            return {}
    """
    project = make_project(tmp_path, {"app/api/x/route.py": source})

    with pytest.raises(ConfigurationError) as caught:
        create_app(project)

    rendered = caught.value.render()
    assert "(handler-answers)" in rendered
    assert "belong in the return annotation, not on the parameter 'limit'" in rendered


# --- what the document shows ----------------------------------------------------------------


def test_declared_success_and_raises_are_the_documented_codes(document: dict[str, Any]) -> None:
    responses = document["paths"]["/api/items"]["post"]["responses"]

    assert list(responses) == ["201", "400", "404", "405", "409", "413", "500", "503"]
    assert responses["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ItemOut"
    }
    assert responses["409"] == {
        "description": "the name is taken",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    }
    assert responses["503"]["description"] == "Service Unavailable"


def test_a_204_has_no_content_and_a_declared_404_joins_the_frameworks(
    document: dict[str, Any],
) -> None:
    responses = document["paths"]["/api/items/{id}"]["delete"]["responses"]

    assert list(responses) == ["204", "400", "404", "405", "500"]
    assert responses["204"] == {"description": "No Content: no body."}
    assert responses["404"] == {
        "description": (
            "no such item; or: No route matches the path, or the handler called `not_found()`."
        ),
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    }


def test_a_declared_405_keeps_the_allow_header(document: dict[str, Any]) -> None:
    responses = document["paths"]["/api/items/{id}"]["patch"]["responses"]

    assert list(responses) == ["202", "400", "404", "405", "500"]
    assert responses["202"]["content"]["application/json"]["schema"] == {}
    assert responses["405"]["description"].startswith("locked; or: ")
    assert "Allow" in responses["405"]["headers"]


def test_the_issues_400_only_where_input_is_validated(document: dict[str, Any]) -> None:
    paths = document["paths"]

    assert paths["/api/items"]["post"]["responses"]["400"] == {
        "$ref": "#/components/responses/InvalidInput"
    }
    assert "400" in paths["/api/items"]["get"]["responses"]  # query parameters
    assert "400" not in paths["/api/{slug}"]["get"]["responses"]  # a return annotation only
    assert "400" not in paths["/api/plain"]["post"]["responses"]


def test_413_only_where_a_body_may_be_read(document: dict[str, Any]) -> None:
    paths = document["paths"]

    def codes(path: str, method: str) -> list[str]:
        return list(paths[path][method]["responses"])

    assert "413" in codes("/api/items", "post")  # a body model
    assert "413" not in codes("/api/items/{id}", "delete")  # typed, path only
    assert "413" in codes("/api/plain", "post")  # the request in hand
    assert "413" not in codes("/api/plain", "get")  # a GET body is dropped
    assert "413" not in codes("/api/plain", "put")  # takes nothing
    assert "413" in codes("/api/heavy", "post")  # runtime = "process" reads it first
    assert "413" not in codes("/api/heavy", "get")
    assert paths["/api/items"]["post"]["responses"]["413"] == {
        "$ref": "#/components/responses/PayloadTooLarge"
    }


def test_pages_routes_list_their_plain_text_413_when_they_parse_bodies(
    document: dict[str, Any],
) -> None:
    legacy = document["paths"]["/api/legacy"]["get"]["responses"]
    raw = document["paths"]["/api/raw"]["post"]["responses"]

    assert legacy["413"]["content"] == {"text/plain": {"schema": {"type": "string"}}}
    assert "413" not in raw


def test_every_operation_lists_404_405_and_500(document: dict[str, Any]) -> None:
    for item in document["paths"].values():
        for operation in item.values():
            assert {"404", "405", "500"} <= set(operation["responses"])


def test_docstring_is_summary_and_description_of_a_typed_handler(
    document: dict[str, Any],
) -> None:
    operation = document["paths"]["/api/items"]["post"]

    assert operation["summary"] == "Create an item."
    assert operation["description"] == (
        "Names are unique: a second item with the same name is refused."
    )


def test_model_examples_are_carried_into_the_schemas(document: dict[str, Any]) -> None:
    item_in = document["components"]["schemas"]["ItemIn"]

    assert item_in["examples"] == [{"name": "lamp"}]
    assert item_in["properties"]["name"]["examples"] == ["lamp", "desk"]


def test_query_parameter_examples_are_carried_into_their_schemas(
    document: dict[str, Any],
) -> None:
    parameters = document["paths"]["/api/items"]["get"]["parameters"]

    schemas = {parameter["name"]: parameter["schema"] for parameter in parameters}
    assert schemas["cursor"]["examples"] == ["b2Zmc2V0OjEw"]  # a field of a query model
    assert schemas["tag"]["examples"] == ["desk"]  # Annotated[str, Query(), Field(...)]


def test_a_dynamic_first_folder_gives_no_tag(document: dict[str, Any]) -> None:
    assert "tags" not in document["paths"]["/api/{slug}"]["get"]
    assert document["paths"]["/api/items/{id}"]["delete"]["tags"] == ["items"]


def test_operation_ids_are_stable_when_the_tree_grows(project: Path) -> None:
    def ids(built: dict[str, Any]) -> dict[tuple[str, str], str]:
        return {
            (path, method): operation["operationId"]
            for path, item in built["paths"].items()
            for method, operation in item.items()
        }

    before = ids(build_openapi(project))
    again = ids(build_openapi(project))
    make_project(project, {"app/api/aaa/route.py": "def GET():\n    return {}\n"})
    _forget_project_modules()
    grown = ids(build_openapi(project))

    assert again == before
    assert {key: grown[key] for key in before} == before
    assert before[("/api/items/{id}", "delete")] == "delete_api_items_id"
    assert grown[("/api/aaa", "get")] == "get_api_aaa"


def test_raises_point_at_the_framework_error_even_when_a_model_is_named_error(
    tmp_path: Path,
) -> None:
    source = """
        from typing import Annotated

        from pydantic import BaseModel

        from approutes import Raises


        class Error(BaseModel):
            code: int


        async def GET() -> Annotated[Error, Raises(409)]:
            return Error(code=1)
    """
    built = build_openapi(make_project(tmp_path, {"app/api/x/route.py": source}))
    validate(built)

    responses = built["paths"]["/api/x"]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert responses["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/approutes.Error"
    }
    assert responses["409"]["description"] == "Conflict"
