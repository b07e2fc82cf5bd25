"""The Pages Router through a real server process (uvicorn and granian), as a client sees it.

Each member of `req` and `res`, streaming with `res.write()` flushed chunk by chunk, clients
that leave mid-stream, errors, and `res.revalidate()`. Handler and test meet through files in
a probe directory (`PROBE_DIR`); the server's output is read as it is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.live_server import (
    PING,
    PROBE,
    SERVERS,
    http_request,
    new_token,
    project_server,
    send_then_close,
    wait_until,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    import httpx
    from tests.live_server import LiveServer

pytestmark = pytest.mark.timeout(60)

JSON_TYPE = "application/json; charset=utf-8"

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
        res.json({
            "method": req.method,
            "url": req.url,
            "query": req.query,
            "headers": req.headers,
            "cookies": req.cookies,
            "body": req.body,
        })
"""

QUERY = """
    def handler(req, res):
        res.json({"query": req.query})
"""

LIMITED = """
    config = {"api": {"body_parser": {"size_limit": "1kb"}}}


    def handler(req, res):
        res.json({"length": len(req.body)})
"""

RAW = """
    config = {"api": {"body_parser": False}}


    async def handler(req, res):
        size = 0
        async for chunk in req:
            size += len(chunk)
        res.json({"body": req.body, "size": size})
"""

SEND = """
    def handler(req, res):
        kind = req.query["kind"]
        bodies = {"str": "plain words", "bytes": b"\\x00\\x01", "dict": {"a": 1}, "none": None}
        if kind == "204":
            res.status(204).send("dropped")
        else:
            res.send(bodies[kind])
"""

REDIRECT = """
    def handler(req, res):
        if "status" in req.query:
            res.redirect(int(req.query["status"]), req.query["to"])
        else:
            res.redirect(req.query["to"])
"""

RAW_SYNC = """
    config = {"api": {"body_parser": False}}


    def handler(req, res):
        res.json({"body": req.body, "size": sum(len(chunk) for chunk in req)})
"""

RESPONSE_LIMIT = """
    config = {"api": {"response_limit": "1kb"}}


    def handler(req, res):
        res.send("x" * int(req.query["size"]))
"""

HEADERS = """
    def handler(req, res):
        res.set_header("Allow", ["POST"])
        res.set_header("X-Custom", "yes")
        allow, custom = res.get_header("Allow"), res.get_header("x-custom")
        res.status(405).json({"allow": allow, "custom": custom})
"""

# Chunk 2 comes only once the test has created `<token>.go`, which it does after reading
# chunk 1: without flushing, the client would wait for chunk 1 until its timeout.
STREAM_ASYNC = """
    from lib.probe import wait_for


    async def handler(req, res):
        token = req.query["token"]
        res.set_header("Content-Type", "text/plain; charset=utf-8")
        res.write("chunk 1\\n")
        res.write("chunk 2\\n" if await wait_for(f"{token}.go") else "gave up waiting\\n")
        res.end("end\\n")
"""

STREAM_SYNC = """
    from lib.probe import wait_for_sync


    def handler(req, res):
        token = req.query["token"]
        res.set_header("Content-Type", "text/plain; charset=utf-8")
        res.write(b"chunk 1\\n")
        res.write(b"chunk 2\\n" if wait_for_sync(f"{token}.go") else b"gave up waiting\\n")
        res.end(b"end\\n")
"""

# Written until the client leaves: the async handler is cancelled, the sync one (in a worker
# thread) sees res.write() return False.
FOREVER_ASYNC = """
    import asyncio

    from lib.probe import mark


    async def handler(req, res):
        try:
            while True:
                res.write("tick\\n")
                await asyncio.sleep(0.05)
        finally:
            mark(f"{req.query['token']}.closed")
"""

FOREVER_SYNC = """
    import time

    from lib.probe import mark


    def handler(req, res):
        try:
            while res.write("tick\\n"):
                time.sleep(0.05)
        finally:
            mark(f"{req.query['token']}.closed")
"""

END_ONLY = """
    def handler(req, res):
        res.status(202).end("accepted")
"""

COUNT = """
    SEEN = []


    def handler(req, res):
        SEEN.append(req.method)
        res.set_header("X-Seen", ",".join(SEEN))
        res.send("counted")
"""

THROWS = """
    def handler(req, res):
        raise RuntimeError("legacy boom")
"""

NO_END = """
    def handler(req, res):
        res.status(201)
"""

