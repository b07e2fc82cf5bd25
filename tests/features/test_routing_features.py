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
    from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
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


# --- canonical paths ------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_trailing_slash_redirects_308_to_the_path_without_it_keeping_the_query(
    tmp_path: Path, method: str
) -> None:
    root = make_project(tmp_path, {"app/api/hello/route.py": HELLO})
    async with client_for(root) as client:
        response = await client.request(method, "/api/hello/?q=1&tag=a")

    assert response.status_code == 308
    assert response.headers["location"] == "/api/hello?q=1&tag=a"
    assert response.headers["refresh"] == "0;url=/api/hello?q=1&tag=a"
    assert response.text == "/api/hello?q=1&tag=a"


@pytest.mark.anyio
async def test_trailing_slash_redirect_target_then_serves_the_route(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/hello/route.py": HELLO})
    async with client_for(root) as client:
        redirected = await client.get("/api/hello/")
        followed = await client.get(redirected.headers["location"])

    assert redirected.status_code == 308
    assert followed.status_code == 200
    assert followed.json() == {"message": "Hello World"}


@pytest.mark.anyio
async def test_trailing_slash_redirect_happens_even_when_no_route_matches(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/hello/route.py": HELLO})
    async with client_for(root) as client:
        response = await client.get("/api/nothing/")

    assert response.status_code == 308
    assert response.headers["location"] == "/api/nothing"


@pytest.mark.anyio
async def test_repeated_slashes_redirect_308_to_the_single_slash_path(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/hello/route.py": HELLO})
    async with client_for(root) as client:
        response = await client.get("/api//hello")

    assert response.status_code == 308
    assert response.headers["location"] == "/api/hello"


@pytest.mark.anyio
async def test_root_path_is_not_redirected(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/route.py": HELLO})
    async with client_for(root) as client:
        response = await client.get("/")

    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}


@pytest.mark.anyio
async def test_dot_dot_segments_are_resolved_before_matching(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/files/[...path]/route.py": ECHO_PARAMS})
    async with raw_path_client(root) as client:
        response = await client.get("/", headers={"x-raw-path": "/api/files/a/../b"})

    assert response.status_code == 200
    assert response.json()["params"] == {"path": ["b"]}


@pytest.mark.anyio
async def test_single_dot_segments_are_dropped_before_matching(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/hello/route.py": HELLO})
    async with raw_path_client(root) as client:
        response = await client.get("/", headers={"x-raw-path": "/api/./hello"})

    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}


@pytest.mark.anyio
async def test_encoded_dot_segments_are_not_resolved_in_a_static_route(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/hello/route.py": HELLO})
    async with client_for(root) as client:
        response = await client.get("/api/x/%2E%2E/hello")

    assert_json_error(response, 404, "Not Found")


@pytest.mark.anyio
async def test_encoded_dot_segments_are_not_resolved_and_answer_404(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/files/[...path]/route.py": ECHO_PARAMS})
    async with client_for(root) as client:
        response = await client.get("/api/files/a/%2E%2E/b")

    assert_json_error(response, 404, "Not Found")


@pytest.mark.anyio
async def test_with_trailing_slash_setting_the_bare_path_redirects_to_the_slash_form(
    tmp_path: Path,
) -> None:
    root = make_project(
        tmp_path,
        {"approutes.toml": "trailing_slash = true\n", "app/api/hello/route.py": HELLO},
    )
    async with client_for(root) as client:
        response = await client.get("/api/hello?q=1")

    assert response.status_code == 308
    assert response.headers["location"] == "/api/hello/?q=1"


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/api/hello/", "/api/users/7/"], ids=["static", "dynamic"])
async def test_with_trailing_slash_setting_the_slash_form_is_served(
    tmp_path: Path, path: str
) -> None:
    root = make_project(
        tmp_path,
        {
            "approutes.toml": "trailing_slash = true\n",
            "app/api/hello/route.py": ECHO_PARAMS,
            "app/api/users/[id]/route.py": ECHO_PARAMS,
        },
    )
    async with client_for(root) as client:
        response = await client.get(path)

    assert response.status_code == 200


# --- no route -------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    ["/api/missing", "/nothing/at/all", "/api", "/api/hello/extra", "/api/HELLO", "/api/h%65llo"],
    ids=["sibling", "elsewhere", "parent", "deeper", "other-case", "encoded-static"],
)
async def test_a_path_no_route_matches_is_404_json(tmp_path: Path, path: str) -> None:
    root = make_project(tmp_path, {"app/api/hello/route.py": HELLO})
    async with client_for(root) as client:
        response = await client.get(path)

    assert_json_error(response, 404, "Not Found")
    assert response.json() == {"error": "Not Found"}


@pytest.mark.anyio
async def test_a_project_without_routes_answers_404(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"README.md": "nothing here"})
    async with client_for(root) as client:
        response = await client.get("/api/hello")

    assert_json_error(response, 404, "Not Found")


# --- segment kinds --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_static_segment_beats_dynamic_segment(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/users/new/route.py": ECHO_PARAMS,
            "app/api/users/[id]/route.py": ECHO_PARAMS,
        },
    )
    async with client_for(root) as client:
        static = await client.get("/api/users/new")
        dynamic = await client.get("/api/users/42")

    assert static.json() == {"params": {}, "route": "api/users/new/route.py"}
    assert dynamic.json() == {"params": {"id": "42"}, "route": "api/users/[id]/route.py"}


@pytest.mark.anyio
async def test_dynamic_segment_beats_catch_all(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/docs/[slug]/route.py": ECHO_PARAMS,
            "app/api/docs/[...rest]/route.py": ECHO_PARAMS,
        },
    )
    async with client_for(root) as client:
        one = await client.get("/api/docs/intro")
        two = await client.get("/api/docs/intro/setup")

    assert one.json() == {"params": {"slug": "intro"}, "route": "api/docs/[slug]/route.py"}
    assert two.json() == {
        "params": {"rest": ["intro", "setup"]},
        "route": "api/docs/[...rest]/route.py",
    }


@pytest.mark.anyio
async def test_a_failed_static_branch_falls_back_to_the_dynamic_one(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/users/new/route.py": ECHO_PARAMS,
            "app/api/users/[id]/posts/route.py": ECHO_PARAMS,
        },
    )
    async with client_for(root) as client:
        response = await client.get("/api/users/new/posts")

    assert response.json() == {
        "params": {"id": "new"},
        "route": "api/users/[id]/posts/route.py",
    }


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/files/readme.md", {"path": ["readme.md"]}),
        ("/api/files/docs/guide/readme.md", {"path": ["docs", "guide", "readme.md"]}),
    ],
    ids=["one-segment", "three-segments"],
)
async def test_catch_all_gives_the_segments_as_a_list(
    tmp_path: Path, path: str, params: dict[str, list[str]]
) -> None:
    root = make_project(tmp_path, {"app/api/files/[...path]/route.py": ECHO_PARAMS})
    async with client_for(root) as client:
        response = await client.get(path)

    assert response.status_code == 200
    assert response.json()["params"] == params


