"""CORS from the [cors] setting: preflights answered, responses marked, for listed origins only.

DESIGN §9a: nothing is allowed cross-origin unless listed.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import httpx

SETTINGS = "approutes.toml"
APP = "https://app.example.com"
OTHER = "https://evil.example.net"

HELLO = """
from approutes import NextResponse

async def GET():
    return NextResponse.json({"message": "Hello World"}, headers={"x-total": "3"})

async def POST():
    return NextResponse.json({"created": True}, status=201)
"""

UNAUTHORIZED = """
from approutes import NextResponse

async def GET():
    return NextResponse.json({"error": "Unauthorized"}, status=401)
"""

BOOM = """
async def GET():
    raise RuntimeError("boom")
"""

OWN_HEADERS = """
from approutes import Response

async def GET():
    return Response(
        "own",
        headers={"Vary": "Accept", "Access-Control-Allow-Origin": "https://own.example"},
    )
"""

ROUTES = {
    "app/api/hello/route.py": HELLO,
    "app/api/own/route.py": OWN_HEADERS,
    "app/api/private/route.py": UNAUTHORIZED,
    "app/api/boom/route.py": BOOM,
}

CORS = f"""
[cors]
allow_origins = ["{APP}"]
allow_headers = ["x-token"]
max_age = 300
"""

CORS_CREDENTIALS = f"""
[cors]
allow_origins = ["{APP}"]
allow_credentials = true
"""

BLOCKING_MIDDLEWARE = """
from approutes import NextResponse

def middleware(request):
    return NextResponse.json({"error": "Unauthorized"}, status=401)
