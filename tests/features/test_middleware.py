"""middleware.py: matchers, next() / rewrite() / redirect() / direct responses, errors, load errors.

What a client sees through the whole app (NEXTJS-SEMANTICS rules 44-49, DESIGN §9).
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from tests.conftest import client_for, free_port, make_project

from approutes import create_app
from approutes.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import httpx

MIDDLEWARE = "middleware.py"
ERROR_LOGGER = "approutes.error"

HELLO = """
from approutes import NextResponse

async def GET():
    return NextResponse.json({"message": "Hello World"})
"""

# Echoes what the handler sees of the request.
ECHO = """
from approutes.headers import cookies, headers

async def GET(request):
    return {
        "pathname": request.next_url.pathname,
        "search": request.next_url.search,
        "x_user": request.headers.get("x-user"),
        "x_user_all": request.headers.get_all("x-user"),
        "x_other": request.headers.get("x-other"),
        "x_user_helper": headers().get("x-user"),
        "mw_cookie": request.cookies.get("mwc") is not None,
        "mw_cookie_helper": cookies().get("mwc") is not None,
        "client_cookie": request.cookies.get("client").value
        if request.cookies.get("client") is not None
        else None,
    }
"""

ITEM = """
async def GET(request, context):
    return {"id": context.params["id"], "search": request.next_url.search}
"""

ROUTES = {
    "app/api/hello/route.py": HELLO,
    "app/api/echo/route.py": ECHO,
    "app/api/items/[id]/route.py": ITEM,
}

# Marks every response it runs for, so a client can tell whether it ran.
MARKING = """
from approutes import NextResponse

{config}

{kind} middleware(request):
    return NextResponse.next(headers={{"x-mw": "ran"}})
"""

# Refuses every request it runs for.
BLOCKING = """
from approutes import NextResponse

config = {"matcher": "/api/:path*"}

def middleware(request):
    return NextResponse.json({"error": "Unauthorized"}, status=401)
"""


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # create_app puts each project root first on sys.path; undo that after every test.
    monkeypatch.setattr(sys, "path", [*sys.path])


def marking(matcher: object = None, *, kind: str = "def") -> str:
    """A middleware marking the responses it runs for, with `matcher` (None: no config)."""
    config = "" if matcher is None else f"config = {{'matcher': {matcher!r}}}"
    return MARKING.format(config=config, kind=kind)


def with_middleware(source: str) -> dict[str, str]:
    """The shared routes plus `middleware.py` = `source`."""
    return {**ROUTES, MIDDLEWARE: source}


async def get(
    tmp_path: Path,
    files: Mapping[str, str],
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Build the project from `files` and answer one GET for `path`."""
    root = make_project(tmp_path, files)
    async with client_for(root) as client:
        return await client.get(path, headers=headers)


def error_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == ERROR_LOGGER]


