"""Dependencies (`Use(fn)`): resolved before the handler, once a request, in order; clean-up."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pytest
from openapi_spec_validator import validate
from tests.conftest import client_for, make_project

from approutes import create_app
from approutes.errors import ConfigurationError
from approutes.openapi import openapi_document
from approutes.route_loading import load_routes

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.usefixtures("fresh_lib")

SECRET = "test-only-secret-3Jq8vV0m2kXo9LrT5yWb7Nc1Hd4Fg6Sa8Pe0Ui2Oz4Lx6Kq"  # noqa: S105

LIB = {
    "lib/__init__.py": "",
    # What happened, in order: the test reads it after the requests.
    "lib/events.py": "EVENTS: list[str] = []\n",
    "lib/auth.py": f"""
        from approutes.auth import Auth

        auth = Auth(secret={SECRET!r})
    """,
}

ROUTE = "app/api/x/route.py"


def events() -> list[str]:
    """The project's `lib.events.EVENTS` (imported from the project root create_app put first)."""
    found: list[str] = importlib.import_module("lib.events").EVENTS
    return found


async def get(root: Path, path: str = "/api/x", **kwargs: Any) -> tuple[int, Any]:
    async with client_for(root) as client:
        response = await client.get(path, **kwargs)
    return response.status_code, response.json()


# --- kinds of dependency --------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("dependency", "cleans_up"),
    [
        pytest.param(
            "def token(request):\n    return request.headers.get('x-token')", False, id="def"
        ),
        pytest.param(
            "async def token(request):\n    return request.headers.get('x-token')",
            False,
            id="async-def",
        ),
        pytest.param(
            "def token(request):\n    yield request.headers.get('x-token')\n"
            "    EVENTS.append('clean-up')",
            True,
            id="generator",
        ),
        pytest.param(
            "async def token(request):\n    yield request.headers.get('x-token')\n"
            "    EVENTS.append('clean-up')",
            True,
            id="async-generator",
        ),
    ],
)
async def test_each_kind_of_dependency_gives_the_handler_its_value(
    tmp_path: Path, dependency: str, cleans_up: bool
) -> None:
    source = f"""
from typing import Annotated

from approutes import Use
from lib.events import EVENTS

{dependency}

async def GET(token: Annotated[str, Use(token)]):
    EVENTS.append("handler")
    return {{"token": token}}
"""
    root = make_project(tmp_path, {**LIB, ROUTE: source})

    status, body = await get(root, headers={"x-token": "abc"})

    assert (status, body) == (200, {"token": "abc"})
    assert events() == (["handler", "clean-up"] if cleans_up else ["handler"])


@pytest.mark.anyio
async def test_a_sync_handler_takes_dependencies_too(tmp_path: Path) -> None:
    source = """
        from typing import Annotated

        from approutes import Use

        async def user() -> str:
            return "ada"

        def GET(user: Annotated[str, Use(user)]):
            return {"user": user}
    """
    root = make_project(tmp_path, {**LIB, ROUTE: source})

    assert await get(root) == (200, {"user": "ada"})


# --- what a dependency takes, and in what order ---------------------------------------------

NESTED = """
    from typing import Annotated

    from approutes import Header, NextRequest, Query, Use
    from lib.events import EVENTS

    async def database():
        EVENTS.append("database")
        return "db"

    def tenant(
        id: int,
        region: Annotated[str, Query()] = "eu",
        x_tenant: Annotated[str, Header()] = "acme",
    ) -> str:
        EVENTS.append("tenant")
        return f"{x_tenant}/{region}/{id}"

    async def user(request: NextRequest, db: Annotated[str, Use(database)]) -> str:
        EVENTS.append("user")
        return f"{request.headers.get('x-user')}@{db}"

    async def audit(
        who: Annotated[str, Use(user)],
        db: Annotated[str, Use(database)],
        where: Annotated[str, Use(tenant)],
    ) -> str:
        EVENTS.append("audit")
        return f"{who} in {where} via {db}"

    async def GET(
        line: Annotated[str, Use(audit)],
        who: Annotated[str, Use(user)],
        db: Annotated[str, Use(database)],
    ):
        EVENTS.append("handler")
        return {"line": line, "who": who, "db": db}
"""


