"""The request a handler reads: JSON, text, bytes, forms, size limits, query, cookies, URL."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.conftest import client_for, make_project

from approutes import create_app

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping
    from pathlib import Path

ROUTE = "app/api/x/route.py"
ONE_MB = 1024 * 1024

ECHO_JSON = """
async def POST(request):
    return {"data": await request.json()}
"""

ECHO_SIZE = """
from approutes.headers import headers

async def POST(request):
    body = await request.bytes()
    return {
        "size": len(body),
        "content_length": headers().get("content-length"),
        "transfer_encoding": headers().get("transfer-encoding"),
    }
"""

ECHO_FORM = """
from approutes import File

async def POST(request):
    form = await request.form_data()
    out = {"keys": list(form.keys())}
    for name in dict.fromkeys(form.keys()):
        values = []
        for value in form.get_all(name):
            if isinstance(value, File):
                values.append(
                    {
                        "name": value.name,
                        "type": value.type,
                        "size": value.size,
                        "content": (await value.read()).decode(),
                    }
                )
            else:
                values.append(value)
        out[name] = values
    out["first_color"] = form.get("color")
    out["has_missing"] = form.has("missing")
    return out
"""


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # create_app puts each project root first on sys.path; undo that after every test.
    monkeypatch.setattr(sys, "path", [*sys.path])


async def chunked(total: int, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    """Yield `total` bytes in pieces; httpx sends such a body chunked, without Content-Length."""
    sent = 0
    while sent < total:
        piece = min(chunk, total - sent)
        sent += piece
        yield b"x" * piece


async def send(
    tmp_path: Path,
    project: Mapping[str, str] | str,
    method: str = "GET",
    path: str = "/api/x",
    /,
    **request: Any,
) -> httpx.Response:
    """Build `project` (its files, or the one module at ROUTE) and answer one request."""
    root = make_project(tmp_path, {ROUTE: project} if isinstance(project, str) else project)
    async with client_for(root) as client:
        return await client.request(method, path, **request)


def assert_payload_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert response.json() == {"error": "Payload Too Large"}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"


# --- JSON -----------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [b"{", b"", b'{"a": 1} trailing', b'{"a": 1}{"b": 2}', b"{'a': 1}", b"   ", b"\xff\xfe"],
    ids=[
        "malformed",
        "empty",
        "trailing-garbage",
        "two-values",
        "single-quotes",
        "blank",
        "binary",
    ],
)
async def test_request_json_on_invalid_json_is_400(tmp_path: Path, body: bytes) -> None:
    response = await send(
        tmp_path, ECHO_JSON, "POST", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid JSON body"}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b'{"name": "Ada"}', "application/json", {"name": "Ada"}),
        (b'\xef\xbb\xbf{"name": "Ada"}', "application/json", {"name": "Ada"}),
        (b'{"name": "Ada"}', "text/plain", {"name": "Ada"}),
        (b"[1, 2.5, null, true]", "application/json; charset=utf-8", [1, 2.5, None, True]),
        (b'"just a string"', "application/json", "just a string"),
        ('{"name": "Zoë"}'.encode(), "application/json", {"name": "Zoë"}),
    ],
    ids=["object", "byte-order-mark-ignored", "text-plain-type", "array", "scalar", "utf8"],
)
async def test_request_json_parses_the_body_whatever_the_content_type(
    tmp_path: Path, body: bytes, content_type: str, expected: object
) -> None:
    response = await send(
        tmp_path, ECHO_JSON, "POST", content=body, headers={"content-type": content_type}
    )

    assert response.status_code == 200
    assert response.json() == {"data": expected}


@pytest.mark.anyio
async def test_the_body_can_be_read_as_json_then_as_text(tmp_path: Path) -> None:
    source = """
    async def POST(request):
        data = await request.json()
        return {"data": data, "text": await request.text(), "size": len(await request.bytes())}
    """
    response = await send(tmp_path, source, "POST", content=b'{"a":1}')

    assert response.json() == {"data": {"a": 1}, "text": '{"a":1}', "size": 7}


# --- text and bytes -------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "text"),
    [
        pytest.param("héllo wörld".encode(), "héllo wörld", id="utf8"),
        pytest.param(b"ok\xffok", "ok\ufffdok", id="invalid-bytes-replaced"),
    ],
)
async def test_request_text_decodes_utf8_and_replaces_invalid_bytes(
    tmp_path: Path, body: bytes, text: str
) -> None:
    source = """
    async def POST(request):
        return {"text": await request.text()}
    """
    response = await send(tmp_path, source, "POST", content=body)

    assert response.json() == {"text": text}


@pytest.mark.anyio
async def test_request_bytes_returns_the_raw_body(tmp_path: Path) -> None:
    source = """
    from approutes import Response

    async def PUT(request):
        body = await request.bytes()
        same = body == await request.array_buffer()
        return Response(body, headers={"x-same": str(same), "x-type": type(body).__name__})
    """
    payload = bytes(range(256)) * 4
    response = await send(tmp_path, source, "PUT", content=payload)

    assert response.status_code == 200
    assert response.content == payload
    assert response.headers["x-same"] == "True"
    assert response.headers["x-type"] == "bytes"


@pytest.mark.anyio
async def test_request_stream_yields_the_whole_body_in_chunks(tmp_path: Path) -> None:
    source = """
    async def POST(request):
        sizes = [len(chunk) async for chunk in request.stream()]
        return {"total": sum(sizes), "chunks": len(sizes)}
    """
    response = await send(tmp_path, source, "POST", content=chunked(5000, chunk=1000))

    assert response.json() == {"total": 5000, "chunks": 5}


@pytest.mark.anyio
async def test_a_get_body_is_dropped(tmp_path: Path) -> None:
    source = """
    async def GET(request):
        return {"body": await request.text()}
    """
    response = await send(tmp_path, source, content=b"ignored")

    assert response.json() == {"body": ""}


# --- size limits ----------------------------------------------------------------------------


SEGMENT_1KB = {ROUTE: 'body_size_limit = "1kb"\n' + ECHO_SIZE}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("files", "env", "limit", "chunk", "read"),
    [
        pytest.param(
            {ROUTE: ECHO_SIZE},
            {},
            ONE_MB,
            None,
            {"size": ONE_MB, "content_length": str(ONE_MB)},
            id="default-1mb-with-content-length",
        ),
        pytest.param(
            {ROUTE: ECHO_SIZE},
            {},
            ONE_MB,
            64 * 1024,
            {"size": ONE_MB, "content_length": None, "transfer_encoding": "chunked"},
            id="default-1mb-streamed-without-content-length",
        ),
        pytest.param(
            SEGMENT_1KB,
            {},
            1024,
            None,
            {"size": 1024},
            id="segment-body-size-limit-overrides-the-default-content-length",
        ),
        pytest.param(
            SEGMENT_1KB,
            {},
            1024,
            100,
            {"size": 1024},
            id="segment-body-size-limit-overrides-the-default-chunked",
        ),
        pytest.param(
            {"approutes.toml": 'body_size_limit = "2kb"\n', ROUTE: ECHO_SIZE},
            {},
            2048,
            None,
            {"size": 2048},
            id="body-size-limit-in-approutes-toml-applies",
        ),
        pytest.param(
            {ROUTE: ECHO_SIZE},
            {"APPROUTES_BODY_SIZE_LIMIT": "100"},
            100,
            None,
            {"size": 100},
            id="body-size-limit-from-the-environment-applies",
        ),
    ],
)
async def test_a_body_over_the_size_limit_is_413_and_one_at_the_limit_is_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
    env: dict[str, str],
    limit: int,
    chunk: int | None,
    read: dict[str, object],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def body(size: int) -> bytes | AsyncIterator[bytes]:
        """`size` bytes: sent with Content-Length, or chunked in pieces of `chunk` bytes."""
        return b"x" * size if chunk is None else chunked(size, chunk=chunk)

    root = make_project(tmp_path, files)
    async with client_for(root) as client:
        over = await client.post("/api/x", content=body(limit + 1))
        at_limit = await client.post("/api/x", content=body(limit))

    assert_payload_too_large(over)
    assert at_limit.status_code == 200
    assert {name: at_limit.json()[name] for name in read} == read


@pytest.mark.anyio
async def test_reading_a_streamed_body_stops_at_the_limit(tmp_path: Path) -> None:
    pulled = 0

    async def counted() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(1000):
            pulled += 1
            yield b"x" * 256

    response = await send(tmp_path, SEGMENT_1KB, "POST", content=counted())

    assert_payload_too_large(response)
    assert pulled <= 6


@pytest.mark.anyio
async def test_segment_body_size_limit_can_raise_the_limit(tmp_path: Path) -> None:
    source = 'body_size_limit = "2mb"\n' + ECHO_SIZE
    response = await send(tmp_path, source, "POST", content=b"x" * (ONE_MB + 1))

    assert response.status_code == 200
    assert response.json()["size"] == ONE_MB + 1


@pytest.mark.anyio
async def test_a_segment_limit_applies_only_to_its_own_route(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/small/route.py": 'body_size_limit = "1kb"\n' + ECHO_SIZE,
            "app/api/normal/route.py": ECHO_SIZE,
        },
    )
    async with client_for(root) as client:
        small = await client.post("/api/small", content=b"x" * 2048)
        normal = await client.post("/api/normal", content=b"x" * 2048)

    assert small.status_code == 413
    assert normal.status_code == 200


@pytest.mark.anyio
async def test_a_413_from_text_and_json_too(tmp_path: Path) -> None:
    source = """
    body_size_limit = "10b"

    async def POST(request):
        return {"text": await request.text()}

    async def PUT(request):
        return {"data": await request.json()}
    """
    root = make_project(tmp_path, {ROUTE: source})
    async with client_for(root) as client:
        text = await client.post("/api/x", content=b"x" * 11)
        data = await client.put("/api/x", json={"long": "value"})

    assert_payload_too_large(text)
    assert_payload_too_large(data)


# --- forms ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_form_data_parses_a_urlencoded_body_with_repeated_fields(tmp_path: Path) -> None:
    response = await send(
        tmp_path,
        ECHO_FORM,
        "POST",
        content=b"name=Ada+Lovelace&color=red&color=blue&note=50%25&empty=",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "keys": ["name", "color", "color", "note", "empty"],
        "name": ["Ada Lovelace"],
        "color": ["red", "blue"],
        "note": ["50%"],
        "empty": [""],
        "first_color": "red",
        "has_missing": False,
    }


@pytest.mark.anyio
async def test_form_data_parses_multipart_fields_and_files(tmp_path: Path) -> None:
    response = await send(
        tmp_path,
        ECHO_FORM,
        "POST",
        data={"name": "Ada", "color": ["red", "blue"]},
        files={"avatar": ("notes.txt", b"hello file", "text/plain")},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == ["Ada"]
    assert body["color"] == ["red", "blue"]
    assert body["first_color"] == "red"
    assert body["avatar"] == [
        {"name": "notes.txt", "type": "text/plain", "size": 10, "content": "hello file"}
    ]
    assert body["keys"] == ["name", "color", "color", "avatar"]


@pytest.mark.anyio
async def test_multipart_file_over_a_mebibyte_is_read_back_whole(tmp_path: Path) -> None:
    source = """
    async def POST(request):
        form = await request.form_data()
        upload = form.get("blob")
        content = await upload.read()
        return {"size": upload.size, "read": len(content), "same": content == b"ab" * 600_000}
    """
    response = await send(
        tmp_path,
        source,
        "POST",
        files={"blob": ("big.bin", b"ab" * 600_000, "application/octet-stream")},
    )

    assert response.status_code == 200
    assert response.json() == {"size": 1_200_000, "read": 1_200_000, "same": True}


@pytest.mark.anyio
async def test_upload_size_limit_applies_to_multipart_bodies(tmp_path: Path) -> None:
    project = {"approutes.toml": 'upload_size_limit = "1kb"\n', ROUTE: ECHO_FORM}
    response = await send(tmp_path, project, "POST", files={"f": ("a.bin", b"x" * 2048, "")})

    assert_payload_too_large(response)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", None],
    ids=["json", "text", "no-content-type"],
)
async def test_form_data_on_another_content_type_is_400_with_a_message(
    tmp_path: Path, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await send(tmp_path, ECHO_FORM, "POST", content=b'{"a": 1}', headers=headers)

    assert response.status_code == 400
    message = response.json()["error"]
    assert "multipart/form-data" in message
    assert "application/x-www-form-urlencoded" in message


@pytest.mark.anyio
async def test_a_malformed_multipart_body_is_400(tmp_path: Path) -> None:
    response = await send(
        tmp_path,
        ECHO_FORM,
        "POST",
        content=b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated',
        headers={"content-type": "multipart/form-data; boundary=b"},
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"


# --- query, cookies, URL --------------------------------------------------------------------


@pytest.mark.anyio
async def test_search_params_give_first_and_all_values(tmp_path: Path) -> None:
    source = """
    async def GET(request):
        params = request.next_url.search_params
        return {
            "q": params.get("q"),
            "tags": params.get_all("tag"),
            "missing": params.get("missing"),
            "flag": params.get("flag"),
            "has_tag": params.has("tag"),
            "items": [list(pair) for pair in params.items()],
            "shortcut": request.search_params.get("q"),
        }
    """
    response = await send(
        tmp_path, source, "GET", "/api/x?q=hello+world&tag=a&tag=b&flag&name=%C3%A9"
    )

    assert response.json() == {
        "q": "hello world",
        "tags": ["a", "b"],
        "missing": None,
        "flag": "",
        "has_tag": True,
        "items": [["q", "hello world"], ["tag", "a"], ["tag", "b"], ["flag", ""], ["name", "é"]],
        "shortcut": "hello world",
    }


@pytest.mark.anyio
async def test_request_cookies_are_read_from_the_cookie_header(tmp_path: Path) -> None:
    source = """
    async def GET(request):
        jar = request.cookies
        session = jar.get("session")
        return {
            "session": [session.name, session.value],
            "missing": jar.get("missing"),
            "has_theme": jar.has("theme"),
            "count": len(jar),
            "all": sorted(c.name for c in jar.get_all()),
        }
    """
    response = await send(tmp_path, source, headers={"cookie": "session=abc123; theme=dark"})

    assert response.json() == {
        "session": ["session", "abc123"],
        "missing": None,
        "has_theme": True,
        "count": 2,
        "all": ["session", "theme"],
    }


@pytest.mark.anyio
async def test_request_headers_are_case_insensitive_and_join_repeats(tmp_path: Path) -> None:
    source = """
    async def GET(request):
        return {
            "agent": request.headers.get("X-Agent"),
            "accept": request.headers.get("accept-language"),
            "all": request.headers.get_all("x-many"),
            "joined": request.headers.get("x-many"),
        }
    """
    response = await send(
        tmp_path,
        source,
        headers=[
            ("x-agent", "probe"),
            ("Accept-Language", "en"),
            ("x-many", "1"),
            ("x-many", "2"),
        ],
    )

    assert response.json() == {
        "agent": "probe",
        "accept": "en",
        "all": ["1", "2"],
        "joined": "1, 2",
    }


URL_PARTS = """
async def GET(request, context):
    url = request.next_url
    return {
        "url": request.url,
        "origin": url.origin,
        "protocol": url.protocol,
        "hostname": url.hostname,
        "port": url.port,
        "pathname": url.pathname,
        "search": url.search,
        "params": context.params,
    }
