"""OpenAPI 3.1: the document of a route tree, `approutes openapi`, and the dev docs endpoints."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from openapi_spec_validator import validate
from tests.conftest import APPROUTES_BIN, client_for, make_project

import approutes
from approutes import create_app
from approutes.dev.reloader import reload_project
from approutes.errors import SettingsError
from approutes.openapi import openapi_document
from approutes.route_loading import load_routes
from approutes.settings.model import load_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "basic"


def build_openapi(root: Path) -> dict[str, Any]:
    """The document `approutes openapi` prints for the project at `root`."""
    project = root.resolve()
    table, modules = load_routes(project)
    return openapi_document(table, modules, title=project.name)


MODELS = '''
from pydantic import BaseModel, Field



class UserIn(BaseModel):
    """What a client sends to create a user."""

    name: str = Field(min_length=1)
    email: str


class UserOut(BaseModel):
    """A stored user."""

    id: int
    name: str


class Filters(BaseModel):
    q: str = ""
    limit: int = Field(default=10, ge=1, le=100, description="At most this many.")
'''

PROJECT = {
    "openapi_fixture_models.py": MODELS,
    "app/api/hello/route.py": '''
        from approutes import NextResponse


        async def GET():
            """Say hello.

            Answers a greeting, as JSON.
            """
            return NextResponse.json({"message": "Hello World"})
    ''',
    "app/api/users/route.py": '''
        from typing import Annotated

        from approutes import Header, Query

        from openapi_fixture_models import UserIn, UserOut


        async def GET(
            x_api_key: Annotated[str, Header()], limit: Annotated[int, Query()] = 10
        ) -> list[UserOut]:
            """List users."""
            return [UserOut(id=1, name="Ada")][:limit]


        async def POST(user: UserIn) -> UserOut:
            """Create a user."""
            return UserOut(id=2, name=user.name)
    ''',
    "app/api/users/[id]/route.py": """
        from approutes import NextResponse


        def GET(request, context):
            return NextResponse.json({"id": context.params["id"]})


        def DELETE(request, context):
            return NextResponse(None, status=204)
    """,
    "app/api/search/route.py": """
        from typing import Annotated

        from approutes import Query

        from openapi_fixture_models import Filters, UserOut


        def GET(filters: Annotated[Filters, Query()]) -> list[UserOut]:
            return []
    """,
    "app/api/files/[...path]/route.py": """
        from approutes import NextResponse


        async def GET(request, context):
            return NextResponse.json({"path": context.params["path"]})
    """,
    "app/api/docs/[[...slug]]/route.py": """
        from approutes import NextResponse


        async def GET(request, context):
            return NextResponse.json({"slug": context.params.get("slug")})
    """,
    "app/api/time/route.py": """
        from approutes import NextResponse

        dynamic = "force-static"


        async def GET():
            return NextResponse.json({"built": True})
    """,
    "pages/api/legacy.py": '''
        def handler(req, res):
            """An old Pages Router endpoint."""
            res.status(200).json({"name": "John Doe"})
    ''',
}

TYPED_PATH_PARAM = {
    "app/api/items/[id]/route.py": """
        from pydantic import BaseModel


        class Item(BaseModel):
            id: int


        async def GET(id: int) -> Item:
            return Item(id=id)
    """,
}

ERROR_RESPONSES = {
    "404": {"$ref": "#/components/responses/NotFound"},
    "405": {"$ref": "#/components/responses/MethodNotAllowed"},
    "500": {"$ref": "#/components/responses/InternalError"},
}
INVALID_INPUT = {"$ref": "#/components/responses/InvalidInput"}


@pytest.fixture(autouse=True)
def _isolated_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo what loading a project does: its root on sys.path, its modules imported."""
    monkeypatch.setattr(sys, "path", [*sys.path])
    _forget_project_modules()
    yield
    _forget_project_modules()


def _forget_project_modules() -> None:
    for name in list(sys.modules):
        if name.startswith(("approutes_project:", "lib.", "openapi_fixture_models")) or (
            name == "lib"
        ):
            del sys.modules[name]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "shop", PROJECT)


@pytest.fixture
def document(project: Path) -> dict[str, Any]:
    return build_openapi(project)


# --- the document ---------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)

    assert document["openapi"] == "3.1.0"
    assert document["info"] == {"title": "shop", "version": "0.1.0"}


def test_paths_follow_the_route_tree(document: dict[str, Any]) -> None:
    assert list(document["paths"]) == [
        "/api/docs",
        "/api/docs/{slug}",
        "/api/files/{path}",
        "/api/hello",
        "/api/search",
        "/api/time",
        "/api/users",
        "/api/users/{id}",
        "/api/legacy",
    ]