@pytest.mark.anyio
async def test_nested_dependencies_resolve_in_order_each_once_a_request(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**LIB, "app/api/t/[id]/route.py": NESTED})
    async with client_for(root) as client:
        first = await client.get("/api/t/7?region=us", headers={"x-user": "ada", "x-tenant": "io"})
        second = await client.get("/api/t/8", headers={"x-user": "bob"})

    assert first.json() == {"line": "ada@db in io/us/7 via db", "who": "ada@db", "db": "db"}
    assert second.json() == {"line": "bob@db in acme/eu/8 via db", "who": "bob@db", "db": "db"}
    # Each dependency after those it takes, once per request, however many take it.
    once = ["database", "user", "tenant", "audit", "handler"]
    assert events() == once + once


@pytest.mark.anyio
async def test_a_dependency_parameter_that_does_not_fit_is_a_400(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**LIB, "app/api/t/[id]/route.py": NESTED})

    status, body = await get(root, "/api/t/seven")

    assert status == 400
    assert body["error"] == "Invalid input"
    assert [issue["path"] for issue in body["issues"]] == [["id"]]
    # Those before the one that reads `id` ran; the handler did not.
    assert events() == ["database", "user"]


# --- early exit -----------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("ending", "status", "body"),
    [
        pytest.param(
            'return NextResponse.json({"error": "No admin"}, status=403)',
            403,
            {"error": "No admin"},
            id="response",
        ),
        pytest.param('raise HTTPError(409, "Taken")', 409, {"error": "Taken"}, id="http-error"),
        pytest.param("unauthorized()", 401, {"error": "Unauthorized"}, id="unauthorized"),
        pytest.param('redirect("/login")', 307, None, id="redirect"),
    ],
)
async def test_a_dependency_ends_the_request_before_the_handler(
    tmp_path: Path, ending: str, status: int, body: Any
) -> None:
    source = f"""
from typing import Annotated

from approutes import HTTPError, NextResponse, Use
from approutes.navigation import redirect, unauthorized
from lib.events import EVENTS

async def first():
    yield "opened"
    EVENTS.append("first closed")

async def admin(opened: Annotated[str, Use(first)]) -> str:
    {ending}

async def GET(opened: Annotated[str, Use(first)], admin: Annotated[str, Use(admin)]):
    EVENTS.append("handler")
    return {{"admin": admin}}
"""
    root = make_project(tmp_path, {**LIB, ROUTE: source})
    async with client_for(root) as client:
        response = await client.get("/api/x")

    assert response.status_code == status
    if body is not None:
        assert response.json() == body
    # The handler never ran; the generator opened before the exit was still closed.
    assert events() == ["first closed"]


# --- clean-up after the response ------------------------------------------------------------

CLEAN_UP = """
    from typing import Annotated

    from approutes import Use
    from approutes.server import after
    from lib.events import EVENTS

    def connection():
        EVENTS.append("connect")
        yield "conn"
        EVENTS.append("disconnect")

    async def transaction(conn: Annotated[str, Use(connection)]):
        EVENTS.append("begin")
        yield f"tx on {conn}"
        EVENTS.append("commit")

    async def GET(tx: Annotated[str, Use(transaction)]):
        EVENTS.append("handler")
        after(lambda: EVENTS.append("after()"))
        return {"tx": tx}

    async def POST(tx: Annotated[str, Use(transaction)]):
        EVENTS.append("handler")
        raise RuntimeError("boom")
"""


async def _call(app: Any, method: str) -> None:
    """One request straight through the ASGI app; what is sent is recorded in EVENTS."""
    recorded = events()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            recorded.append(f"sent {message['status']}")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/api/x",
        "raw_path": b"/api/x",
        "query_string": b"",
        "headers": [(b"host", b"localhost:3000")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 3000),
    }
    await app(scope, receive, send)