"""


URL_APP = {"app/api/files/[name]/route.py": URL_PARTS}


@pytest.mark.anyio
async def test_request_url_is_localhost_with_the_port_whatever_the_host_header(
    tmp_path: Path,
) -> None:
    response = await send(
        tmp_path,
        URL_APP,
        "GET",
        "/api/files/my%20file.txt?x=1",
        headers={"host": "api.example.com"},
    )

    assert response.json() == {
        "url": "http://localhost:3000/api/files/my%20file.txt?x=1",
        "origin": "http://localhost:3000",
        "protocol": "http:",
        "hostname": "localhost",
        "port": "3000",
        "pathname": "/api/files/my%20file.txt",
        "search": "?x=1",
        "params": {"name": "my file.txt"},
    }


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("base_url", "headers", "parts"),
    [
        pytest.param(
            "http://api.example.com:8123",
            {},
            {"origin": "http://localhost:8123", "url": "http://localhost:8123/api/files/a"},
            id="request-url-takes-its-port-from-the-server-scope",
        ),
        pytest.param(
            "http://example.com",
            {},
            {"origin": "http://localhost", "port": ""},
            id="request-url-on-the-default-port-has-no-port",
        ),
        pytest.param(
            "http://localhost:3000",
            {"x-forwarded-proto": "https", "x-forwarded-host": "evil.test"},
            {"origin": "https://localhost:3000", "protocol": "https:"},
            id="x-forwarded-proto-sets-the-scheme-and-x-forwarded-host-is-ignored",
        ),
    ],
)
async def test_request_url_is_built_from_the_server_scope_not_the_host_the_client_names(
    tmp_path: Path, base_url: str, headers: dict[str, str], parts: dict[str, str]
) -> None:
    root = make_project(tmp_path, URL_APP)
    transport = httpx.ASGITransport(app=create_app(root))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        response = await client.get("/api/files/a", headers=headers)

    body = response.json()
    assert {name: body[name] for name in parts} == parts


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "search"),
    [
        ("?flag", "?flag="),
        ("?a=%20b", "?a=+b"),
        ("?d=1;2", "?d=1%3B2"),
        ("?", ""),
        ("?c=%ZZ", "?c=%25ZZ"),
    ],
    ids=["bare-key", "space-as-plus", "semicolon-escaped", "lone-question-mark", "bad-escape"],
)
async def test_next_url_search_is_re_serialised(tmp_path: Path, query: str, search: str) -> None:
    response = await send(tmp_path, URL_APP, "GET", f"/api/files/a{query}")

    assert response.json()["search"] == search


@pytest.mark.anyio
async def test_request_cookies_follow_next_parsing_rules(tmp_path: Path) -> None:
    source = """
    async def GET(request):
        return {c.name: c.value for c in request.cookies.get_all()}
    """
    response = await send(
        tmp_path, source, headers=[("cookie", "a=1; b=%20x; a=2"), ("cookie", 'flag; q="quoted"')]
    )

    assert response.json() == {"a": "2", "b": " x", "flag": "true", "q": '"quoted"'}


IP_ROUTE = """
async def GET(request):
    return {"ip": request.ip}