# --- which paths it runs for ----------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("matcher", "path", "ran"),
    [
        pytest.param("/api/mw/:path*", "/api/mw", True, id="star-zero-segments"),
        pytest.param("/api/mw/:path*", "/api/mw/a", True, id="star-one-segment"),
        pytest.param("/api/mw/:path*", "/api/mw/a/b/c", True, id="star-many-segments"),
        pytest.param("/api/mw/:path*", "/api/mwx", False, id="star-not-a-prefix-of-a-word"),
        pytest.param("/api/mw/:path*", "/api/other", False, id="star-other-path"),
        pytest.param("/api/mw/:path*", "/API/mw/a", False, id="star-case-sensitive"),
        pytest.param("/users/:id", "/users/1", True, id="param-one"),
        pytest.param("/users/:id", "/users", False, id="param-missing"),
        pytest.param("/users/:id", "/users/1/2", False, id="param-two-segments"),
        pytest.param("/users/:id?", "/users", True, id="optional-absent"),
        pytest.param("/users/:id?", "/users/1", True, id="optional-present"),
        pytest.param("/users/:id?", "/users/1/2", False, id="optional-two-segments"),
        pytest.param("/files/:rest+", "/files", False, id="plus-zero-segments"),
        pytest.param("/files/:rest+", "/files/a", True, id="plus-one-segment"),
        pytest.param("/files/:rest+", "/files/a/b", True, id="plus-many-segments"),
        pytest.param("/item/:id(\\d+)", "/item/42", True, id="regex-param-matches"),
        pytest.param("/item/:id(\\d+)", "/item/abc", False, id="regex-param-refuses"),
        pytest.param("/(api|trpc)(.*)", "/trpc/x", True, id="unnamed-groups"),
        pytest.param("/(api|trpc)(.*)", "/other/x", False, id="unnamed-groups-other"),
        pytest.param("/((?!static|health).*)", "/api/x", True, id="negative-lookahead-runs"),
        pytest.param("/((?!static|health).*)", "/static/x", False, id="negative-lookahead-skips"),
        pytest.param(["/a/:path*", "/b"], "/a/x", True, id="several-first"),
        pytest.param(["/a/:path*", "/b"], "/b", True, id="several-second"),
        pytest.param(["/a/:path*", "/b"], "/c", False, id="several-none"),
    ],
)
async def test_middleware_runs_only_for_paths_its_matcher_matches(
    tmp_path: Path, matcher: object, path: str, ran: bool
) -> None:
    response = await get(tmp_path, with_middleware(marking(matcher)), path)

    assert (response.headers.get("x-mw") == "ran") is ran


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("condition", "headers", "ran"),
    [
        pytest.param(
            {"has": [{"type": "header", "key": "x-flag", "value": "on"}]},
            {"x-flag": "on"},
            True,
            id="has-header-value-matches",
        ),
        pytest.param(
            {"has": [{"type": "header", "key": "x-flag", "value": "on"}]},
            {"x-flag": "off"},
            False,
            id="has-header-other-value",
        ),
        pytest.param(
            {"has": [{"type": "header", "key": "x-flag", "value": "on"}]},
            {},
            False,
            id="has-header-absent",
        ),
        pytest.param(
            {"has": [{"type": "cookie", "key": "session"}]},
            {"cookie": "session=abc"},
            True,
            id="has-cookie-present",
        ),
        pytest.param(
            {"has": [{"type": "cookie", "key": "session"}]},
            {"cookie": "other=abc"},
            False,
            id="has-cookie-absent",
        ),
        pytest.param(
            {"missing": [{"type": "cookie", "key": "session"}]},
            {},
            True,
            id="missing-cookie-absent",
        ),
        pytest.param(
            {"missing": [{"type": "cookie", "key": "session"}]},
            {"cookie": "session=abc"},
            False,
            id="missing-cookie-present",
        ),
        pytest.param(
            {"missing": [{"type": "header", "key": "x-internal"}]},
            {"x-internal": "1"},
            False,
            id="missing-header-present",
        ),
    ],
)
async def test_dict_matchers_check_has_and_missing_on_headers_and_cookies(
    tmp_path: Path, condition: dict[str, object], headers: dict[str, str], ran: bool
) -> None:
    matcher = [{"source": "/api/:path*", **condition}]
    response = await get(tmp_path, with_middleware(marking(matcher)), "/api/hello", headers=headers)

    assert response.status_code == 200
    assert (response.headers.get("x-mw") == "ran") is ran


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "ran"),
    [
        pytest.param("?preview=1", True, id="present"),
        pytest.param("?preview=", False, id="empty-counts-as-absent"),
        pytest.param("?other=1", False, id="absent"),
        pytest.param("", False, id="no-query"),
    ],
)
async def test_a_dict_matcher_checks_has_on_the_query(
    tmp_path: Path, query: str, ran: bool
) -> None:
    matcher = [{"source": "/api/:path*", "has": [{"type": "query", "key": "preview"}]}]
    response = await get(tmp_path, with_middleware(marking(matcher)), f"/api/hello{query}")

    assert response.status_code == 200
    assert (response.headers.get("x-mw") == "ran") is ran


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["def", "async def"])
@pytest.mark.parametrize("path", ["/api/hello", "/anything/at/all", "/"])
async def test_without_a_matcher_middleware_runs_for_every_path(
    tmp_path: Path, path: str, kind: str
) -> None:
    response = await get(tmp_path, with_middleware(marking(kind=kind)), path)

    assert response.headers.get("x-mw") == "ran"