REVALIDATE = """
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

ROUTES = {
    "lib/__init__.py": "",
    "lib/probe.py": PROBE,
    "app/ping/route.py": PING,
    "app/api/static/route.py": STATIC_APP_ROUTE,
    "pages/api/hello.py": HELLO,
    "pages/api/echo.py": ECHO,
    "pages/api/items/[id].py": QUERY,
    "pages/api/catch/[...slug].py": QUERY,
    "pages/api/limited.py": LIMITED,
    "pages/api/raw.py": RAW,
    "pages/api/raw_sync.py": RAW_SYNC,
    "pages/api/opt/[[...slug]].py": QUERY,
    "pages/api/big.py": RESPONSE_LIMIT,
    "pages/api/send.py": SEND,
    "pages/api/redirect.py": REDIRECT,
    "pages/api/headers.py": HEADERS,
    "pages/api/stream/async.py": STREAM_ASYNC,
    "pages/api/stream/sync.py": STREAM_SYNC,
    "pages/api/forever/async.py": FOREVER_ASYNC,
    "pages/api/forever/sync.py": FOREVER_SYNC,
    "pages/api/end_only.py": END_ONLY,
    "pages/api/count.py": COUNT,
    "pages/api/throws.py": THROWS,
    "pages/api/no_end.py": NO_END,
    "pages/api/revalidate.py": REVALIDATE,
    "approutes.toml": 'cache = "memory"\n',
}

# --- the server ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with project_server(tmp_path_factory, "pages", request.param, ROUTES, probe=True) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


# --- the classic hello, any method, HEAD ---------------------------------------------------


def test_the_classic_hello_handler(client: httpx.Client) -> None:
    response = client.get("/api/hello")

    assert response.status_code == 200
    assert response.json() == {"name": "John Doe"}
    assert response.headers["content-type"] == JSON_TYPE
    assert response.headers["content-length"] == str(len(b'{"name":"John Doe"}'))
    assert "etag" in response.headers


@pytest.mark.parametrize("method", ["DELETE", "PUT", "OPTIONS", "PROPFIND"])
def test_any_method_reaches_the_handler(client: httpx.Client, method: str) -> None:
    response = client.request(method, "/api/echo")

    assert response.status_code == 200
    assert response.json()["method"] == method
    assert "allow" not in response.headers


def test_head_runs_the_handler_without_sending_the_body(client: httpx.Client) -> None:
    head = client.head("/api/count")
    get = client.get("/api/count")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(b"counted"))
    assert get.headers["x-seen"].endswith("HEAD,GET")


# --- req -----------------------------------------------------------------------------------


def test_query_merges_the_query_string_and_params(client: httpx.Client) -> None:
    response = client.get("/api/items/5?q=x&q=y&z=1&id=lost")

    assert response.json() == {"query": {"q": ["x", "y"], "z": "1", "id": "5"}}


def test_a_catch_all_param_is_a_list(client: httpx.Client) -> None:
    response = client.get("/api/catch/a/b%20c/d")

    assert response.json() == {"query": {"slug": ["a", "b c", "d"]}}


def test_an_empty_optional_catch_all_has_no_key(client: httpx.Client) -> None:
    assert client.get("/api/opt?x=1").json() == {"query": {"x": "1"}}
    assert client.get("/api/opt/a/b").json() == {"query": {"slug": ["a", "b"]}}


def test_req_url_headers_and_cookies(client: httpx.Client) -> None:
    response = client.get(
        "/api/echo?x=1",
        headers=[("X-Probe", "one"), ("X-Probe", "two"), ("Cookie", 'a=1; a=2; q="v"; bare')],
    )

    data = response.json()
    assert data["url"] == "/api/echo?x=1"
    assert data["headers"]["x-probe"] == "one, two"
    assert data["cookies"] == {"a": "1", "q": "v"}


@pytest.mark.parametrize(
    ("content_type", "content", "body"),
    [
        pytest.param("application/json", b'{"x":[1,2]}', {"x": [1, 2]}, id="json"),
        pytest.param("application/json", b"", {}, id="empty-json"),
        pytest.param(
            "application/x-www-form-urlencoded", b"a=1&a=2&b", {"a": ["1", "2"], "b": ""}, id="form"
        ),
        pytest.param("text/plain", b"just text", "just text", id="text"),
        pytest.param(None, b"untyped", "untyped", id="untyped"),
        pytest.param(None, None, "", id="no-body"),
    ],
)
def test_the_body_is_parsed_by_content_type(
    client: httpx.Client, content_type: str | None, content: bytes | None, body: object
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/api/echo", content=content, headers=headers)

    assert response.json()["body"] == body


def test_invalid_json_is_a_400_text(client: httpx.Client) -> None:
    response = client.post(
        "/api/echo", content=b"{oops", headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.text == "Invalid JSON"
    assert "content-type" not in response.headers


@pytest.mark.parametrize(("size", "status"), [(1024, 200), (1025, 413)])
def test_a_body_over_size_limit_is_a_413_text(client: httpx.Client, size: int, status: int) -> None:
    response = client.post("/api/limited", content=b"x" * size)

    assert response.status_code == status
    if status == 413:
        assert response.text == "Body exceeded 1kb limit"
        assert "content-type" not in response.headers
    else:
        assert response.json() == {"length": size}


def test_a_body_sent_chunked_over_size_limit_is_a_413_too(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(4):
            yield b"x" * 300

    response = client.post("/api/limited", content=chunks())

    assert response.status_code == 413
    assert response.text == "Body exceeded 1kb limit"


@pytest.mark.parametrize("path", ["/api/raw", "/api/raw_sync"], ids=["async", "sync"])
def test_with_the_body_parser_off_the_raw_stream_is_read(client: httpx.Client, path: str) -> None:
    response = client.post(path, content=b"y" * 300_000, headers={"content-type": "text/plain"})

    assert response.json() == {"body": None, "size": 300_000}


# --- res -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "content", "content_type"),
    [
        pytest.param("str", 200, b"plain words", None, id="str"),
        pytest.param("bytes", 200, b"\x00\x01", "application/octet-stream", id="bytes"),
        pytest.param("dict", 200, b'{"a":1}', JSON_TYPE, id="dict"),
        pytest.param("none", 200, b"", None, id="none"),
        pytest.param("204", 204, b"", None, id="204"),
    ],
)
def test_send_variants(
    client: httpx.Client, kind: str, status: int, content: bytes, content_type: str | None
) -> None:
    response = client.get("/api/send", params={"kind": kind})

    assert response.status_code == status
    assert response.content == content
    assert response.headers.get("content-type") == content_type


def test_send_adds_an_etag_and_a_matching_if_none_match_is_a_304(client: httpx.Client) -> None:
    first = client.get("/api/send", params={"kind": "dict"})
    etag = first.headers["etag"]
    again = client.get("/api/send", params={"kind": "dict"}, headers={"if-none-match": etag})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag


@pytest.mark.parametrize(
    ("params", "status"),
    [({"to": "/api/hello"}, 307), ({"to": "/api/hello?x=1", "status": "308"}, 308)],
    ids=["default-307", "status-and-url"],
)
def test_redirect_sets_location_and_writes_the_url(
    client: httpx.Client, params: dict[str, str], status: int
) -> None:
    response = client.get("/api/redirect", params=params)

    assert response.status_code == status
    assert response.headers["location"] == params["to"]
    assert response.text == params["to"]


def test_a_response_over_response_limit_is_sent_and_logged(
    server: LiveServer, client: httpx.Client
) -> None:
    small = client.get("/api/big", params={"size": "1000"})
    big = client.get("/api/big", params={"size": "5000"})

    assert (small.status_code, len(small.content)) == (200, 1000)
    assert (big.status_code, len(big.content)) == (200, 5000)
    log = server.log.wait_for("API response for /api/big?size=5000 exceeds 1kb")
    assert "pages/api/big.py" in log
    assert "/api/big?size=1000" not in log


def test_set_header_and_get_header(client: httpx.Client) -> None:
    response = client.get("/api/headers")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["x-custom"] == "yes"
    assert response.json() == {"allow": ["POST"], "custom": "yes"}


def test_end_with_data_is_the_whole_response(client: httpx.Client) -> None:
    response = client.get("/api/end_only")

    assert (response.status_code, response.text) == (202, "accepted")
    assert response.headers["content-length"] == "8"


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_each_written_chunk_reaches_the_client_before_the_next_is_produced(
    server: LiveServer, client: httpx.Client, kind: str
) -> None:
    token = new_token()
    # NOTE: identity, to see the chunks as written (test_public_files_live.py reads a
    # compressed stream chunk by chunk).
    identity = {"accept-encoding": "identity"}
    with client.stream(
        "GET", f"/api/stream/{kind}", params={"token": token}, headers=identity
    ) as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        chunks = response.iter_raw()
        # Chunk 2 waits for the go file, which only this read unblocks: an unflushed chunk 1
        # would end in a ReadTimeout here.
        assert next(chunks) == b"chunk 1\n"
        server.marker(f"{token}.go").touch()
        rest = b"".join(chunks)
    assert rest == b"chunk 2\nend\n"


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_client_that_leaves_mid_stream_stops_the_handler(server: LiveServer, kind: str) -> None:
    token = new_token()
    path = f"/api/forever/{kind}?token={token}"
    request = http_request("GET", path, keep_alive=True)
    received = send_then_close(server.port, request, read_until=b"tick\n")

    assert received.startswith(b"HTTP/1.1 200")
    closed = server.marker(f"{token}.closed")
    wait_until(closed.exists, f"the {kind} handler stops after the client left")
    server.assert_serving()


# --- errors --------------------------------------------------------------------------------


def test_a_handler_that_raises_is_the_app_router_500(
    server: LiveServer, client: httpx.Client
) -> None:
    response = client.get("/api/throws")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert "legacy boom" not in response.text
    log = server.log.wait_for("unhandled RuntimeError in pages/api/throws.py")
    assert "RuntimeError: legacy boom" in log


def test_a_handler_that_returns_without_ending_is_a_500_naming_the_file(
    server: LiveServer, client: httpx.Client
) -> None:
    response = client.get("/api/no_end")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    log = server.log.wait_for("API resolved without sending a response for /api/no_end")
    assert "pages/api/no_end.py" in log
    server.assert_serving()


# --- res.revalidate --------------------------------------------------------------------------


def test_revalidate_clears_a_force_static_app_route(client: httpx.Client) -> None:
    first = client.get("/api/static").json()
    cached = client.get("/api/static").json()
    done = client.post("/api/revalidate", params={"path": "/api/static"})
    fresh = client.get("/api/static").json()

    assert cached == first
    assert done.json() == {"revalidated": "/api/static"}
    assert fresh == {"render": first["render"] + 1}
