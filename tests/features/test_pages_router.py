"""pages/api handlers in-process: each member of `req` and `res` (DESIGN §11, rules 50-59)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.conftest import client_for, make_project

from approutes import create_app
from approutes.build.route_rows import route_rows
from approutes.cli.build_command import build_project
from approutes.errors import RouteModuleError
from approutes.pages.etag import generate_etag
from approutes.project.importer import forget_project_modules
from approutes.route_loading import load_routes
from approutes.route_modules.pages_module import PagesModule
from approutes.testing import TestClient

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.anyio

ERROR_LOGGER = "approutes.error"
JSON_TYPE = "application/json; charset=utf-8"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "basic"

# The classic create-next-app pages/api/hello.ts, line by line.
HELLO = """
# Next.js API route support: https://nextjs.org/docs/api-routes/introduction
from typing import TypedDict


class Data(TypedDict):
    name: str


def handler(req, res):
    res.status(200).json({"name": "John Doe"})
"""

ECHO = """
async def handler(req, res):
    res.status(200).json({
        "method": req.method,
        "url": req.url,
        "query": req.query,
        "headers": req.headers,
        "cookies": req.cookies,
        "body": req.body,
        "kind": type(req.body).__name__,
    })
"""

QUERY = """
def handler(req, res):
    res.json({"query": req.query})
"""

COUNT = """
SEEN = []


def handler(req, res):
    SEEN.append(req.method)
    res.set_header("X-Seen", str(len(SEEN)))
    res.send(f"seen {SEEN}")
"""

LIMITED = """
config = {"api": {"body_parser": {"size_limit": "1kb"}}}


def handler(req, res):
    res.json({"length": len(req.body)})
"""

DEFAULT_LIMIT = """
def handler(req, res):
    res.json({"length": len(req.body)})
"""

RAW_ASYNC = """
config = {"api": {"body_parser": False}}


async def handler(req, res):
    chunks = [chunk async for chunk in req]
    res.json({"body": req.body, "raw": b"".join(chunks).decode()})
"""

RAW_SYNC = """
config = {"api": {"body_parser": False}}


def handler(req, res):
    res.json({"body": req.body, "raw": b"".join(chunk for chunk in req).decode()})
"""

SEND = """
def handler(req, res):
    kind = req.query["kind"]
    if kind == "str":
        res.send("plain words")
    elif kind == "bytes":
        res.send(b"\\x00\\x01")
    elif kind == "dict":
        res.send({"a": 1})
    elif kind == "list":
        res.send([1, 2])
    elif kind == "number":
        res.send(42)
    elif kind == "none":
        res.send(None)
    elif kind == "204":
        res.status(204).send({"dropped": True})
    elif kind == "generator":
        res.send(chunk for chunk in [b"a", b"b"])
"""

REDIRECT = """
def handler(req, res):
    if "status" in req.query:
        res.redirect(int(req.query["status"]), req.query["to"])
    else:
        res.redirect(req.query["to"])
"""

HEADERS = """
def handler(req, res):
    res.set_header("Allow", ["GET", "POST"])
    res.set_header("X-Number", 7)
    res.set_header("Set-Cookie", ["a=1; Path=/", "b=2; Path=/"])
    res.status(405).json({
        "allow": res.get_header("allow"),
        "number": res.get_header("x-number"),
        "missing": res.get_header("x-missing"),
    })
"""

STREAM = """
import asyncio


async def handler(req, res):
    res.set_header("Content-Type", "text/plain; charset=utf-8")
    res.write("one\\n")
    await asyncio.sleep(0)
    res.write(b"two\\n")
    res.end("three\\n")
"""

STREAM_SYNC = """
def handler(req, res):
    res.status(201)
    res.write("one\\n")
    res.write("two\\n")
    res.end()
"""

END_ONLY = """
def handler(req, res):
    res.set_header("X-Ended", "yes")
    res.end()
"""

NO_END = """
def handler(req, res):
    res.status(200)
"""

STREAM_NO_END = """
async def handler(req, res):
    res.write("partial\\n")
"""

THROWS = """
def handler(req, res):
    raise RuntimeError("legacy boom")
"""

THROWS_AFTER = """
async def handler(req, res):
    res.json({"sent": True})
    raise RuntimeError("after the response")