"""


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("project", "forwarded_for", "ip"),
    [
        pytest.param(
            {ROUTE: IP_ROUTE},
            "203.0.113.9",
            "127.0.0.1",
            id="request-ip-comes-from-the-connection-by-default",
        ),
        pytest.param(
            {"approutes.toml": "trust_proxy = true\n", ROUTE: IP_ROUTE},
            "203.0.113.9, 10.0.0.1",
            "203.0.113.9",
            id="request-ip-trusts-x-forwarded-for-with-trust-proxy",
        ),
    ],
)
async def test_request_ip_trusts_x_forwarded_for_only_with_trust_proxy(
    tmp_path: Path, project: dict[str, str], forwarded_for: str, ip: str
) -> None:
    response = await send(tmp_path, project, headers={"x-forwarded-for": forwarded_for})

    assert response.json() == {"ip": ip}


@pytest.mark.anyio
async def test_request_headers_are_read_only(tmp_path: Path) -> None:
    source = """
    async def GET(request):
        try:
            request.headers.set("x-agent", "changed")
        except TypeError:
            return {"read_only": True, "agent": request.headers.get("x-agent")}
        return {"read_only": False}
    """
    response = await send(tmp_path, source, headers={"x-agent": "probe"})

    assert response.json() == {"read_only": True, "agent": "probe"}


@pytest.mark.anyio
async def test_multipart_file_parts_follow_next_rules(tmp_path: Path) -> None:
    source = """
    from approutes import File

    async def POST(request):
        form = await request.form_data()
        first = form.get("doc")
        empty = form.get("empty")
        return {
            "first": first.name,
            "docs": [d.name for d in form.get_all("doc")],
            "empty_is_file": isinstance(empty, File),
            "empty_size": empty.size,
            "plain_file_field": form.get("file"),
            "first_text": await first.text(),
        }
    """
    response = await send(
        tmp_path,
        source,
        "POST",
        data={"file": "just text"},
        files=[
            ("doc", ("één.txt", "héllo".encode(), "text/plain")),
            ("doc", ("two.txt", b"22", "text/plain")),
            ("empty", ("e.bin", b"", "application/octet-stream")),
        ],
    )

    assert response.status_code == 200
    assert response.json() == {
        "first": "één.txt",
        "docs": ["één.txt", "two.txt"],
        "empty_is_file": True,
        "empty_size": 0,
        "plain_file_field": "just text",
        "first_text": "héllo",
    }


@pytest.mark.anyio
async def test_an_uploaded_file_can_be_saved_and_streamed(tmp_path: Path) -> None:
    source = """
    from pathlib import Path

    async def POST(request):
        form = await request.form_data()
        upload = form.get("f")
        target = Path(__file__).with_name("saved.bin")
        await upload.save(target)
        streamed = b"".join([chunk async for chunk in upload.stream()])
        return {"saved": target.read_bytes().decode(), "streamed": streamed.decode()}
    """
    response = await send(
        tmp_path, source, "POST", files={"f": ("f.txt", b"payload", "text/plain")}
    )

    assert response.json() == {"saved": "payload", "streamed": "payload"}


@pytest.mark.anyio
async def test_multipart_without_a_boundary_is_400(tmp_path: Path) -> None:
    response = await send(
        tmp_path, ECHO_FORM, "POST", content=b"abc", headers={"content-type": "multipart/form-data"}
    )

    assert response.status_code == 400
    assert "boundary" in response.json()["error"]