@pytest.mark.anyio
async def test_middleware_runs_for_a_matched_path_with_no_route_which_then_is_a_404(
    tmp_path: Path,
) -> None:
    response = await get(tmp_path, with_middleware(marking("/api/:path*")), "/api/nowhere")

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}
    assert response.headers["x-mw"] == "ran"


@pytest.mark.anyio
async def test_the_trailing_slash_308_comes_before_middleware(tmp_path: Path) -> None:
    root = make_project(tmp_path, with_middleware(BLOCKING))
    async with client_for(root) as client:
        redirected = await client.get("/api/hello/?x=1")
        followed = await client.get("/api/hello?x=1")

    assert redirected.status_code == 308
    assert redirected.headers["location"] == "/api/hello?x=1"
    assert followed.status_code == 401


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/api/mw/a/", "/api/mw/"])
async def test_with_trailing_slash_on_a_matcher_accepts_the_trailing_slash(
    tmp_path: Path, path: str
) -> None:
    files = {
        **with_middleware(marking("/api/mw/:path*")),
        "approutes.toml": "trailing_slash = true\n",
    }
    response = await get(tmp_path, files, path)

    assert response.headers.get("x-mw") == "ran"


@pytest.mark.anyio
async def test_matchers_see_the_path_without_the_base_path(tmp_path: Path) -> None:
    files = {**with_middleware(marking("/api/:path*")), "approutes.toml": 'base_path = "/docs"\n'}
    response = await get(tmp_path, files, "/docs/api/hello")

    assert response.status_code == 200
    assert response.headers.get("x-mw") == "ran"


# --- going on: None and next() ----------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["def", "async def"])
async def test_returning_none_goes_on_to_the_route(tmp_path: Path, kind: str) -> None:
    source = f"{kind} middleware(request):\n    return None\n"
    response = await get(tmp_path, with_middleware(source), "/api/hello")

    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["def", "async def"])
async def test_next_request_headers_replace_what_the_handler_sees(
    tmp_path: Path, kind: str
) -> None:
    source = f"""
    from approutes import NextResponse

    {kind} middleware(request):
        return NextResponse.next(request_headers={{"x-user": "alice"}})
    """
    response = await get(
        tmp_path,
        with_middleware(source),
        "/api/echo",
        headers={"x-user": "mallory", "x-other": "kept"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["x_user"] == "alice"
    assert body["x_user_all"] == ["alice"]
    assert body["x_user_helper"] == "alice"
    assert body["x_other"] == "kept"


@pytest.mark.anyio
async def test_next_request_headers_add_a_header_the_client_did_not_send(tmp_path: Path) -> None:
    source = """
    from approutes import NextResponse

    def middleware(request):
        return NextResponse.next(request_headers={"X-User": "from-mw"})
    """
    response = await get(tmp_path, with_middleware(source), "/api/echo")

    assert response.json()["x_user"] == "from-mw"


@pytest.mark.anyio
async def test_headers_and_cookies_set_on_next_reach_the_client(tmp_path: Path) -> None:
    source = """
    from approutes import NextResponse

    def middleware(request):
        response = NextResponse.next(headers={"x-mw": "ran"})
        response.cookies.set("mwc", "from-mw")
        return response
    """
    route = """
    from approutes import NextResponse

    async def GET():
        response = NextResponse.json({"ok": True}, headers={"x-route": "yes"})
        response.cookies.set("rc", "from-route")
        return response
    """
    files = {**with_middleware(source), "app/api/both/route.py": route}
    response = await get(tmp_path, files, "/api/both")

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert response.headers["x-mw"] == "ran"
    assert response.headers["x-route"] == "yes"
    cookies = response.headers.get_list("set-cookie")
    assert "rc=from-route; Path=/" in cookies
    assert "mwc=from-mw; Path=/" in cookies


@pytest.mark.anyio
async def test_a_cookie_set_on_next_is_not_visible_to_the_handler(tmp_path: Path) -> None:
    source = """
    from approutes import NextResponse

    def middleware(request):
        response = NextResponse.next()
        response.cookies.set("mwc", "from-mw")
        return response
    """
    response = await get(
        tmp_path, with_middleware(source), "/api/echo", headers={"cookie": "client=c1"}
    )

    body = response.json()
    assert body["mw_cookie"] is False
    assert body["mw_cookie_helper"] is False
    assert body["client_cookie"] == "c1"
    assert response.headers.get_list("set-cookie") == ["mwc=from-mw; Path=/"]


# --- answering directly -----------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["def", "async def"])
async def test_a_response_from_middleware_ends_the_request(tmp_path: Path, kind: str) -> None:
    source = f"""
    from approutes import NextResponse

    {kind} middleware(request):
        if request.headers.get("authorization") != "Bearer ok":
            return NextResponse.json({{"error": "Unauthorized"}}, status=401)
        return None
    """
    root = make_project(tmp_path, with_middleware(source))
    async with client_for(root) as client:
        refused = await client.get("/api/hello")
        allowed = await client.get("/api/hello", headers={"authorization": "Bearer ok"})

    assert refused.status_code == 401
    assert refused.json() == {"error": "Unauthorized"}
    assert allowed.status_code == 200
    assert allowed.json() == {"message": "Hello World"}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "value",
    ["middleware", "middleware:middleware:middleware:middleware:middleware", "src/middleware"],
)
async def test_a_client_x_middleware_subrequest_header_cannot_skip_middleware(
    tmp_path: Path, value: str
) -> None:
    response = await get(
        tmp_path,
        with_middleware(BLOCKING),
        "/api/hello",
        headers={"x-middleware-subrequest": value},
    )

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}