"""

DEFAULT_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # create_app puts each project root first on sys.path; undo that after every test.
    monkeypatch.setattr(sys, "path", [*sys.path])


async def request(
    tmp_path: Path,
    settings: str,
    method: str,
    path: str,
    headers: Mapping[str, str] | None = None,
    *,
    middleware: str | None = None,
) -> httpx.Response:
    """Build the project with `settings` and answer one request."""
    files = {**ROUTES, SETTINGS: settings}
    if middleware is not None:
        files["middleware.py"] = middleware
    root = make_project(tmp_path, files)
    async with client_for(root) as client:
        return await client.request(method, path, headers=headers)


def preflight_headers(
    origin: str = APP, method: str = "POST", asked: str | None = None
) -> dict[str, str]:
    """What a browser sends before a cross-origin request it may not send unasked."""
    headers = {"origin": origin, "access-control-request-method": method}
    if asked is not None:
        headers["access-control-request-headers"] = asked
    return headers


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


def vary(response: httpx.Response) -> list[str]:
    """Every Vary token, over all Vary lines."""
    return [
        token.strip()
        for line in response.headers.get_list("vary")
        for token in line.split(",")
        if token.strip()
    ]


# --- without [cors] ---------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    "settings",
    [
        pytest.param("", id="no-settings"),
        pytest.param(
            '[[headers]]\nsource = "/api/:path*"\nheaders = [{ key = "x-a", value = "1" }]\n',
            id="other-front-stages",
        ),
    ],
)
async def test_without_cors_a_preflight_is_the_route_automatic_options(
    tmp_path: Path, settings: str
) -> None:
    response = await request(
        tmp_path, settings, "OPTIONS", "/api/hello", preflight_headers(asked="x-token")
    )

    assert response.status_code == 204
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {
        "GET",
        "HEAD",
        "OPTIONS",
        "POST",
    }
    assert cors_headers(response) == {}
    assert "Origin" not in vary(response)


@pytest.mark.anyio
async def test_without_cors_a_cross_origin_get_gets_no_cors_headers(tmp_path: Path) -> None:
    response = await request(tmp_path, "", "GET", "/api/hello", {"origin": APP})

    assert response.status_code == 200
    assert cors_headers(response) == {}
    assert "Origin" not in vary(response)


# --- preflights -------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_preflight_from_a_listed_origin_is_answered_204(tmp_path: Path) -> None:
    response = await request(
        tmp_path,
        CORS,
        "OPTIONS",
        "/api/hello",
        preflight_headers(asked="X-Token, Content-Type"),
    )

    assert response.status_code == 204
    assert response.content == b""
    assert cors_headers(response) == {
        "access-control-allow-origin": APP,
        "access-control-allow-methods": DEFAULT_METHODS,
        "access-control-allow-headers": "x-token, content-type",
        "access-control-max-age": "300",
    }
    assert "allow" not in response.headers


@pytest.mark.anyio
async def test_a_preflight_answer_varies_on_origin_once(tmp_path: Path) -> None:
    response = await request(tmp_path, CORS, "OPTIONS", "/api/hello", preflight_headers())

    assert response.status_code == 204
    assert vary(response) == ["Origin"]


@pytest.mark.anyio
async def test_a_preflight_lists_allowed_headers_only_when_asked(tmp_path: Path) -> None:
    response = await request(tmp_path, CORS, "OPTIONS", "/api/hello", preflight_headers())

    assert response.status_code == 204
    assert "access-control-allow-headers" not in response.headers
    assert response.headers["access-control-allow-origin"] == APP


@pytest.mark.anyio
async def test_the_default_max_age_is_600_seconds(tmp_path: Path) -> None:
    response = await request(
        tmp_path, CORS_CREDENTIALS, "OPTIONS", "/api/hello", preflight_headers()
    )

    assert response.headers["access-control-max-age"] == "600"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("settings", "credentials"),
    [
        pytest.param(CORS, None, id="not-allowed"),
        pytest.param(CORS_CREDENTIALS, "true", id="allowed"),
    ],
)
async def test_a_preflight_allows_credentials_only_when_the_setting_does(
    tmp_path: Path, settings: str, credentials: str | None
) -> None:
    response = await request(tmp_path, settings, "OPTIONS", "/api/hello", preflight_headers())

    assert response.status_code == 204
    assert response.headers.get("access-control-allow-credentials") == credentials


@pytest.mark.anyio
async def test_a_preflight_from_an_unlisted_origin_is_not_answered_as_cors(
    tmp_path: Path,
) -> None:
    response = await request(
        tmp_path, CORS, "OPTIONS", "/api/hello", preflight_headers(origin=OTHER)
    )

    # The route's automatic OPTIONS answers it, and nothing allows the other origin.
    assert response.status_code == 204
    assert "allow" in response.headers
    assert cors_headers(response) == {}


@pytest.mark.anyio
async def test_a_preflight_asking_for_a_method_not_allowed_is_not_answered_as_cors(
    tmp_path: Path,
) -> None:
    settings = f'[cors]\nallow_origins = ["{APP}"]\nallow_methods = ["get", "POST"]\n'
    root = make_project(tmp_path, {**ROUTES, SETTINGS: settings})
    async with client_for(root) as client:
        refused = await client.options("/api/hello", headers=preflight_headers(method="DELETE"))
        allowed = await client.options("/api/hello", headers=preflight_headers(method="GET"))

    assert refused.status_code == 204
    assert "allow" in refused.headers  # the route's automatic OPTIONS
    assert cors_headers(refused) == {}
    assert allowed.headers["access-control-allow-methods"] == "GET, POST"


@pytest.mark.anyio
async def test_a_preflight_asking_for_a_header_not_allowed_is_not_answered_as_cors(
    tmp_path: Path,
) -> None:
    response = await request(
        tmp_path, CORS, "OPTIONS", "/api/hello", preflight_headers(asked="x-token, x-secret")
    )

    assert response.status_code == 204
    assert "allow" in response.headers
    assert cors_headers(response) == {}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "asked", ["content-type", "Accept", "accept-language", "content-language, content-type"]
)
async def test_safelisted_request_headers_are_always_allowed(tmp_path: Path, asked: str) -> None:
    response = await request(
        tmp_path, CORS_CREDENTIALS, "OPTIONS", "/api/hello", preflight_headers(asked=asked)
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-headers"] == asked.lower()


@pytest.mark.anyio
async def test_allow_headers_star_allows_any_header(tmp_path: Path) -> None:
    settings = f'[cors]\nallow_origins = ["{APP}"]\nallow_headers = ["*"]\n'
    response = await request(
        tmp_path,
        settings,
        "OPTIONS",
        "/api/hello",
        preflight_headers(asked="x-anything, authorization"),
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-headers"] == "x-anything, authorization"


@pytest.mark.anyio
async def test_a_preflight_is_answered_before_middleware_and_routing(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**ROUTES, SETTINGS: CORS, "middleware.py": BLOCKING_MIDDLEWARE})
    async with client_for(root) as client:
        routed = await client.options("/api/hello", headers=preflight_headers())
        unrouted = await client.options("/api/nowhere", headers=preflight_headers())

    for response in (routed, unrouted):
        assert response.status_code == 204
        assert response.headers["access-control-allow-origin"] == APP


@pytest.mark.anyio
async def test_a_plain_options_request_without_cors_headers_goes_to_the_route(
    tmp_path: Path,
) -> None:
    response = await request(tmp_path, CORS, "OPTIONS", "/api/hello", {"origin": APP})

    assert response.status_code == 204
    assert "allow" in response.headers
    assert "access-control-allow-methods" not in response.headers


# --- actual requests --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_get_from_a_listed_origin_is_marked_readable(tmp_path: Path) -> None:
    response = await request(tmp_path, CORS, "GET", "/api/hello", {"origin": APP})

    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}
    assert response.headers["access-control-allow-origin"] == APP
    assert "access-control-allow-credentials" not in response.headers
    assert "access-control-allow-methods" not in response.headers
    assert vary(response) == ["Origin"]


@pytest.mark.anyio
async def test_a_post_from_a_listed_origin_with_credentials_allowed(tmp_path: Path) -> None:
    response = await request(
        tmp_path, CORS_CREDENTIALS, "POST", "/api/hello", {"origin": APP, "cookie": "s=1"}
    )

    assert response.status_code == 201
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-credentials"] == "true"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "headers", [pytest.param({"origin": OTHER}, id="unlisted"), pytest.param({}, id="no-origin")]
)
async def test_a_get_from_an_unlisted_or_no_origin_is_not_marked_but_varies(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    response = await request(tmp_path, CORS, "GET", "/api/hello", headers)

    assert response.status_code == 200
    assert cors_headers(response) == {}
    assert vary(response) == ["Origin"]


@pytest.mark.anyio
async def test_any_origin_without_credentials_is_answered_with_a_star(tmp_path: Path) -> None:
    settings = '[cors]\nallow_origins = ["*"]\n'
    root = make_project(tmp_path, {**ROUTES, SETTINGS: settings})
    async with client_for(root) as client:
        simple = await client.get("/api/hello", headers={"origin": OTHER})
        preflight = await client.options("/api/hello", headers=preflight_headers(origin=OTHER))

    assert simple.headers["access-control-allow-origin"] == "*"
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in preflight.headers


@pytest.mark.anyio
async def test_expose_headers_are_listed_on_responses(tmp_path: Path) -> None:
    settings = f'[cors]\nallow_origins = ["{APP}"]\nexpose_headers = ["X-Total", "x-page"]\n'
    root = make_project(tmp_path, {**ROUTES, SETTINGS: settings})
    async with client_for(root) as client:
        listed = await client.get("/api/hello", headers={"origin": APP})
        unlisted = await client.get("/api/hello", headers={"origin": OTHER})

    assert listed.headers["access-control-expose-headers"] == "x-total, x-page"
    assert listed.headers["x-total"] == "3"
    assert "access-control-expose-headers" not in unlisted.headers


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/api/nowhere", 404, id="404"),
        pytest.param("/api/private", 401, id="401"),
        pytest.param("/api/boom", 500, id="500"),
    ],
)
async def test_error_responses_carry_cors_headers_for_a_listed_origin(
    tmp_path: Path, path: str, status: int
) -> None:
    response = await request(tmp_path, CORS_CREDENTIALS, "GET", path, {"origin": APP})

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in vary(response)


@pytest.mark.anyio
async def test_a_405_carries_cors_headers_for_a_listed_origin(tmp_path: Path) -> None:
    response = await request(tmp_path, CORS, "DELETE", "/api/hello", {"origin": APP})

    assert response.status_code == 405
    assert response.headers["access-control-allow-origin"] == APP


@pytest.mark.anyio
async def test_a_middleware_401_carries_cors_headers_for_a_listed_origin(
    tmp_path: Path,
) -> None:
    response = await request(
        tmp_path,
        CORS_CREDENTIALS,
        "GET",
        "/api/hello",
        {"origin": APP},
        middleware=BLOCKING_MIDDLEWARE,
    )

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert vary(response) == ["Origin"]


@pytest.mark.anyio
async def test_a_listed_origin_written_with_a_trailing_slash_still_matches(
    tmp_path: Path,
) -> None:
    settings = f'[cors]\nallow_origins = ["{APP}/"]\n'
    response = await request(tmp_path, settings, "GET", "/api/hello", {"origin": APP})

    assert response.headers["access-control-allow-origin"] == APP


@pytest.mark.anyio
async def test_the_route_own_vary_is_kept_and_origin_added_on_its_own_line(
    tmp_path: Path,
) -> None:
    response = await request(tmp_path, CORS, "GET", "/api/own", {"origin": APP})

    assert response.headers.get_list("vary") == ["Accept", "Origin"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        pytest.param(APP, APP, id="listed-origin-replaces-it"),
        pytest.param(OTHER, "https://own.example", id="unlisted-origin-keeps-it"),
    ],
)
async def test_the_route_own_allow_origin_gives_way_to_a_listed_origin_only(
    tmp_path: Path, origin: str, allowed: str
) -> None:
    response = await request(tmp_path, CORS, "GET", "/api/own", {"origin": origin})

    assert response.headers.get_list("access-control-allow-origin") == [allowed]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("settings", "allowed"),
    [
        pytest.param(CORS, None, id="listed-origins"),
        pytest.param('[cors]\nallow_origins = ["*"]\n', "*", id="any-origin"),
    ],
)
async def test_two_origin_headers_are_one_origin_no_list_holds(
    tmp_path: Path, settings: str, allowed: str | None
) -> None:
    root = make_project(tmp_path, {**ROUTES, SETTINGS: settings})
    async with client_for(root) as client:
        response = await client.get("/api/hello", headers=[("origin", APP), ("origin", APP)])

    assert response.status_code == 200
    assert response.headers.get("access-control-allow-origin") == allowed
    assert vary(response) == ["Origin"]


@pytest.mark.anyio
async def test_each_listed_origin_is_answered_with_its_own_name(tmp_path: Path) -> None:
    settings = f'[cors]\nallow_origins = ["{APP}", "https://b.example"]\nallow_credentials = true\n'
    root = make_project(tmp_path, {**ROUTES, SETTINGS: settings})
    async with client_for(root) as client:
        answers = [
            await client.get("/api/hello", headers={"origin": origin})
            for origin in (APP, "https://b.example", APP)
        ]

    assert [a.headers["access-control-allow-origin"] for a in answers] == [
        APP,
        "https://b.example",
        APP,
    ]
    assert all(a.headers["access-control-allow-credentials"] == "true" for a in answers)


# --- the trailing-slash 308 goes through the same front half ---------------------------------

SLASH_RULES = f"""
{CORS}
[[headers]]
source = "/api/:path*"
headers = [{{ key = "X-Frame-Options", value = "DENY" }}]
"""


@pytest.mark.anyio
async def test_a_preflight_to_a_slash_path_is_answered_not_redirected(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**ROUTES, SETTINGS: SLASH_RULES})
    preflight = {"origin": APP, "access-control-request-method": "POST"}

    async with client_for(root) as client:
        slash = await client.options("/api/hello/", headers=preflight)
        canonical = await client.options("/api/hello", headers=preflight)

    assert slash.status_code == 204
    assert slash.headers["access-control-allow-origin"] == APP
    assert "location" not in slash.headers
    assert dict(slash.headers) == dict(canonical.headers)


@pytest.mark.anyio
async def test_the_trailing_slash_redirect_carries_cors_and_rule_headers(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**ROUTES, SETTINGS: SLASH_RULES})

    async with client_for(root) as client:
        moved = await client.get("/api/hello/?x=1", headers={"origin": APP})

    assert moved.status_code == 308
    assert moved.headers["location"] == "/api/hello?x=1"
    assert moved.headers["access-control-allow-origin"] == APP
    assert "Origin" in moved.headers["vary"]
    assert moved.headers["x-frame-options"] == "DENY"


@pytest.mark.anyio
async def test_the_trailing_slash_redirect_is_in_the_dev_request_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(tmp_path, ROUTES)

    with caplog.at_level("INFO", logger="approutes.access"):
        async with client_for(root, dev=True) as client:
            await client.get("/api/hello/")

    assert any("GET /api/hello/ 308" in record.getMessage() for record in caplog.records)