@pytest.mark.anyio
async def test_clean_up_runs_after_the_response_is_sent_last_opened_first(tmp_path: Path) -> None:
    app = create_app(make_project(tmp_path, {**LIB, ROUTE: CLEAN_UP}))

    await _call(app, "GET")

    assert events() == [
        "connect",
        "begin",
        "handler",
        "sent 200",
        "commit",
        "disconnect",
        "after()",
    ]


@pytest.mark.anyio
async def test_clean_up_runs_when_the_handler_raises(tmp_path: Path) -> None:
    app = create_app(make_project(tmp_path, {**LIB, ROUTE: CLEAN_UP}))

    await _call(app, "POST")

    assert events() == ["connect", "begin", "handler", "sent 500", "commit", "disconnect"]


@pytest.mark.anyio
async def test_a_clean_up_that_raises_is_logged_and_the_others_still_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = """
        from typing import Annotated

        from approutes import Use
        from lib.events import EVENTS

        def outer():
            yield 1
            EVENTS.append("outer closed")

        def inner(o: Annotated[int, Use(outer)]):
            yield 2
            raise ValueError("clean-up went wrong")

        async def GET(i: Annotated[int, Use(inner)]):
            return {"i": i}
    """
    root = make_project(tmp_path, {**LIB, ROUTE: source})

    assert await get(root) == (200, {"i": 2})
    assert events() == ["outer closed"]
    assert "clean-up went wrong" in caplog.text


# --- the auth dependencies ------------------------------------------------------------------

AUTH_ROUTE = """
    from typing import Annotated

    from approutes import Use
    from approutes.auth import Session
    from lib.auth import auth

    async def GET(session: Annotated[Session, Use(auth.required)]):
        \"\"\"Who is signed in.\"\"\"
        return {"user": session.user, "role": session.claims.get("role")}
"""

OPTIONAL_ROUTE = """
    from typing import Annotated

    from approutes import Use
    from approutes.auth import Session
    from lib.auth import auth

    async def GET(session: Annotated[Session | None, Use(auth.optional)]):
        return {"user": session.user if session else None}
"""


def _token(root: Path, user: str, **claims: Any) -> str:
    create_app(root)  # puts the project root on sys.path
    auth = importlib.import_module("lib.auth").auth
    token: str = auth.token(user, **claims)
    return token


@pytest.fixture
def auth_project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path,
        {**LIB, "app/api/me/route.py": AUTH_ROUTE, "app/api/maybe/route.py": OPTIONAL_ROUTE},
    )


