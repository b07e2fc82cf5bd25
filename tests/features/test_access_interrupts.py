"""forbidden() and unauthorized() from approutes.navigation: 403 and 401, cookies dropped.

Next's `forbidden()` / `unauthorized()` (docs/01-app/03-api-reference/04-functions/forbidden.mdx
and unauthorized.mdx) end a route with 403 / 401 and, like `notFound()`, discard the
cookies the route set. approutes answers JSON, as for every error, and gives the 401 the
`WWW-Authenticate` challenge HTTP requires (RFC 9110 §11.6.1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

if TYPE_CHECKING:
    from pathlib import Path

ROUTE = """
from approutes.headers import cookies
from approutes.navigation import forbidden, unauthorized

{kind}def GET(request):
    cookies().set("seen", "yes")
    who = request.search_params.get("who")
    if who is None:
        unauthorized()
    if who == "basic":
        unauthorized('Basic realm="admin"')
    if who == "broken":
        unauthorized("Bearer\\r\\nx-injected: 1")
    if who != "admin":
        forbidden()
    return {{"ok": True}}
"""

PAGES_ROUTE = """
from approutes.navigation import forbidden, unauthorized

def handler(req, res):
    if req.query.get("who") is None:
        unauthorized()
    forbidden()
"""

PROXY = """
from approutes.navigation import forbidden

config = {"matcher": ["/api/locked"]}

def proxy(request):
    forbidden()
"""


@pytest.fixture
def project(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    kind = request.param if hasattr(request, "param") else "async "
    return make_project(
        tmp_path,
        {
            "app/api/admin/route.py": ROUTE.format(kind=kind),
            "app/api/locked/route.py": "def GET():\n    return {'reached': True}\n",
            "pages/api/legacy.py": PAGES_ROUTE,
            "proxy.py": PROXY,
        },
    )


@pytest.mark.anyio
@pytest.mark.parametrize("project", ["async ", ""], ids=["async", "sync"], indirect=True)
async def test_forbidden_answers_403_json_and_drops_the_cookies_set(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/admin", params={"who": "guest"})
        allowed = await client.get("/api/admin", params={"who": "admin"})

    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden"}
    assert "set-cookie" not in response.headers
    assert "www-authenticate" not in response.headers
    assert allowed.json() == {"ok": True}
    assert allowed.headers["set-cookie"].startswith("seen=yes")


@pytest.mark.anyio
@pytest.mark.parametrize("project", ["async ", ""], ids=["async", "sync"], indirect=True)
async def test_unauthorized_answers_401_json_with_a_bearer_challenge(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/admin")

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}
    assert response.headers["www-authenticate"] == "Bearer"
    assert "set-cookie" not in response.headers


@pytest.mark.anyio
async def test_unauthorized_sends_the_challenge_given(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/admin", params={"who": "basic"})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="admin"'


@pytest.mark.anyio
async def test_a_challenge_with_a_line_break_is_the_handlers_error_never_a_header(
    project: Path,
) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/admin", params={"who": "broken"})

    assert response.status_code == 500
    assert "x-injected" not in response.headers
    assert "www-authenticate" not in response.headers


@pytest.mark.anyio
async def test_forbidden_in_proxy_py_answers_before_the_route(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/locked")

    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden"}


@pytest.mark.anyio
async def test_both_work_in_a_pages_router_handler(project: Path) -> None:
    async with client_for(project) as client:
        anonymous = await client.get("/api/legacy")
        known = await client.get("/api/legacy", params={"who": "ada"})

    assert (anonymous.status_code, anonymous.headers["www-authenticate"]) == (401, "Bearer")
    assert (known.status_code, known.json()) == (403, {"error": "Forbidden"})