@pytest.mark.anyio
async def test_next_response_redirect_in_middleware_is_a_307_to_an_absolute_url(
    tmp_path: Path,
) -> None:
    source = """
    from approutes import NextResponse

    def middleware(request):
        return NextResponse.redirect("/api/hello")
    """
    response = await get(tmp_path, with_middleware(source), "/api/echo?x=1")

    assert response.status_code == 307
    assert response.headers["location"] == "http://localhost:3000/api/hello"


@pytest.mark.anyio
async def test_a_middleware_redirect_body_is_the_location_text(tmp_path: Path) -> None:
    # NEXTJS-SEMANTICS rule 48 (mw-redirect-body): the 307's body is the Location.
    source = """
    from approutes import NextResponse

    def middleware(request):
        return NextResponse.redirect("/api/hello")
    """
    response = await get(tmp_path, with_middleware(source), "/api/echo")

    assert response.status_code == 307
    assert response.text == response.headers["location"]


@pytest.mark.anyio
async def test_navigation_redirect_inside_middleware_is_a_307(tmp_path: Path) -> None:
    source = """
    from approutes.navigation import redirect

    def middleware(request):
        redirect("/login")
    """
    response = await get(tmp_path, with_middleware(source), "/api/hello")

    assert response.status_code == 307
    assert urlsplit(response.headers["location"]).path == "/login"


@pytest.mark.anyio
async def test_navigation_not_found_inside_middleware_is_the_404(tmp_path: Path) -> None:
    source = """
    from approutes.navigation import not_found

    async def middleware(request):
        not_found()
    """
    response = await get(tmp_path, with_middleware(source), "/api/hello")

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


# --- rewrite() --------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["def", "async def"])
async def test_rewrite_serves_the_target_route_with_its_params_and_its_query(
    tmp_path: Path, kind: str
) -> None:
    source = f"""
    from approutes import NextResponse

    config = {{"matcher": "/api/mw/:path*"}}

    {kind} middleware(request):
        return NextResponse.rewrite("/api/items/7?q=1")
    """
    response = await get(tmp_path, with_middleware(source), "/api/mw/rw?orig=1")

    assert response.status_code == 200
    # COMPAT(next) rule 47: the target's query replaces the original one.
    assert response.json() == {"id": "7", "search": "?q=1"}


@pytest.mark.anyio
async def test_rewrite_to_a_target_without_a_query_drops_the_original_query(
    tmp_path: Path,
) -> None:
    source = """
    from approutes import NextResponse

    config = {"matcher": "/api/mw/:path*"}

    def middleware(request):
        return NextResponse.rewrite("/api/items/8")
    """
    response = await get(tmp_path, with_middleware(source), "/api/mw/rw?orig=1")

    assert response.json() == {"id": "8", "search": ""}


