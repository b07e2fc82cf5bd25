"""Settings rules through the app: [[redirects]], [[rewrites]], [[headers]] and base_path.

Same meaning as in next.config.js (DESIGN §10): redirects before middleware, rewrites after
it and after static routes, headers on every response of a matching path.
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

HELLO = """
from approutes import NextResponse

async def GET():
    return NextResponse.json({"message": "Hello World"})
"""

POST_ROUTE = """
async def GET(request, context):
    return {"id": context.params["id"], "search": request.next_url.search}
"""

WHERE = """
async def GET(request):
    return {
        "base_path": request.next_url.base_path,
        "pathname": request.next_url.pathname,
        "url": request.url,
        "href": request.next_url.href,
    }
"""

BOOM = """
async def GET():
    raise RuntimeError("boom")
"""

OWN_HEADER = """
from approutes import NextResponse

async def GET():
    return NextResponse.json({"own": True}, headers={"x-frame-options": "SAMEORIGIN"})
"""

UNAUTHORIZED = """
from approutes import NextResponse

async def GET():
    return NextResponse.json({"error": "Unauthorized"}, status=401)
"""

ROUTES = {
    "app/api/hello/route.py": HELLO,
    "app/api/posts/[id]/route.py": POST_ROUTE,
    "app/api/where/route.py": WHERE,
    "app/api/boom/route.py": BOOM,
    "app/api/own/route.py": OWN_HEADER,
    "app/api/private/route.py": UNAUTHORIZED,
}

# Refuses every request it runs for: shows what runs before it.
BLOCKING_MIDDLEWARE = """
from approutes import NextResponse

def middleware(request):
    return NextResponse.json({"error": "blocked by middleware"}, status=401)
"""

# Tells the client which path it saw.
PATH_MIDDLEWARE = """
from approutes import NextResponse

def middleware(request):
    return NextResponse.next(headers={"x-mw-path": request.next_url.pathname})