@pytest.mark.anyio
async def test_catch_all_needs_at_least_one_segment(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/files/[...path]/route.py": ECHO_PARAMS})
    async with client_for(root) as client:
        response = await client.get("/api/files")

    assert_json_error(response, 404, "Not Found")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/docs", {}),
        ("/api/docs/a", {"slug": ["a"]}),
        ("/api/docs/a/b", {"slug": ["a", "b"]}),
    ],
    ids=["zero-segments-key-absent", "one-segment", "two-segments"],
)
async def test_optional_catch_all_matches_zero_or_more_segments(
    tmp_path: Path, path: str, params: dict[str, list[str]]
) -> None:
    root = make_project(tmp_path, {"app/api/docs/[[...slug]]/route.py": ECHO_PARAMS})
    async with client_for(root) as client:
        response = await client.get(path)

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


@pytest.mark.anyio
async def test_a_percent_5f_folder_serves_a_literal_underscore_segment(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/%5Finternal/route.py": HELLO})
    async with client_for(root) as client:
        response = await client.get("/api/_internal")

    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    ["/api/%5Finternal", "/api/%28admin%29/stats", "/api/(admin)/stats"],
    ids=["escaped-underscore-literal", "encoded-group", "literal-group"],
)
async def test_folder_escapes_and_groups_are_not_reachable_literally(
    tmp_path: Path, path: str
) -> None:
    root = make_project(
        tmp_path,
        {"app/api/%5Finternal/route.py": HELLO, "app/api/(admin)/stats/route.py": HELLO},
    )
    async with client_for(root) as client:
        response = await client.get(path)

    assert_json_error(response, 404, "Not Found")


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
    root = make_project(tmp_path, {"app/api/users/[id]/route.py": ECHO_PARAMS})
    async with client_for(root) as client:
        response = await client.get(f"/api/users/{raw}")

    assert response.status_code == 200
    assert response.json()["params"] == {"id": decoded}


