"""Routing as a user sees it: canonical paths, segment kinds, params and the 404 answer."""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx
import pytest
from tests.conftest import client_for, make_project

from approutes import create_app

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
    from pathlib import Path

    Message = MutableMapping[str, Any]

ECHO_PARAMS = """
from approutes import NextResponse

async def GET(request, context):
    return NextResponse.json({"params": context.params, "route": __file__.rsplit("/app/", 1)[1]})
"""

HELLO = """
from approutes import NextResponse

async def GET():
    return NextResponse.json({"message": "Hello World"})

async def POST():
    return NextResponse.json({"posted": True})
"""


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # create_app puts each project root first on sys.path; undo that after every test.
    monkeypatch.setattr(sys, "path", [*sys.path])


@asynccontextmanager
async def raw_path_client(root: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client for paths httpx would normalise: header `x-raw-path` becomes the request path.

    httpx resolves `..` itself, so a tiny ASGI shim puts the raw path back into the scope
    the way a real server (uvicorn, granian) passes it on.
    """
    app = create_app(root)

    async def shim(
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        for name, value in scope.get("headers", []):
            if name == b"x-raw-path":
                scope = {**scope, "raw_path": value, "path": unquote(value.decode("latin-1"))}
        await app(scope, receive, send)

    transport = httpx.ASGITransport(app=shim)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as client:
        yield client


def assert_json_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["error"] == error


class RawPath(str):
    """A request path sent to the app as written: httpx would resolve its `.` and `..` itself."""

    __slots__ = ()


HELLO_APP = {"app/api/hello/route.py": HELLO}
CATCH_ALL_ROUTE = "app/api/files/[...path]/route.py"
OPTIONAL_CATCH_ALL_ROUTE = "app/api/docs/[[...slug]]/route.py"
FILES_APP = {CATCH_ALL_ROUTE: ECHO_PARAMS}


async def get(tmp_path: Path, files: Mapping[str, str], path: str) -> httpx.Response:
    """Build the project from `files` and answer one GET of `path` (a RawPath goes as written)."""
    root = make_project(tmp_path, files)
    if isinstance(path, RawPath):
        async with raw_path_client(root) as client:
            return await client.get("/", headers={"x-raw-path": path})
    async with client_for(root) as client:
        return await client.get(path)


# --- canonical paths ------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_trailing_slash_redirects_308_to_the_path_without_it_keeping_the_query(
    tmp_path: Path, method: str
) -> None:
    root = make_project(tmp_path, HELLO_APP)
    async with client_for(root) as client:
        response = await client.request(method, "/api/hello/?q=1&tag=a")

    assert response.status_code == 308
    assert response.headers["location"] == "/api/hello?q=1&tag=a"
    assert response.headers["refresh"] == "0;url=/api/hello?q=1&tag=a"
    assert response.text == "/api/hello?q=1&tag=a"


@pytest.mark.anyio
async def test_trailing_slash_redirect_target_then_serves_the_route(tmp_path: Path) -> None:
    root = make_project(tmp_path, HELLO_APP)
    async with client_for(root) as client:
        redirected = await client.get("/api/hello/")
        followed = await client.get(redirected.headers["location"])

    assert redirected.status_code == 308
    assert followed.status_code == 200
    assert followed.json() == {"message": "Hello World"}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("files", "path", "location"),
    [
        pytest.param(
            HELLO_APP,
            "/api/nothing/",
            "/api/nothing",
            id="trailing-slash-redirect-happens-even-when-no-route-matches",
        ),
        pytest.param(
            HELLO_APP,
            "/api//hello",
            "/api/hello",
            id="repeated-slashes-redirect-to-the-single-slash-path",
        ),
        pytest.param(
            {"approutes.toml": "trailing_slash = true\n", **HELLO_APP},
            "/api/hello?q=1",
            "/api/hello/?q=1",
            id="with-trailing-slash-setting-the-bare-path-redirects-to-the-slash-form",
        ),
    ],
)
async def test_a_non_canonical_path_redirects_308_to_the_canonical_one(
    tmp_path: Path, files: dict[str, str], path: str, location: str
) -> None:
    response = await get(tmp_path, files, path)

    assert response.status_code == 308
    assert response.headers["location"] == location


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("files", "path"),
    [
        pytest.param({"app/route.py": HELLO}, "/", id="root-path-is-not-redirected"),
        pytest.param(
            HELLO_APP,
            RawPath("/api/./hello"),
            id="single-dot-segments-are-dropped-before-matching",
        ),
        pytest.param(
            {"app/api/%5Finternal/route.py": HELLO},
            "/api/_internal",
            id="a-percent-5f-folder-serves-a-literal-underscore-segment",
        ),
    ],
)
async def test_a_path_that_names_a_route_is_served_by_it(
    tmp_path: Path, files: dict[str, str], path: str
) -> None:
    response = await get(tmp_path, files, path)

    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/api/hello/", "/api/users/7/"], ids=["static", "dynamic"])
async def test_with_trailing_slash_setting_the_slash_form_is_served(
    tmp_path: Path, path: str
) -> None:
    files = {
        "approutes.toml": "trailing_slash = true\n",
        "app/api/hello/route.py": ECHO_PARAMS,
        "app/api/users/[id]/route.py": ECHO_PARAMS,
    }
    response = await get(tmp_path, files, path)

    assert response.status_code == 200


# --- no route -------------------------------------------------------------------------------

ESCAPES_AND_GROUPS_APP = {
    "app/api/%5Finternal/route.py": HELLO,
    "app/api/(admin)/stats/route.py": HELLO,
}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("files", "path"),
    [
        pytest.param(HELLO_APP, "/api/missing", id="sibling"),
        pytest.param(HELLO_APP, "/nothing/at/all", id="elsewhere"),
        pytest.param(HELLO_APP, "/api", id="parent"),
        pytest.param(HELLO_APP, "/api/hello/extra", id="deeper"),
        pytest.param(HELLO_APP, "/api/HELLO", id="other-case"),
        pytest.param(HELLO_APP, "/api/h%65llo", id="encoded-static"),
        pytest.param(
            HELLO_APP,
            "/api/x/%2E%2E/hello",
            id="encoded-dot-segments-are-not-resolved-in-a-static-route",
        ),
        pytest.param(
            FILES_APP,
            "/api/files/a/%2E%2E/b",
            id="encoded-dot-segments-are-not-resolved-in-a-catch-all",
        ),
        pytest.param(FILES_APP, "/api/files", id="catch-all-needs-at-least-one-segment"),
        pytest.param({"README.md": "nothing here"}, "/api/hello", id="a-project-without-routes"),
        pytest.param(
            ESCAPES_AND_GROUPS_APP,
            "/api/%5Finternal",
            id="folder-escape-not-reachable-literally-escaped-underscore",
        ),
        pytest.param(
            ESCAPES_AND_GROUPS_APP,
            "/api/%28admin%29/stats",
            id="group-not-reachable-literally-encoded",
        ),
        pytest.param(
            ESCAPES_AND_GROUPS_APP,
            "/api/(admin)/stats",
            id="group-not-reachable-literally",
        ),
    ],
)
async def test_a_path_no_route_matches_is_404_json(
    tmp_path: Path, files: dict[str, str], path: str
) -> None:
    response = await get(tmp_path, files, path)

    assert_json_error(response, 404, "Not Found")
    assert response.json() == {"error": "Not Found"}


# --- segment kinds --------------------------------------------------------------------------

NEW_BESIDE_ID_APP = {
    "app/api/users/new/route.py": ECHO_PARAMS,
    "app/api/users/[id]/route.py": ECHO_PARAMS,
}
SLUG_BESIDE_REST_APP = {
    "app/api/docs/[slug]/route.py": ECHO_PARAMS,
    "app/api/docs/[...rest]/route.py": ECHO_PARAMS,
}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("files", "path", "params", "route"),
    [
        pytest.param(
            NEW_BESIDE_ID_APP,
            "/api/users/new",
            {},
            "api/users/new/route.py",
            id="static-segment-beats-dynamic-segment",
        ),
        pytest.param(
            NEW_BESIDE_ID_APP,
            "/api/users/42",
            {"id": "42"},
            "api/users/[id]/route.py",
            id="dynamic-segment-beside-a-static-one-takes-other-values",
        ),
        pytest.param(
            SLUG_BESIDE_REST_APP,
            "/api/docs/intro",
            {"slug": "intro"},
            "api/docs/[slug]/route.py",
            id="dynamic-segment-beats-catch-all",
        ),
        pytest.param(
            SLUG_BESIDE_REST_APP,
            "/api/docs/intro/setup",
            {"rest": ["intro", "setup"]},
            "api/docs/[...rest]/route.py",
            id="catch-all-beside-a-dynamic-segment-takes-longer-paths",
        ),
        pytest.param(
            {
                "app/api/users/new/route.py": ECHO_PARAMS,
                "app/api/users/[id]/posts/route.py": ECHO_PARAMS,
            },
            "/api/users/new/posts",
            {"id": "new"},
            "api/users/[id]/posts/route.py",
            id="a-failed-static-branch-falls-back-to-the-dynamic-one",
        ),
    ],
)
async def test_the_most_specific_route_that_matches_serves_the_path(
    tmp_path: Path, files: dict[str, str], path: str, params: dict[str, object], route: str
) -> None:
    response = await get(tmp_path, files, path)

    assert response.json() == {"params": params, "route": route}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("route", "path", "params"),
    [
        pytest.param(
            CATCH_ALL_ROUTE,
            "/api/files/readme.md",
            {"path": ["readme.md"]},
            id="catch-all-gives-one-segment-as-a-list",
        ),
        pytest.param(
            CATCH_ALL_ROUTE,
            "/api/files/docs/guide/readme.md",
            {"path": ["docs", "guide", "readme.md"]},
            id="catch-all-gives-three-segments-as-a-list",
        ),
        pytest.param(
            CATCH_ALL_ROUTE,
            "/api/files/my%20docs/a%2Fb.txt",
            {"path": ["my docs", "a/b.txt"]},
            id="catch-all-values-are-each-percent-decoded",
        ),
        pytest.param(
            CATCH_ALL_ROUTE,
            RawPath("/api/files/a/../b"),
            {"path": ["b"]},
            id="dot-dot-segments-are-resolved-before-matching",
        ),
        pytest.param(
            OPTIONAL_CATCH_ALL_ROUTE,
            "/api/docs",
            {},
            id="optional-catch-all-matches-zero-segments-key-absent",
        ),
        pytest.param(
            OPTIONAL_CATCH_ALL_ROUTE,
            "/api/docs/a",
            {"slug": ["a"]},
            id="optional-catch-all-matches-one-segment",
        ),
        pytest.param(
            OPTIONAL_CATCH_ALL_ROUTE,
            "/api/docs/a/b",
            {"slug": ["a", "b"]},
            id="optional-catch-all-matches-two-segments",
        ),
        pytest.param(
            "app/api/orgs/[org]/repos/[repo]/route.py",
            "/api/orgs/acme/repos/rocket",
            {"org": "acme", "repo": "rocket"},
            id="two-dynamic-segments-each-get-their-value",
        ),
        pytest.param(
            "app/api/users/[id]/route.py",
            "/api/users/42?id=7&x=%2F",
            {"id": "42"},
            id="the-query-is-never-part-of-a-param",
        ),
    ],
)
async def test_the_handler_gets_the_params_of_the_path(
    tmp_path: Path, route: str, path: str, params: dict[str, object]
) -> None:
    response = await get(tmp_path, {route: ECHO_PARAMS}, path)

    assert response.status_code == 200
    assert response.json()["params"] == params


@pytest.mark.anyio
async def test_group_folders_add_no_url_segment(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/(admin)/stats/route.py": ECHO_PARAMS,
            "app/(public)/api/(v1)/users/[id]/route.py": ECHO_PARAMS,
        },
    )
    async with client_for(root) as client:
        stats = await client.get("/api/stats")
        user = await client.get("/api/users/7")
        literal = await client.get("/api/(admin)/stats")

    assert stats.status_code == 200
    assert stats.json()["route"] == "api/(admin)/stats/route.py"
    assert user.json()["params"] == {"id": "7"}
    assert literal.status_code == 404


@pytest.mark.anyio
async def test_private_folders_and_everything_under_them_are_not_routed(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/_lib/route.py": HELLO,
            "app/api/_lib/nested/route.py": HELLO,
            "app/_internal/api/route.py": HELLO,
            "app/api/hello/route.py": HELLO,
        },
    )
    async with client_for(root) as client:
        hidden = [
            await client.get(path)
            for path in ("/api/_lib", "/api/_lib/nested", "/_internal/api", "/api/lib")
        ]
        visible = await client.get("/api/hello")

    assert [r.status_code for r in hidden] == [404, 404, 404, 404]
    assert visible.status_code == 200


# --- params ---------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("a%20b", "a b"),
        ("%C3%A9t%C3%A9", "été"),
        ("a%2Fb", "a/b"),
        ("100%25", "100%"),
        ("1+1", "1+1"),
        ("%2541", "%41"),
    ],
    ids=["space", "utf8", "encoded-slash-stays-inside", "percent", "plus-is-literal", "once"],
)
async def test_dynamic_params_are_percent_decoded_exactly_once(
    tmp_path: Path, raw: str, decoded: str
) -> None:
    response = await get(
        tmp_path, {"app/api/users/[id]/route.py": ECHO_PARAMS}, f"/api/users/{raw}"
    )

    assert response.status_code == 200
    assert response.json()["params"] == {"id": decoded}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    ["/api/users/%ZZ", "/api/users/50%", "/api/users/%C3", "/api/files/ok/%ZZ"],
    ids=["bad-hex", "truncated-escape", "not-utf8", "in-catch-all"],
)
async def test_an_undecodable_dynamic_segment_is_400_json(tmp_path: Path, path: str) -> None:
    files = {"app/api/users/[id]/route.py": ECHO_PARAMS, **FILES_APP}
    response = await get(tmp_path, files, path)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert isinstance(response.json()["error"], str)


STATIC_PARAMS_ROUTE = """
dynamic_params = False

def generate_static_params():
    return [{"slug": "first"}, {"slug": "second"}]

async def GET(request, context):
    return {"slug": context.params["slug"]}
"""


@pytest.mark.anyio
async def test_listed_static_params_are_served_when_dynamic_params_is_off(tmp_path: Path) -> None:
    response = await get(
        tmp_path, {"app/api/posts/[slug]/route.py": STATIC_PARAMS_ROUTE}, "/api/posts/first"
    )

    assert response.status_code == 200
    assert response.json() == {"slug": "first"}


@pytest.mark.anyio
async def test_unlisted_params_are_404_when_dynamic_params_is_off(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/posts/[slug]/route.py": STATIC_PARAMS_ROUTE})
    async with client_for(root) as client:
        response = await client.get("/api/posts/third")

    assert_json_error(response, 404, "Not Found")