def test_exported_methods_only_no_automatic_head_or_options(document: dict[str, Any]) -> None:
    paths = document["paths"]

    assert list(paths["/api/users"]) == ["get", "post"]
    assert list(paths["/api/users/{id}"]) == ["get", "delete"]
    assert list(paths["/api/hello"]) == ["get"]


def test_plain_handler_gets_its_docstring_id_tag_and_generic_answer(
    document: dict[str, Any],
) -> None:
    operation = document["paths"]["/api/hello"]["get"]

    assert operation == {
        "tags": ["hello"],
        "summary": "Say hello.",
        "description": "Answers a greeting, as JSON.",
        "operationId": "get_api_hello",
        "responses": {
            "200": {
                "description": "The handler's answer (not annotated: any JSON, or another type).",
                "content": {"application/json": {"schema": {}}},
            },
            **ERROR_RESPONSES,
        },
    }


def test_plain_handler_path_param_is_a_required_string(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/users/{id}"]["delete"]

    assert operation["operationId"] == "delete_api_users_id"
    assert operation["tags"] == ["users"]
    assert operation["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    assert "400" not in operation["responses"]


def test_typed_query_and_header_params(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/users"]["get"]

    assert operation["parameters"] == [
        {"name": "x-api-key", "in": "header", "required": True, "schema": {"type": "string"}},
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "default": 10},
        },
    ]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/UserOut"},
    }
    assert operation["responses"]["400"] == INVALID_INPUT


def test_body_model_is_a_request_body_ref_and_return_a_response_ref(
    document: dict[str, Any],
) -> None:
    operation = document["paths"]["/api/users"]["post"]

    assert operation["summary"] == "Create a user."
    assert operation["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UserIn"}}},
    }
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UserOut"
    }
    assert list(operation["responses"]) == ["200", "400", "404", "405", "413", "500"]


def test_query_model_fields_become_query_params(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/search"]["get"]

    assert operation["parameters"] == [
        {
            "name": "q",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "default": ""},
        },
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
            "description": "At most this many.",
        },
    ]
    assert "requestBody" not in operation