"""


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # create_app puts each project root first on sys.path; undo that after every test.
    monkeypatch.setattr(sys, "path", [*sys.path])


def project(tmp_path: Path, settings: str, **files: str) -> Path:
    """The shared routes, `settings` as approutes.toml, and `files` (`middleware="..."`)."""
    extra = {f"{name}.py": source for name, source in files.items()}
    return make_project(tmp_path, {**ROUTES, SETTINGS: settings, **extra})


async def get(
    tmp_path: Path,
    settings: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    **files: str,
) -> httpx.Response:
    """Build the project with `settings` and answer one GET for `path`."""
    root = project(tmp_path, settings, **files)
    async with client_for(root) as client:
        return await client.get(path, headers=headers)


# --- [[redirects]] ----------------------------------------------------------------------------

OLD_TO_NEW = """
[[redirects]]
source = "/old/:slug"
destination = "/new/:slug"
{status}
"""


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status_line", "status"),
    [
        pytest.param("permanent = true", 308, id="permanent"),
        pytest.param("permanent = false", 307, id="temporary"),
        pytest.param("status_code = 301", 301, id="status-301"),
        pytest.param("status_code = 302", 302, id="status-302"),
        pytest.param("status_code = 303", 303, id="status-303"),
    ],
)
async def test_a_redirect_answers_its_status_with_the_params_substituted(
    tmp_path: Path, status_line: str, status: int
) -> None:
    response = await get(tmp_path, OLD_TO_NEW.format(status=status_line), "/old/hello")

    assert response.status_code == status
    assert response.headers["location"] == "/new/hello"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "location"),
    [
        pytest.param("/old-docs", "/docs", id="zero-segments"),
        pytest.param("/old-docs/a", "/docs/a", id="one-segment"),
        pytest.param("/old-docs/a/b/c", "/docs/a/b/c", id="many-segments"),
    ],
)
async def test_a_redirect_fills_a_path_star_destination(
    tmp_path: Path, path: str, location: str
) -> None:
    settings = """
    [[redirects]]
    source = "/old-docs/:path*"
    destination = "/docs/:path*"
    permanent = true
    """
    response = await get(tmp_path, settings, path)

    assert response.status_code == 308
    assert response.headers["location"] == location


@pytest.mark.anyio
async def test_a_redirect_passes_the_query_through_to_the_destination(tmp_path: Path) -> None:
    # Next.js docs (redirects): "/old-blog/post-1?hello=world is requested, the client will be
    # redirected to /blog/post-1?hello=world".
    settings = """
    [[redirects]]
    source = "/old-blog/:path*"
    destination = "/blog/:path*"
    permanent = false
    """
    response = await get(tmp_path, settings, "/old-blog/post-1?hello=world")

    assert response.status_code == 307
    assert response.headers["location"] == "/blog/post-1?hello=world"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "redirected"),
    [
        pytest.param("/OLD/hello", True, id="upper-case"),
        pytest.param("/Old/hello", True, id="mixed-case"),
        pytest.param("/old/hello/more", False, id="extra-segment"),
        pytest.param("/older/hello", False, id="other-word"),
    ],
)
async def test_a_redirect_source_matches_case_insensitively_and_whole_paths_only(
    tmp_path: Path, path: str, redirected: bool
) -> None:
    response = await get(tmp_path, OLD_TO_NEW.format(status="permanent = true"), path)

    assert (response.status_code == 308) is redirected
    if not redirected:
        assert response.status_code == 404


@pytest.mark.anyio
async def test_a_redirect_keeps_the_case_of_the_captured_value(tmp_path: Path) -> None:
    response = await get(tmp_path, OLD_TO_NEW.format(status="permanent = true"), "/OLD/Hello")

    assert response.headers["location"] == "/new/Hello"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({"x-beta": "1"}, 307, id="has-header-present"),
        pytest.param({}, 404, id="has-header-absent"),
        pytest.param({"x-beta": "1", "cookie": "optout=1"}, 404, id="missing-cookie-present"),
    ],
)
async def test_a_redirect_follows_has_and_missing_conditions(
    tmp_path: Path, headers: dict[str, str], status: int
) -> None:
    settings = """
    [[redirects]]
    source = "/beta"
    destination = "/api/hello"
    permanent = false
    has = [{ type = "header", key = "x-beta" }]
    missing = [{ type = "cookie", key = "optout" }]
    """
    response = await get(tmp_path, settings, "/beta", headers=headers)

    assert response.status_code == status


@pytest.mark.anyio
async def test_a_redirect_destination_may_use_a_value_captured_by_has(tmp_path: Path) -> None:
    settings = """
    [[redirects]]
    source = "/home"
    destination = "/tenants/:tenant"
    permanent = false
    has = [{ type = "header", key = "x-tenant", value = "(?<tenant>[a-z]+)" }]
    """
    response = await get(tmp_path, settings, "/home", headers={"x-tenant": "acme"})

    assert response.status_code == 307
    assert response.headers["location"] == "/tenants/acme"


@pytest.mark.anyio
async def test_a_redirect_comes_before_routes_and_middleware(tmp_path: Path) -> None:
    settings = """
    [[redirects]]
    source = "/api/hello"
    destination = "/api/where"
    permanent = true
    """
    response = await get(tmp_path, settings, "/api/hello", middleware=BLOCKING_MIDDLEWARE)

    assert response.status_code == 308
    assert response.headers["location"] == "/api/where"


@pytest.mark.anyio
async def test_the_base_path_is_put_before_a_relative_redirect_destination(
    tmp_path: Path,
) -> None:
    settings = """
    base_path = "/docs"

    [[redirects]]
    source = "/old/:slug"
    destination = "/new/:slug"
    permanent = true

    [[redirects]]
    source = "/away/:slug"
    destination = "https://example.com/x/:slug"
    permanent = false
    """
    root = project(tmp_path, settings)
    async with client_for(root) as client:
        relative = await client.get("/docs/old/hello")
        absolute = await client.get("/docs/away/hello")
        outside = await client.get("/old/hello")

    assert relative.status_code == 308
    assert relative.headers["location"] == "/docs/new/hello"
    assert absolute.status_code == 307
    assert absolute.headers["location"] == "https://example.com/x/hello"
    assert outside.status_code == 404


# --- [[rewrites]] -----------------------------------------------------------------------------

BLOG = """
[[rewrites]]
source = "/blog/:slug"
destination = "/api/posts/:slug?from=blog"
"""


@pytest.mark.anyio
async def test_a_rewrite_serves_another_route_with_its_params_re_matched(tmp_path: Path) -> None:
    response = await get(tmp_path, BLOG, "/blog/hello")

    assert response.status_code == 200
    assert response.json() == {"id": "hello", "search": "?from=blog"}
    assert "location" not in response.headers


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "search"),
    [
        pytest.param("?x=1", "?from=blog&x=1", id="original-added"),
        pytest.param("?from=user&x=1", "?from=blog&x=1", id="destination-wins"),
        pytest.param("", "?from=blog", id="no-original"),
    ],
)
async def test_a_rewrite_merges_the_destination_query_with_the_original(
    tmp_path: Path, query: str, search: str
) -> None:
    response = await get(tmp_path, BLOG, f"/blog/hello{query}")

    assert response.json() == {"id": "hello", "search": search}


@pytest.mark.anyio
async def test_a_rewrite_source_matches_case_insensitively(tmp_path: Path) -> None:
    response = await get(tmp_path, BLOG, "/BLOG/Hello")

    assert response.status_code == 200
    assert response.json()["id"] == "Hello"


@pytest.mark.anyio
async def test_a_static_route_is_not_rewritten(tmp_path: Path) -> None:
    settings = """
    [[rewrites]]
    source = "/api/hello"
    destination = "/api/posts/shadowed"
    """
    response = await get(tmp_path, settings, "/api/hello")

    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}


@pytest.mark.anyio
async def test_a_path_a_dynamic_route_would_serve_is_rewritten(tmp_path: Path) -> None:
    # afterFiles rewrites come after static routes but before dynamic ones, as in Next.
    settings = """
    [[rewrites]]
    source = "/api/posts/special"
    destination = "/api/hello"
    """
    root = project(tmp_path, settings)
    async with client_for(root) as client:
        special = await client.get("/api/posts/special")
        other = await client.get("/api/posts/other")

    assert special.json() == {"message": "Hello World"}
    assert other.json() == {"id": "other", "search": ""}


@pytest.mark.anyio
async def test_rewrites_are_applied_in_order_one_after_another(tmp_path: Path) -> None:
    settings = """
    [[rewrites]]
    source = "/a"
    destination = "/b"

    [[rewrites]]
    source = "/b"
    destination = "/api/hello"
    """
    response = await get(tmp_path, settings, "/a")

    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}


@pytest.mark.anyio
async def test_an_earlier_rule_does_not_apply_to_what_a_later_one_rewrote(tmp_path: Path) -> None:
    settings = """
    [[rewrites]]
    source = "/b"
    destination = "/api/hello"

    [[rewrites]]
    source = "/a"
    destination = "/b"
    """
    response = await get(tmp_path, settings, "/a")

    assert response.status_code == 404


@pytest.mark.anyio
async def test_a_rewrite_stops_at_the_first_static_route(tmp_path: Path) -> None:
    settings = """
    [[rewrites]]
    source = "/a"
    destination = "/api/hello"

    [[rewrites]]
    source = "/api/hello"
    destination = "/api/posts/never"
    """
    response = await get(tmp_path, settings, "/a")

    assert response.json() == {"message": "Hello World"}


@pytest.mark.anyio
async def test_a_path_rewritten_back_to_an_earlier_one_is_a_500_rewrite_loop(
    tmp_path: Path,
) -> None:
    settings = """
    [[rewrites]]
    source = "/a"
    destination = "/b"

    [[rewrites]]
    source = "/b"
    destination = "/a"
    """
    response = await get(tmp_path, settings, "/a")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    message = response.json()["error"]
    assert message.startswith("Rewrite loop")
    assert "/a -> /b -> /a" in message


@pytest.mark.anyio
async def test_rewrites_come_after_middleware_which_sees_the_original_path(
    tmp_path: Path,
) -> None:
    response = await get(tmp_path, BLOG, "/blog/hello", middleware=PATH_MIDDLEWARE)

    assert response.status_code == 200
    assert response.json() == {"id": "hello", "search": "?from=blog"}
    assert response.headers["x-mw-path"] == "/blog/hello"


@pytest.mark.anyio
async def test_a_rewrite_destination_is_inside_the_base_path(tmp_path: Path) -> None:
    response = await get(tmp_path, 'base_path = "/docs"\n' + BLOG, "/docs/blog/hello")

    assert response.status_code == 200
    assert response.json() == {"id": "hello", "search": "?from=blog"}


# --- [[headers]] ------------------------------------------------------------------------------

FRAME = """
[[headers]]
source = "/api/:path*"
headers = [{ key = "x-frame-options", value = "DENY" }, { key = "X-Scope", value = "api" }]
"""


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "status", "applied"),
    [
        pytest.param("/api/hello", 200, True, id="route"),
        pytest.param("/api/nowhere", 404, True, id="404-inside"),
        pytest.param("/api/boom", 500, True, id="500-inside"),
        pytest.param("/api/private", 401, True, id="401-inside"),
        pytest.param("/elsewhere", 404, False, id="404-outside"),
        pytest.param("/apix", 404, False, id="not-a-prefix"),
    ],
)
async def test_headers_are_set_on_every_response_of_a_matching_path_only(
    tmp_path: Path, path: str, status: int, applied: bool
) -> None:
    response = await get(tmp_path, FRAME, path)

    assert response.status_code == status
    if applied:
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-scope"] == "api"
    else:
        assert "x-frame-options" not in response.headers
        assert "x-scope" not in response.headers


@pytest.mark.anyio
async def test_a_header_value_gets_the_source_params(tmp_path: Path) -> None:
    settings = """
    [[headers]]
    source = "/api/posts/:id"
    headers = [{ key = "x-post", value = "post-:id" }, { key = "x-time", value = "at 12:30" }]
    """
    response = await get(tmp_path, settings, "/api/posts/42")

    assert response.status_code == 200
    assert response.headers["x-post"] == "post-42"
    assert response.headers["x-time"] == "at 12:30"


@pytest.mark.anyio
async def test_the_route_own_header_wins_over_the_setting(tmp_path: Path) -> None:
    response = await get(tmp_path, FRAME, "/api/own")

    assert response.json() == {"own": True}
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert response.headers["x-scope"] == "api"


@pytest.mark.anyio
async def test_a_header_named_twice_keeps_its_first_value_across_rules(tmp_path: Path) -> None:
    settings = """
    [[headers]]
    source = "/api/:path*"
    headers = [{ key = "x-a", value = "1" }, { key = "X-A", value = "2" }]

    [[headers]]
    source = "/api/hello"
    headers = [{ key = "x-a", value = "3" }, { key = "x-b", value = "4" }]
    """
    response = await get(tmp_path, settings, "/api/hello")

    assert response.headers.get_list("x-a") == ["1"]
    assert response.headers["x-b"] == "4"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "applied"),
    [
        pytest.param("/api/hello?debug=1", True, id="has-query-present"),
        pytest.param("/api/hello", False, id="has-query-absent"),
    ],
)
async def test_headers_follow_has_conditions(tmp_path: Path, path: str, applied: bool) -> None:
    settings = """
    [[headers]]
    source = "/api/:path*"
    has = [{ type = "query", key = "debug" }]
    headers = [{ key = "x-debug", value = "on" }]
    """
    response = await get(tmp_path, settings, path)

    assert response.status_code == 200
    assert (response.headers.get("x-debug") == "on") is applied


@pytest.mark.anyio
async def test_headers_match_the_path_the_client_asked_for_not_the_rewritten_one(
    tmp_path: Path,
) -> None:
    settings = (
        BLOG
        + """
    [[headers]]
    source = "/blog/:slug"
    headers = [{ key = "x-blog", value = ":slug" }]

    [[headers]]
    source = "/api/posts/:id"
    headers = [{ key = "x-post", value = ":id" }]
    """
    )
    root = project(tmp_path, settings)
    async with client_for(root) as client:
        rewritten = await client.get("/blog/hello")
        direct = await client.get("/api/posts/hello")

    assert rewritten.headers["x-blog"] == "hello"
    assert "x-post" not in rewritten.headers
    assert direct.headers["x-post"] == "hello"
    assert "x-blog" not in direct.headers


@pytest.mark.anyio
async def test_headers_are_set_on_a_redirect_and_on_a_middleware_answer(tmp_path: Path) -> None:
    settings = (
        FRAME
        + """
    [[redirects]]
    source = "/api/old"
    destination = "/api/hello"
    permanent = true
    """
    )
    root = project(tmp_path, settings, middleware=BLOCKING_MIDDLEWARE)
    async with client_for(root) as client:
        redirected = await client.get("/api/old")
        blocked = await client.get("/api/hello")

    assert redirected.status_code == 308
    assert redirected.headers["x-frame-options"] == "DENY"
    assert blocked.status_code == 401
    assert blocked.headers["x-frame-options"] == "DENY"


# --- base_path --------------------------------------------------------------------------------

DOCS = 'base_path = "/docs"\n'


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/docs/api/hello", 200, id="inside"),
        pytest.param("/api/hello", 404, id="without-base"),
        pytest.param("/docsx/api/hello", 404, id="base-as-a-word-prefix"),
        pytest.param("/other/api/hello", 404, id="other-prefix"),
        pytest.param("/docs", 404, id="base-alone-no-root-route"),
    ],
)
async def test_routes_are_served_under_the_base_path_only(
    tmp_path: Path, path: str, status: int
) -> None:
    response = await get(tmp_path, DOCS, path)

    assert response.status_code == status
    if status == 404:
        assert response.json() == {"error": "Not Found"}
    else:
        assert response.json() == {"message": "Hello World"}


@pytest.mark.anyio
async def test_the_base_path_alone_serves_the_root_route(tmp_path: Path) -> None:
    root = make_project(
        tmp_path, {"app/route.py": "async def GET():\n    return {'root': True}\n", SETTINGS: DOCS}
    )
    async with client_for(root) as client:
        response = await client.get("/docs")

    assert response.status_code == 200
    assert response.json() == {"root": True}


@pytest.mark.anyio
async def test_next_url_and_url_show_the_base_path_as_next_does(tmp_path: Path) -> None:
    response = await get(tmp_path, DOCS, "/docs/api/where?x=1")

    assert response.status_code == 200
    assert response.json() == {
        "base_path": "/docs",
        "pathname": "/api/where",
        "url": "http://localhost:3000/docs/api/where?x=1",
        "href": "http://localhost:3000/docs/api/where?x=1",
    }


@pytest.mark.anyio
async def test_without_a_base_path_next_url_base_path_is_empty(tmp_path: Path) -> None:
    response = await get(tmp_path, "", "/api/where")

    assert response.json() == {
        "base_path": "",
        "pathname": "/api/where",
        "url": "http://localhost:3000/api/where",
        "href": "http://localhost:3000/api/where",
    }


@pytest.mark.anyio
async def test_the_trailing_slash_redirect_keeps_the_base_path(tmp_path: Path) -> None:
    response = await get(tmp_path, DOCS, "/docs/api/hello/")

    assert response.status_code == 308
    assert response.headers["location"] == "/docs/api/hello"


@pytest.mark.anyio
async def test_a_middleware_redirect_is_inside_the_base_path_when_built_from_next_url(
    tmp_path: Path,
) -> None:
    middleware = """
    from approutes import NextResponse

    def middleware(request):
        if request.next_url.pathname == "/api/hello":
            url = request.next_url.clone()
            url.pathname = "/api/where"
            return NextResponse.redirect(url)
        return None
    """
    response = await get(tmp_path, DOCS, "/docs/api/hello", middleware=middleware)

    assert response.status_code == 307
    assert response.headers["location"] == "http://localhost:3000/docs/api/where"