"""

THROWS_MID_STREAM = """
def handler(req, res):
    res.write("before\\n")
    raise RuntimeError("mid stream")
"""

HTTP_ERROR = """
from approutes import HTTPError


def handler(req, res):
    raise HTTPError(409, "Taken")
"""

HELPERS = """
from approutes.headers import cookies
from approutes.navigation import redirect


async def handler(req, res):
    cookies().set("seen", "pages")
    if req.query.get("go"):
        redirect("/api/hello")
    res.json({"ok": True})
"""

REVALIDATE = """
def handler(req, res):
    res.revalidate(req.query["path"])
    res.json({"revalidated": req.query["path"]})
"""

REVALIDATE_ASYNC = """
async def handler(req, res):
    await res.revalidate(req.query["path"])
    res.json({"revalidated": req.query["path"]})
"""

STATIC_APP_ROUTE = """
import itertools

dynamic = "force-static"
RENDERS = itertools.count(1)


def GET():
    return {"render": next(RENDERS)}
"""

FILES = {
    "pages/api/hello.py": HELLO,
    "pages/api/index.py": "def handler(req, res):\n    res.json({'index': True})\n",
    "pages/api/echo.py": ECHO,
    "pages/api/items/[id].py": QUERY,
    "pages/api/catch/[...slug].py": QUERY,
    "pages/api/opt/[[...slug]].py": QUERY,
    "pages/api/count.py": COUNT,
    "pages/api/limited.py": LIMITED,
    "pages/api/default_limit.py": DEFAULT_LIMIT,
    "pages/api/raw_async.py": RAW_ASYNC,
    "pages/api/raw_sync.py": RAW_SYNC,
    "pages/api/send.py": SEND,
    "pages/api/redirect.py": REDIRECT,
    "pages/api/headers.py": HEADERS,
    "pages/api/stream.py": STREAM,
    "pages/api/stream_sync.py": STREAM_SYNC,
    "pages/api/end_only.py": END_ONLY,
    "pages/api/no_end.py": NO_END,
    "pages/api/stream_no_end.py": STREAM_NO_END,
    "pages/api/throws.py": THROWS,
    "pages/api/throws_after.py": THROWS_AFTER,
    "pages/api/throws_mid_stream.py": THROWS_MID_STREAM,
    "pages/api/http_error.py": HTTP_ERROR,
    "pages/api/helpers.py": HELPERS,
    "pages/api/revalidate.py": REVALIDATE,
    "pages/api/revalidate_async.py": REVALIDATE_ASYNC,
    "app/api/static/route.py": STATIC_APP_ROUTE,
    "app/api/ping/route.py": "async def GET():\n    return {'pong': True}\n",
}


@pytest.fixture(autouse=True)
def _isolate_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sys, "path", [*sys.path])
    yield
    forget_project_modules(tmp_path)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path, {**FILES, "approutes.toml": 'cache = "memory"\n'})


def error_messages(caplog: pytest.LogCaptureFixture) -> str:
    """What approutes logged, tracebacks included."""
    return caplog.text


async def wait_for_log(caplog: pytest.LogCaptureFixture, text: str) -> str:
    """The log once it holds `text` (a handler may log after its response was sent)."""
    stop = time.monotonic() + 5
    while text not in caplog.text and time.monotonic() < stop:
        await asyncio.sleep(0.01)
    return caplog.text


# --- the classic hello, any method, HEAD, index ----------------------------------------------


async def test_the_classic_hello_handler_answers_as_in_next(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/hello")

    assert response.status_code == 200
    assert response.json() == {"name": "John Doe"}
    assert response.headers["content-type"] == JSON_TYPE
    assert response.headers["etag"] == generate_etag(b'{"name":"John Doe"}')


async def test_the_example_project_serves_the_ported_hello(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "test.sqlite3"))
    import httpx  # noqa: PLC0415 - only this test builds its own client

    app = create_app(EXAMPLE)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            response = await c.get("/api/legacy/hello")
    finally:
        forget_project_modules(EXAMPLE)
        for name in [n for n in sys.modules if n == "lib" or n.startswith("lib.")]:
            del sys.modules[name]
    assert response.status_code == 200
    assert response.json() == {"name": "John Doe"}


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"])
async def test_every_method_reaches_the_handler_with_no_automatic_answers(
    project: Path, method: str
) -> None:
    async with client_for(project) as client:
        response = await client.request(method, "/api/echo")

    assert response.status_code == 200
    assert response.json()["method"] == method
    assert "allow" not in response.headers


async def test_head_runs_the_handler_and_drops_the_body(project: Path) -> None:
    async with client_for(project) as client:
        head = await client.head("/api/count")
        get = await client.get("/api/count")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["x-seen"] == "1"
    assert head.headers["content-length"] == str(len(b"seen ['HEAD']"))
    assert get.text == "seen ['HEAD', 'GET']"


async def test_pages_api_index_serves_api(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api")

    assert response.json() == {"index": True}


# --- req -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query"),
    [
        pytest.param(
            "/api/items/5?q=x&q=y&z=1",
            {"q": ["x", "y"], "z": "1", "id": "5"},
            id="query-merged-with-params",
        ),
        pytest.param("/api/items/5?id=other", {"id": "5"}, id="params-win"),
        pytest.param("/api/items/a%20b?flag", {"id": "a b", "flag": ""}, id="decoded-bare-key"),
        pytest.param("/api/catch/a/b/c", {"slug": ["a", "b", "c"]}, id="catch-all-list"),
        pytest.param("/api/opt", {}, id="optional-catch-all-absent"),
        pytest.param("/api/opt/a?slug=q", {"slug": ["a"]}, id="optional-catch-all-wins"),
        pytest.param("/api/opt?slug=q", {"slug": "q"}, id="optional-absent-keeps-query"),
    ],
)
async def test_query_is_the_query_string_merged_with_route_params(
    project: Path, path: str, query: dict[str, Any]
) -> None:
    async with client_for(project) as client:
        response = await client.get(path)

    assert response.status_code == 200
    assert response.json() == {"query": query}


async def test_req_has_method_url_lower_case_headers_and_cookies(project: Path) -> None:
    headers = [
        ("X-Probe", "one"),
        ("x-probe", "two"),
        ("Cookie", 'a=1; a=2; q="quoted"; flag'),
    ]
    async with client_for(project) as client:
        response = await client.get("/api/echo?x=1&x=2", headers=headers)

    data = response.json()
    assert data["method"] == "GET"
    assert data["url"] == "/api/echo?x=1&x=2"
    assert data["headers"]["x-probe"] == "one, two"
    assert all(name == name.lower() for name in data["headers"])
    assert data["cookies"] == {"a": "1", "q": "quoted"}
    assert data["query"] == {"x": ["1", "2"]}


@pytest.mark.parametrize(
    ("content_type", "content", "body", "kind"),
    [
        pytest.param("application/json", b'{"x":[1,2]}', {"x": [1, 2]}, "dict", id="json"),
        pytest.param("application/ld+json", b"[1]", [1], "list", id="ld-json"),
        pytest.param("application/json", b"", {}, "dict", id="empty-json"),
        pytest.param(
            "application/x-www-form-urlencoded",
            b"a=1&a=2&b",
            {"a": ["1", "2"], "b": ""},
            "dict",
            id="urlencoded",
        ),
        pytest.param("text/plain", b"just text", "just text", "str", id="text"),
        pytest.param("application/vnd.x+json", b'{"a":1}', '{"a":1}', "str", id="vendor-json"),
        pytest.param(None, b"untyped", "untyped", "str", id="no-type"),
        pytest.param(None, None, "", "str", id="no-body"),
    ],
)
async def test_body_is_parsed_by_content_type(
    project: Path, content_type: str | None, content: bytes | None, body: Any, kind: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    async with client_for(project) as client:
        response = await client.post("/api/echo", content=content, headers=headers)

    assert response.status_code == 200
    assert (response.json()["body"], response.json()["kind"]) == (body, kind)


async def test_a_get_body_is_parsed_too(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.request("GET", "/api/echo", content=b"in a get")

    assert response.json()["body"] == "in a get"


async def test_invalid_json_is_a_400_text_without_content_type(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.post(
            "/api/echo", content=b"{oops", headers={"content-type": "application/json"}
        )

    assert response.status_code == 400
    assert response.text == "Invalid JSON"
    assert "content-type" not in response.headers


@pytest.mark.parametrize(
    ("path", "size", "status"),
    [
        pytest.param("/api/limited", 1024, 200, id="1kb-inclusive"),
        pytest.param("/api/limited", 1025, 413, id="1kb-one-byte-over"),
        pytest.param("/api/default_limit", 1024 * 1024, 200, id="default-1mb-inclusive"),
        pytest.param("/api/default_limit", 1024 * 1024 + 1, 413, id="default-1mb-over"),
    ],
)
async def test_size_limit_is_inclusive_and_one_byte_over_is_413_text(
    project: Path, path: str, size: int, status: int
) -> None:
    async with client_for(project) as client:
        response = await client.post(path, content=b"x" * size)

    assert response.status_code == status
    if status == 200:
        assert response.json() == {"length": size}
    else:
        limit = "1kb" if path == "/api/limited" else "1mb"
        assert response.text == f"Body exceeded {limit} limit"
        assert "content-type" not in response.headers


@pytest.mark.parametrize("kind", ["async", "sync"])
async def test_with_the_body_parser_off_body_is_none_and_the_stream_readable(
    project: Path, kind: str
) -> None:
    async with client_for(project) as client:
        response = await client.post(
            f"/api/raw_{kind}",
            content=b'{"not":"parsed"}',
            headers={"content-type": "application/json"},
        )

    assert response.json() == {"body": None, "raw": '{"not":"parsed"}'}


# --- res -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "content", "content_type"),
    [
        pytest.param("str", 200, b"plain words", None, id="str-no-content-type"),
        pytest.param("bytes", 200, b"\x00\x01", "application/octet-stream", id="bytes"),
        pytest.param("dict", 200, b'{"a":1}', JSON_TYPE, id="dict-json"),
        pytest.param("list", 200, b"[1,2]", JSON_TYPE, id="list-json"),
        pytest.param("number", 200, b"42", JSON_TYPE, id="number-json"),
        pytest.param("none", 200, b"", None, id="none-empty"),
        pytest.param("204", 204, b"", None, id="204-strips-body-and-type"),
        pytest.param("generator", 200, b"ab", "application/octet-stream", id="iterator-streams"),
    ],
)
async def test_send_answers_each_kind_of_body_as_next(
    project: Path, kind: str, status: int, content: bytes, content_type: str | None
) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/send", params={"kind": kind})

    assert response.status_code == status
    assert response.content == content
    assert response.headers.get("content-type") == content_type
    if kind in ("str", "bytes", "dict", "list", "number"):
        assert response.headers["etag"] == generate_etag(content)
    else:
        assert "etag" not in response.headers


async def test_a_matching_if_none_match_is_a_304(project: Path) -> None:
    async with client_for(project) as client:
        first = await client.get("/api/hello")
        again = await client.get("/api/hello", headers={"if-none-match": first.headers["etag"]})
        other = await client.get("/api/hello", headers={"if-none-match": '"other"'})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("params", "status", "location"),
    [
        pytest.param({"to": "/api/hello"}, 307, "/api/hello", id="default-307"),
        pytest.param({"to": "/a?b=1", "status": "301"}, 301, "/a?b=1", id="status-first"),
        pytest.param({"to": "https://example.com/x"}, 307, "https://example.com/x", id="absolute"),
    ],
)
async def test_redirect_sets_location_as_given_and_writes_it(
    project: Path, params: dict[str, str], status: int, location: str
) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/redirect", params=params)

    assert response.status_code == status
    assert response.headers["location"] == location
    assert response.text == location


async def test_set_header_and_get_header(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/headers")

    assert response.status_code == 405
    assert response.headers.get_list("allow") == ["GET", "POST"]
    assert response.headers["x-number"] == "7"
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.json() == {"allow": ["GET", "POST"], "number": 7, "missing": None}


@pytest.mark.parametrize(
    ("path", "status", "content"),
    [
        pytest.param("/api/stream", 200, b"one\ntwo\nthree\n", id="async"),
        pytest.param("/api/stream_sync", 201, b"one\ntwo\n", id="sync"),
    ],
)
async def test_write_streams_the_body_until_end(
    project: Path, path: str, status: int, content: bytes
) -> None:
    async with client_for(project) as client:
        response = await client.get(path)

    assert response.status_code == status
    assert response.content == content
    assert "content-length" not in response.headers


async def test_end_alone_ends_an_empty_response(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/end_only")

    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["x-ended"] == "yes"
    assert "content-type" not in response.headers


# --- handlers that do not end, or raise ------------------------------------------------------


async def test_a_handler_that_returns_without_ending_is_a_500_naming_the_file(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        async with client_for(project) as client:
            response = await client.get("/api/no_end")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert response.headers["content-type"] == "application/json"
    log = error_messages(caplog)
    assert "pages/api/no_end.py" in log
    assert "API resolved without sending a response for /api/no_end" in log


async def test_a_stream_whose_handler_returns_without_end_ends_there_logged(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=ERROR_LOGGER):
        async with client_for(project) as client:
            response = await client.get("/api/stream_no_end")

    assert (response.status_code, response.content) == (200, b"partial\n")
    assert "pages/api/stream_no_end.py returned without calling res.end()" in error_messages(caplog)


@pytest.mark.parametrize("dev", [False, True], ids=["start", "dev"])
async def test_a_handler_that_raises_gets_the_same_500_as_app_routes(
    project: Path, caplog: pytest.LogCaptureFixture, dev: bool
) -> None:
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        async with client_for(project, dev=dev) as client:
            response = await client.get("/api/throws")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == "Internal Server Error"
    assert ("legacy boom" in response.text) is dev
    assert "unhandled RuntimeError in pages/api/throws.py" in error_messages(caplog)


async def test_an_http_error_is_its_json_answer(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/http_error")

    assert response.status_code == 409
    assert response.json() == {"error": "Taken"}


async def test_raising_after_the_response_keeps_it_and_logs_the_file(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    message = "pages/api/throws_after.py raised after its response to /api/throws_after was sent"
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        async with client_for(project) as client:
            response = await client.get("/api/throws_after")
        log = await wait_for_log(caplog, message)

    assert response.json() == {"sent": True}
    assert message in log
    assert "RuntimeError: after the response" in log


async def test_raising_mid_stream_cuts_the_stream_and_logs_the_file(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        async with (
            TestClient(project) as client,
            client.stream("GET", "/api/throws_mid_stream") as response,
        ):
            received: list[bytes] = []
            with pytest.raises(httpx.RemoteProtocolError):  # cut, as from a real server
                await read_into(received, response)

    assert (response.status_code, received) == (200, [b"before\n"])
    assert "pages/api/throws_mid_stream.py raised midway" in error_messages(caplog)


async def test_request_helpers_work_in_pages_handlers(project: Path) -> None:
    async with client_for(project) as client:
        ok = await client.get("/api/helpers")
        moved = await client.get("/api/helpers", params={"go": "1"})

    assert ok.json() == {"ok": True}
    assert ok.headers.get_list("set-cookie") == ["seen=pages; Path=/"]
    assert moved.status_code == 307
    assert moved.headers["location"] == "/api/hello"
    assert moved.headers.get_list("set-cookie") == ["seen=pages; Path=/"]


# --- res.revalidate ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_revalidate_drops_a_force_static_app_route_cached_response(
    project: Path, kind: str
) -> None:
    path = "/api/revalidate" if kind == "sync" else "/api/revalidate_async"
    async with client_for(project) as client:
        first = await client.get("/api/static")
        cached = await client.get("/api/static")
        done = await client.post(path, params={"path": "/api/static"})
        fresh = await client.get("/api/static")

    assert [first.json(), cached.json(), fresh.json()] == [
        {"render": 1},
        {"render": 1},
        {"render": 2},
    ]
    assert done.json() == {"revalidated": "/api/static"}


# --- load: refusals, manifest, route table ----------------------------------------------------


@pytest.mark.parametrize(
    ("source", "code", "hint"),
    [
        pytest.param(
            "def other(req, res): ...\n", "pages-without-handler", "no handler", id="none"
        ),
        pytest.param(
            "async def GET(request): ...\n", "pages-without-handler", "App Router", id="app-style"
        ),
        pytest.param("handler = 1\n", "pages-without-handler", "not a function", id="not-callable"),
        pytest.param(
            "def handler(req): ...\n", "pages-handler-signature", "(req, res)", id="one-arg"
        ),
        pytest.param(
            "def handler(req, res, extra): ...\n",
            "pages-handler-signature",
            "(req, res)",
            id="three-args",
        ),
        pytest.param(
            'config = {"api": {"bodyParser": False}}\ndef handler(req, res): ...\n',
            "bad-pages-config",
            "body_parser",
            id="camel-config",
        ),
    ],
)
def test_a_bad_pages_module_refuses_to_load_naming_the_file(
    tmp_path: Path, source: str, code: str, hint: str
) -> None:
    root = make_project(tmp_path, {"pages/api/x.py": source})
    with pytest.raises(RouteModuleError) as caught:
        create_app(root)
    assert caught.value.code == code
    assert caught.value.files == ("pages/api/x.py",)
    assert hint in str(caught.value)


def test_build_writes_pages_routes_that_start_serves_from_the_manifest(
    tmp_path: Path,
) -> None:
    root = make_project(
        tmp_path,
        {
            "pages/api/hello.py": HELLO,
            "pages/api/items/[id].py": QUERY,
            "pages/api/limited.py": LIMITED,
            "app/api/ping/route.py": "async def GET():\n    return {'pong': True}\n",
        },
    )
    result = build_project(root)
    manifest = json.loads(result.manifest.read_text())
    rows = {row["file"]: row for row in manifest["routes"]}
    assert rows["pages/api/items/[id].py"]["pattern"] == "/api/items/[id]"
    assert rows["pages/api/items/[id].py"]["methods"] == ["ANY"]
    assert rows["pages/api/limited.py"]["config"] == {"size_limit": "1kb"}
    assert rows["app/api/ping/route.py"]["methods"] == ["GET"]
    assert ("/api/limited", "ANY", "pages/api/limited.py", "size_limit='1kb'") in result.rows

    forget_project_modules(root)
    table, modules = load_routes(root, from_manifest=True)
    assert {r.file for r in table.routes} == set(rows)
    found = table.match("/api/items/7")
    assert found is not None
    assert isinstance(modules.get(found.route), PagesModule)
    assert route_rows(table, modules) == result.rows


async def test_a_manifest_project_serves_pages_routes(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"pages/api/items/[id].py": QUERY})
    await asyncio.to_thread(build_project, root)
    forget_project_modules(root)
    async with client_for(root) as client:
        response: httpx.Response = await client.get("/api/items/7?a=1")

    assert response.json() == {"query": {"a": "1", "id": "7"}}


async def read_into(received: list[bytes], response: httpx.Response) -> None:
    """Append each chunk of `response` to `received` as it is read."""
    async for chunk in response.aiter_bytes():
        received.append(chunk)


@pytest.mark.anyio
async def test_max_duration_in_pages_config_answers_504_when_the_handler_is_late(
    tmp_path: Path,
) -> None:
    """Next's Pages API `config = { maxDuration }`: a handler past it does not answer."""
    root = make_project(
        tmp_path,
        {
            "pages/api/slow.py": """
                import asyncio

                config = {"max_duration": 0.05}

                async def handler(req, res):
                    if req.query.get("fast"):
                        res.status(200).json({"fast": True})
                        return
                    await asyncio.Event().wait()  # never answers
            """
        },
    )

    async with client_for(root) as client:
        slow = await client.get("/api/slow")
        fast = await client.get("/api/slow", params={"fast": "1"})

    assert (slow.status_code, slow.json()) == (504, {"error": "Gateway Timeout"})
    assert fast.json() == {"fast": True}


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ('{"maxDuration": 5}', "spell it max_duration"),
        ('{"max_duration": 0}', "positive number of seconds"),
        ('{"max_duration": "5"}', "positive number of seconds"),
    ],
)
def test_a_bad_max_duration_in_pages_config_is_refused(
    tmp_path: Path, config: str, problem: str
) -> None:
    root = make_project(
        tmp_path,
        {"pages/api/x.py": f"config = {config}\n\ndef handler(req, res):\n    res.end()\n"},
    )

    with pytest.raises(RouteModuleError) as caught:
        create_app(root)

    assert problem in caught.value.render()