def test_models_are_components_once_each(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    assert set(schemas) == {"UserIn", "UserOut", "Error", "InvalidInput"}
    assert schemas["UserIn"]["required"] == ["name", "email"]
    assert schemas["UserIn"]["properties"]["name"]["minLength"] == 1
    assert schemas["UserOut"]["description"] == "A stored user."
    assert schemas["Error"]["properties"] == {"error": {"type": "string"}}
    assert schemas["InvalidInput"]["properties"]["issues"]["items"]["required"] == [
        "path",
        "message",
        "code",
    ]


def test_error_responses_are_json_error_shapes(document: dict[str, Any]) -> None:
    responses = document["components"]["responses"]

    assert set(responses) == {
        "NotFound",
        "MethodNotAllowed",
        "PayloadTooLarge",
        "InternalError",
        "InvalidInput",
    }
    for name in ("NotFound", "MethodNotAllowed", "PayloadTooLarge", "InternalError"):
        assert responses[name]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    assert responses["InvalidInput"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InvalidInput"
    }
    assert "Allow" in responses["MethodNotAllowed"]["headers"]


def test_catch_all_is_one_param_said_to_span_segments(document: dict[str, Any]) -> None:
    (parameter,) = document["paths"]["/api/files/{path}"]["get"]["parameters"]

    assert parameter["name"] == "path"
    assert parameter["in"] == "path"
    assert parameter["required"] is True
    assert "spanning segments" in parameter["description"]


def test_optional_catch_all_has_the_bare_path_and_the_param_path(
    document: dict[str, Any],
) -> None:
    bare = document["paths"]["/api/docs"]["get"]
    with_slug = document["paths"]["/api/docs/{slug}"]["get"]

    assert "parameters" not in bare
    assert bare["operationId"] == "get_api_docs"
    assert with_slug["operationId"] == "get_api_docs_slug"
    assert [p["name"] for p in with_slug["parameters"]] == ["slug"]


def test_cached_route_notes_its_cache_control(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/time"]["get"]

    assert "Cache-Control: s-maxage=31536000" in operation["description"]


def test_pages_route_gets_an_undescribed_operation_per_method(document: dict[str, Any]) -> None:
    item = document["paths"]["/api/legacy"]

    assert list(item) == ["get", "post", "put", "patch", "delete"]
    assert item["post"]["summary"] == "An old Pages Router endpoint."
    assert "pages/api/legacy.py" in item["post"]["description"]
    assert item["post"]["responses"]["200"]["content"]["application/json"]["schema"] == {}


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]

    assert len(ids) == len(set(ids))


def test_typed_path_param_has_its_annotated_type(tmp_path: Path) -> None:
    # NOTE: needs load_route_module to pass the route's params to plan_handler.
    document = build_openapi(make_project(tmp_path, TYPED_PATH_PARAM))
    validate(document)

    operation = document["paths"]["/api/items/{id}"]["get"]
    assert operation["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Item"
    }


def test_model_named_like_a_framework_shape_keeps_both(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/x/route.py": """
                from pydantic import BaseModel


                class Error(BaseModel):
                    code: int


                async def GET() -> Error:
                    return Error(code=1)
            """
        },
    )
    document = build_openapi(root)
    validate(document)

    schemas = document["components"]["schemas"]
    assert schemas["Error"]["properties"] == {"code": {"title": "Code", "type": "integer"}}
    assert schemas["approutes.Error"]["properties"] == {"error": {"type": "string"}}
    not_found = document["components"]["responses"]["NotFound"]
    assert not_found["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/approutes.Error"
    }


def test_models_sharing_a_name_in_two_route_files_stay_apart(tmp_path: Path) -> None:
    item = """
        from pydantic import BaseModel


        class Item(BaseModel):
            {field}: int


        async def POST(item: Item) -> Item:
            return item
    """
    root = make_project(
        tmp_path / "root-not-in-names",
        {
            "app/api/a/[id]/route.py": item.format(field="a"),
            "app/api/b/route.py": item.format(field="b"),
        },
    )
    document = build_openapi(root)
    validate(document)

    names = set(document["components"]["schemas"]) - {"Error", "InvalidInput"}
    assert len(names) == 2
    assert all(name.endswith("Item") and "root-not-in-names" not in name for name in names)
    refs = {
        document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"][
            "$ref"
        ]
        for path in ("/api/a/{id}", "/api/b")
    }
    assert refs == {f"#/components/schemas/{name}" for name in names}


def test_example_project_document_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "test.sqlite3"))
    document = build_openapi(EXAMPLE)

    validate(document)
    assert document["info"]["title"] == "basic"
    assert {"/api/hello", "/api/users", "/api/users/{id}", "/api/files/{path}"} <= set(
        document["paths"]
    )
    assert list(document["paths"]["/api/users/{id}"]) == ["get", "put", "delete"]


# --- the command ----------------------------------------------------------------------------


def test_cli_writes_the_document_and_says_so(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "openapi.json"
    result = subprocess.run(
        [str(APPROUTES_BIN), "openapi", str(project), "-o", str(output)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"Wrote OpenAPI 3.1.0: 9 paths, 15 operations -> {output}")
    written = json.loads(output.read_text(encoding="utf-8"))
    validate(written)
    assert "/api/users/{id}" in written["paths"]


def test_cli_prints_the_document_by_default(project: Path) -> None:
    result = subprocess.run(
        [str(APPROUTES_BIN), "openapi", str(project)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert json.loads(result.stdout)["openapi"] == "3.1.0"


def test_cli_stops_on_a_bad_project_with_the_configuration_error(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/x/route.py": "def get():\n    return None\n"})
    result = subprocess.run(
        [str(APPROUTES_BIN), "openapi", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert "miscased-method-export" in result.stderr
    assert "Traceback" not in result.stderr


# --- dev docs -------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_dev_serves_the_document(project: Path) -> None:
    async with client_for(project, dev=True) as client:
        response = await client.get("/_approutes/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == build_openapi(project)


@pytest.mark.anyio
async def test_dev_document_follows_a_reload(project: Path) -> None:
    app = create_app(project, dev=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        before = (await client.get("/_approutes/openapi.json")).json()
        make_project(project, {"app/api/new/route.py": "def GET():\n    return {}\n"})
        await reload_project(app, project.resolve())  # what saving a file does in `approutes dev`
        after = (await client.get("/_approutes/openapi.json")).json()

    assert "/api/new" not in before["paths"]
    assert "/api/new" in after["paths"]


@pytest.mark.anyio
async def test_dev_docs_page_loads_swagger_ui_from_approutes_only(project: Path) -> None:
    async with client_for(project, dev=True) as client:
        response = await client.get("/_approutes/docs")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert "swagger" in page.lower()
    assert "/_approutes/openapi.json" in page
    linked = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert linked
    assert all(url.startswith("/_approutes/docs/assets/") for url in linked), linked
    assert "http://" not in page
    assert "https://" not in page


@pytest.mark.anyio
async def test_dev_docs_assets_come_from_the_installed_package(project: Path) -> None:
    async with client_for(project, dev=True) as client:
        page = (await client.get("/_approutes/docs")).text
        linked = re.findall(r'(?:src|href)="([^"]*)"', page)
        answers = {url: await client.get(url) for url in linked}
        missing = await client.get("/_approutes/docs/assets/nope.js")
        outside = await client.get("/_approutes/docs/assets/..%2F..%2F__init__.py")

    script = answers["/_approutes/docs/assets/swagger-ui-bundle.js"]
    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert b"SwaggerUIBundle" in script.content
    assert all(answer.status_code == 200 for answer in answers.values())
    assert missing.status_code == 404
    assert outside.status_code == 404


@pytest.mark.anyio
async def test_dev_docs_page_runs_only_its_own_scripts_and_fetches_the_document_as_is(
    project: Path,
) -> None:
    async with client_for(project, dev=True) as client:
        page = await client.get("/_approutes/docs")
        scripts = re.findall(r'<script src="([^"]*)"></script>', page.text)
        initializer = await client.get(scripts[-1])

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in page.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert "<script>" not in page.text
    assert 'data-openapi="/_approutes/openapi.json"' in page.text
    assert initializer.headers["content-type"] == "text/javascript; charset=utf-8"
    assert b"root.dataset.openapi" in initializer.content
    assert b".openapi =" not in initializer.content  # the 3.1 document is not relabelled


def test_the_vendored_swagger_ui_is_version_5_with_its_licence() -> None:
    folder = Path(approutes.__file__).parent / "openapi" / "swagger_ui"

    version = (folder / "VERSION").read_text().strip()
    assert version.split(".")[0] == "5"
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert (folder / "NOTICE").is_file()


@pytest.mark.anyio
async def test_dev_docs_refuse_other_methods(project: Path) -> None:
    async with client_for(project, dev=True) as client:
        response = await client.post("/_approutes/openapi.json")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json() == {"error": "Method Not Allowed"}


@pytest.mark.anyio
async def test_dev_docs_leave_other_paths_to_the_project(project: Path) -> None:
    async with client_for(project, dev=True) as client:
        hello = await client.get("/api/hello")
        near = await client.get("/_approutes/docsx")

    assert hello.json() == {"message": "Hello World"}
    assert near.status_code == 404


@pytest.mark.anyio
async def test_dev_docs_follow_the_trailing_slash_setting(project: Path) -> None:
    make_project(project, {"approutes.toml": "trailing_slash = true\n"})
    async with client_for(project, dev=True) as client:
        document = await client.get("/_approutes/openapi.json", follow_redirects=True)
        page = await client.get("/_approutes/docs", follow_redirects=True)
        script = await client.get(
            "/_approutes/docs/assets/swagger-ui-bundle.js", follow_redirects=True
        )

    assert document.json()["openapi"] == "3.1.0"
    assert "swagger-ui-bundle.js" in page.text
    assert script.status_code == 200


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path", ["/_approutes/openapi.json", "/_approutes/docs", "/_approutes/docs/assets/index.css"]
)
async def test_docs_are_not_served_outside_dev(project: Path, path: str) -> None:
    async with client_for(project) as client:
        response = await client.get(path)

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


# --- the docs served by the settings (approutes start) -------------------------------------

SERVED = 'openapi_path = "/openapi.json"\ndocs_path = "/docs"\n'


@pytest.mark.anyio
async def test_the_settings_serve_the_document_and_the_page_outside_dev(project: Path) -> None:
    make_project(project, {"approutes.toml": SERVED})
    async with client_for(project) as client:
        document = await client.get("/openapi.json")
        page = await client.get("/docs")
        linked = re.findall(r'(?:src|href)="([^"]*)"', page.text)
        assets = [await client.get(url) for url in linked]
        dev_path = await client.get("/_approutes/openapi.json")

    assert document.status_code == 200
    assert document.headers["content-type"] == "application/json"
    assert document.json() == build_openapi(project)
    assert 'data-openapi="/openapi.json"' in page.text
    assert "content-security-policy" in page.headers
    assert linked
    assert all(url.startswith("/docs/assets/") for url in linked), linked
    assert [asset.status_code for asset in assets] == [200] * len(linked)
    assert dev_path.status_code == 404


@pytest.mark.anyio
async def test_openapi_path_alone_serves_the_document_and_no_page(project: Path) -> None:
    make_project(project, {"approutes.toml": 'openapi_path = "/api-spec.json"\n'})
    async with client_for(project) as client:
        document = await client.get("/api-spec.json")
        page = await client.get("/_approutes/docs")

    assert document.json()["openapi"] == "3.1.0"
    assert page.status_code == 404


@pytest.mark.anyio
async def test_docs_path_alone_serves_the_document_beside_the_page(project: Path) -> None:
    make_project(project, {"approutes.toml": 'docs_path = "/docs"\n'})
    async with client_for(project) as client:
        page = await client.get("/docs")
        document = await client.get("/docs/openapi.json")

    assert 'data-openapi="/docs/openapi.json"' in page.text
    assert document.json() == build_openapi(project)


@pytest.mark.anyio
async def test_dev_serves_the_docs_at_the_configured_paths(project: Path) -> None:
    make_project(project, {"approutes.toml": SERVED})
    async with client_for(project, dev=True) as client:
        document = await client.get("/openapi.json")
        page = await client.get("/docs")

    assert document.json() == build_openapi(project)
    assert 'data-openapi="/openapi.json"' in page.text


@pytest.mark.anyio
async def test_the_served_paths_include_the_base_path(project: Path) -> None:
    make_project(
        project,
        {"approutes.toml": 'base_path = "/v1"\nopenapi_path = "/v1/openapi.json"\n'},
    )
    async with client_for(project) as client:
        inside = await client.get("/v1/openapi.json")
        hello = await client.get("/v1/api/hello")

    assert inside.json()["openapi"] == "3.1.0"
    assert hello.json() == {"message": "Hello World"}


@pytest.mark.parametrize(
    ("setting", "route_file", "pattern"),
    [
        pytest.param(
            'openapi_path = "/api/hello"',
            "app/api/hello/route.py",
            "/api/hello",
            id="document-static",
        ),
        pytest.param(
            'docs_path = "/api/users"', "app/api/users/route.py", "/api/users", id="page-static"
        ),
        pytest.param(
            'docs_path = "/api/files"',
            "app/api/files/[...path]/route.py",
            "/api/files/[...path]",
            id="page-assets-catch-all",
        ),
    ],
)
def test_a_docs_path_a_route_also_serves_stops_start_up_naming_both(
    project: Path, setting: str, route_file: str, pattern: str
) -> None:
    toml = setting if setting.startswith("openapi_path") else f'openapi_path = "/o.json"\n{setting}'
    make_project(project, {"approutes.toml": toml + "\n"})

    with pytest.raises(SettingsError) as caught:
        create_app(project)

    error = caught.value
    assert error.code == "docs-path-conflict"
    assert error.files == (route_file,)
    assert setting.replace('"', "'") in error.problem
    assert pattern in error.problem


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        pytest.param(
            'openapi_path = "/docs/assets/o.json"\ndocs_path = "/docs"',
            "is served by docs_path",
            id="document-under-page",
        ),
        pytest.param('openapi_path = "/docs/"', "no trailing slash", id="trailing-slash"),
    ],
)
def test_bad_docs_settings_are_refused(project: Path, toml: str, problem: str) -> None:
    make_project(project, {"approutes.toml": toml + "\n"})

    with pytest.raises(SettingsError) as caught:
        create_app(project)

    assert caught.value.code == "bad-setting-value"
    assert problem in caught.value.problem


def test_the_docs_settings_come_from_the_environment(project: Path) -> None:
    settings = load_settings(
        project, {"APPROUTES_OPENAPI_PATH": "/openapi.json", "APPROUTES_DOCS_PATH": "/docs"}
    )

    assert (settings.openapi_path, settings.docs_path) == ("/openapi.json", "/docs")
    assert load_settings(project, {}).openapi_path is None


@pytest.mark.anyio
async def test_under_a_base_path_the_document_names_it_as_its_server(project: Path) -> None:
    make_project(
        project,
        {"approutes.toml": 'base_path = "/v1"\nopenapi_path = "/v1/openapi.json"\n'},
    )
    async with client_for(project) as client:
        document = (await client.get("/v1/openapi.json")).json()
        called = await client.get(document["servers"][0]["url"] + "/api/hello")
    printed = subprocess.run(
        [str(APPROUTES_BIN), "openapi", str(project)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert document["servers"] == [{"url": "/v1"}]
    assert "/api/hello" in document["paths"]
    assert called.json() == {"message": "Hello World"}
    assert json.loads(printed.stdout)["servers"] == [{"url": "/v1"}]
    assert "servers" not in build_openapi(EXAMPLE)