@pytest.mark.anyio
async def test_rewrite_to_an_absolute_same_origin_url_built_from_next_url(tmp_path: Path) -> None:
    source = """
    from approutes import NextResponse

    config = {"matcher": "/api/mw/:path*"}

    def middleware(request):
        url = request.next_url.clone()
        url.pathname = "/api/items/9"
        return NextResponse.rewrite(url)
    """
    response = await get(tmp_path, with_middleware(source), "/api/mw/rw?keep=1")

    assert response.status_code == 200
    assert response.json() == {"id": "9", "search": "?keep=1"}


@pytest.mark.anyio
async def test_rewrite_to_a_path_without_a_route_is_a_404(tmp_path: Path) -> None:
    source = """
    from approutes import NextResponse

    config = {"matcher": "/api/mw/:path*"}

    def middleware(request):
        return NextResponse.rewrite("/api/nowhere")
    """
    response = await get(tmp_path, with_middleware(source), "/api/mw/rw")

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


@pytest.mark.anyio
async def test_rewrite_to_an_unreachable_origin_is_a_502(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    source = f"""
    from approutes import NextResponse

    def middleware(request):
        return NextResponse.rewrite("http://127.0.0.1:{port}/api/hello")
    """
    response = await get(tmp_path, with_middleware(source), "/api/echo")

    assert response.status_code == 502
    assert response.json() == {"error": "Bad Gateway"}


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["def", "async def"])
async def test_middleware_raising_is_a_500_logged_naming_middleware_py(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    source = f"{kind} middleware(request):\n    raise RuntimeError('kaboom')\n"
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        response = await get(tmp_path, with_middleware(source), "/api/hello")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert "kaboom" not in response.text
    messages = error_messages(caplog)
    assert len(messages) == 1
    assert "middleware.py" in messages[0]


@pytest.mark.anyio
async def test_middleware_returning_a_dict_is_a_500_naming_middleware_py(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = "def middleware(request):\n    return {'not': 'a response'}\n"
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        response = await get(tmp_path, with_middleware(source), "/api/hello")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert any("middleware.py" in message for message in error_messages(caplog))


# --- load errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        pytest.param(
            'config = {"matcher": "/api/:path*"}\n',
            "middleware(request)",
            id="no-function",
        ),
        pytest.param("middleware = 3\n", "middleware(request)", id="not-callable"),
        pytest.param(
            "def middleware():\n    return None\n", "middleware(request)", id="no-arguments"
        ),
        pytest.param(
            "def middleware(request, event, extra):\n    return None\n",
            "middleware(request)",
            id="three-arguments",
        ),
        pytest.param(
            'config = {"matcher": "/a/:"}\n\ndef middleware(request):\n    return None\n',
            "'/a/:'",
            id="bad-matcher",
        ),
        pytest.param(
            'config = {"matcher": ["/ok", "/a/:"]}\n\ndef middleware(request):\n    return None\n',
            'config["matcher"][1]',
            id="bad-matcher-in-a-list",
        ),
        pytest.param(
            'config = ["/api/:path*"]\n\ndef middleware(request):\n    return None\n',
            "config must be a dict",
            id="config-not-a-dict",
        ),
        pytest.param(
            'config = {"matchers": "/api"}\n\ndef middleware(request):\n    return None\n',
            "config must be a dict",
            id="config-unknown-key",
        ),
    ],
)
def test_an_invalid_middleware_py_refuses_to_start_naming_the_file_and_problem(
    tmp_path: Path, source: str, problem: str
) -> None:
    root = make_project(tmp_path, {**ROUTES, MIDDLEWARE: source})
    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    error = caught.value
    assert error.code == "bad-middleware"
    message = error.render()
    assert "middleware.py" in message
    assert problem in message


def test_a_bad_matcher_is_described(tmp_path: Path) -> None:
    source = 'config = {"matcher": "/a/:"}\n\ndef middleware(request):\n    return None\n'
    root = make_project(tmp_path, {**ROUTES, MIDDLEWARE: source})
    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    message = caught.value.render()
    assert "matcher is not valid" in message
    assert "parameter name" in message


def test_middleware_py_raising_on_import_refuses_to_start_naming_the_file(tmp_path: Path) -> None:
    source = "raise ValueError('broken at import')\n"
    root = make_project(tmp_path, {**ROUTES, MIDDLEWARE: source})
    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    message = caught.value.render()
    assert "middleware.py" in message
    assert "broken at import" in message