@pytest.mark.anyio
async def test_auth_required_answers_401_without_a_session(auth_project: Path) -> None:
    async with client_for(auth_project) as client:
        response = await client.get("/api/me")

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.anyio
async def test_auth_required_gives_the_session_of_a_bearer_token(auth_project: Path) -> None:
    token = _token(auth_project, "user_1", role="admin")
    async with client_for(auth_project) as client:
        response = await client.get("/api/me", headers={"authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json() == {"user": "user_1", "role": "admin"}


@pytest.mark.anyio
async def test_auth_required_gives_the_session_of_the_cookie(auth_project: Path) -> None:
    token = _token(auth_project, "user_2")
    async with client_for(auth_project) as client:
        response = await client.get("/api/me", headers={"cookie": f"session={token}"})

    assert response.status_code == 200
    assert response.json() == {"user": "user_2", "role": None}


@pytest.mark.anyio
async def test_auth_required_refuses_a_bad_token(auth_project: Path) -> None:
    token = _token(auth_project, "user_1")
    async with client_for(auth_project) as client:
        response = await client.get("/api/me", headers={"authorization": f"Bearer {token}x"})

    assert response.status_code == 401


@pytest.mark.anyio
async def test_auth_optional_gives_none_or_the_session(auth_project: Path) -> None:
    token = _token(auth_project, "user_1")
    async with client_for(auth_project) as client:
        anonymous = await client.get("/api/maybe")
        signed_in = await client.get("/api/maybe", headers={"cookie": f"session={token}"})

    assert (anonymous.status_code, anonymous.json()) == (200, {"user": None})
    assert (signed_in.status_code, signed_in.json()) == (200, {"user": "user_1"})


def _document(root: Path) -> dict[str, Any]:
    table, modules = load_routes(root.resolve())
    return openapi_document(table, modules, title="deps")


def test_a_route_behind_auth_required_has_its_security_and_401_in_the_document(
    auth_project: Path,
) -> None:
    document = _document(auth_project)

    validate(document)
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["cookieAuth"]["type"] == "apiKey"
    assert schemes["cookieAuth"]["in"] == "cookie"
    assert schemes["cookieAuth"]["name"] == "session"
    me = document["paths"]["/api/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    assert me["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}
    unauthorized = document["components"]["responses"]["Unauthorized"]
    assert "WWW-Authenticate" in unauthorized["headers"]
    maybe = document["paths"]["/api/maybe"]["get"]
    assert maybe["security"] == [{"bearerAuth": []}, {"cookieAuth": []}, {}]
    assert "401" not in maybe["responses"]


def test_auth_reached_through_another_dependency_is_in_the_document(tmp_path: Path) -> None:
    source = """
        from typing import Annotated

        from approutes import Use
        from approutes.auth import Session
        from lib.auth import auth

        async def admin(session: Annotated[Session, Use(auth.required)]) -> str:
            return session.user

        async def DELETE(admin: Annotated[str, Use(admin)]):
            return {"deleted_by": admin}
    """
    document = _document(make_project(tmp_path, {**LIB, ROUTE: source}))

    validate(document)
    operation = document["paths"]["/api/x"]["delete"]
    assert operation["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    assert "401" in operation["responses"]


def test_the_parameters_a_dependency_reads_are_in_the_document(tmp_path: Path) -> None:
    document = _document(make_project(tmp_path, {**LIB, "app/api/t/[id]/route.py": NESTED}))

    validate(document)
    parameters = document["paths"]["/api/t/{id}"]["get"]["parameters"]
    assert [(p["name"], p["in"], p["schema"].get("type")) for p in parameters] == [
        ("id", "path", "integer"),
        ("region", "query", "string"),
        ("x-tenant", "header", "string"),
    ]


def test_a_document_without_auth_has_no_security_schemes(tmp_path: Path) -> None:
    source = """
        from typing import Annotated

        from approutes import Use

        async def user() -> str:
            return "ada"

        async def GET(user: Annotated[str, Use(user)]):
            return {"user": user}
    """
    document = _document(make_project(tmp_path, {**LIB, ROUTE: source}))

    assert "securitySchemes" not in document["components"]
    assert "security" not in document["paths"]["/api/x"]["get"]


# --- refused at load ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            """
            from __future__ import annotations

            from typing import Annotated

            from approutes import Use

            def ping(value: Annotated[str, Use(pong)]) -> str:
                return value

            def pong(value: Annotated[str, Use(ping)]) -> str:
                return value

            async def GET(value: Annotated[str, Use(ping)]):
                return {"value": value}
            """,
            "the dependencies form a cycle: ping -> pong -> ping",
            id="cycle",
        ),
        pytest.param(
            """
            from typing import Annotated

            from approutes import Use

            async def user(mystery) -> str:
                return "ada"

            async def GET(user: Annotated[str, Use(user)]):
                return {"user": user}
            """,
            "dependency user: cannot tell where the parameter 'mystery' comes from",
            id="unknown-source",
        ),
        pytest.param(
            """
            from typing import Annotated

            from approutes import Use

            async def user(count: int) -> str:
                return "ada"

            async def GET(user: Annotated[str, Use(user)]):
                return {"user": user}
            """,
            "dependency user: cannot tell where its parameter 'count' comes from",
            id="body-in-dependency",
        ),
        pytest.param(
            """
            from typing import Annotated

            from approutes import Use

            async def GET(user: Annotated[str, Use("user")]):
                return {"user": user}
            """,
            "Use() takes a function, got str 'user'",
            id="not-callable",
        ),
    ],
)
def test_a_bad_dependency_stops_loading_naming_file_handler_and_dependency(
    tmp_path: Path, source: str, expected: str
) -> None:
    root = make_project(tmp_path, {**LIB, ROUTE: source})

    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    rendered = caught.value.render()
    assert ROUTE in rendered
    assert "GET(" in rendered
    assert expected in rendered