@pytest.mark.anyio
async def test_catch_all_values_are_each_percent_decoded(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/files/[...path]/route.py": ECHO_PARAMS})
    async with client_for(root) as client:
        response = await client.get("/api/files/my%20docs/a%2Fb.txt")

    assert response.json()["params"] == {"path": ["my docs", "a/b.txt"]}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    ["/api/users/%ZZ", "/api/users/50%", "/api/users/%C3", "/api/files/ok/%ZZ"],
    ids=["bad-hex", "truncated-escape", "not-utf8", "in-catch-all"],
)
async def test_an_undecodable_dynamic_segment_is_400_json(tmp_path: Path, path: str) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/users/[id]/route.py": ECHO_PARAMS,
            "app/api/files/[...path]/route.py": ECHO_PARAMS,
        },
    )
    async with client_for(root) as client:
        response = await client.get(path)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert isinstance(response.json()["error"], str)


@pytest.mark.anyio
async def test_two_dynamic_segments_each_get_their_value(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/orgs/[org]/repos/[repo]/route.py": ECHO_PARAMS})
    async with client_for(root) as client:
        response = await client.get("/api/orgs/acme/repos/rocket")

    assert response.json()["params"] == {"org": "acme", "repo": "rocket"}


@pytest.mark.anyio
async def test_the_query_is_never_part_of_a_param(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/users/[id]/route.py": ECHO_PARAMS})
    async with client_for(root) as client:
        response = await client.get("/api/users/42?id=7&x=%2F")

    assert response.json()["params"] == {"id": "42"}


STATIC_PARAMS_ROUTE = """
dynamic_params = False

def generate_static_params():
    return [{"slug": "first"}, {"slug": "second"}]

async def GET(request, context):
    return {"slug": context.params["slug"]}
"""


@pytest.mark.anyio
async def test_listed_static_params_are_served_when_dynamic_params_is_off(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/posts/[slug]/route.py": STATIC_PARAMS_ROUTE})
    async with client_for(root) as client:
        response = await client.get("/api/posts/first")

    assert response.status_code == 200
    assert response.json() == {"slug": "first"}


@pytest.mark.xfail(
    reason=(
        "not built yet (issue #6, with generate_static_params): /api/posts/third (not listed "
        "by generate_static_params) answers 200 instead of 404 (DESIGN section 15)"
    ),
    strict=True,
)
@pytest.mark.anyio
async def test_unlisted_params_are_404_when_dynamic_params_is_off(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/posts/[slug]/route.py": STATIC_PARAMS_ROUTE})
    async with client_for(root) as client:
        response = await client.get("/api/posts/third")

    assert_json_error(response, 404, "Not Found")
