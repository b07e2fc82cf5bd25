"""Ordinary but unusual values, against real servers: none may become the server's own 500.

- Header values outside Latin-1: a `Location` is percent-encoded as a browser serialises a
  URL; any other header is refused where it is set (the handler's ValueError, logged with
  its route file), in both routers and through every header-setting API.
- JSON integers beyond 64 bits: 400 on every JSON entry point, never a float.
- Charsets that are not text encodings on a Pages body: 400 `Invalid body`; the App Router
  ignores the charset, as Next does.
- Upload file names (`""`, `.`, `..`, NUL, 300 characters) saved with `File.save_in`.
- A bearer token beside the session cookie on a cross-origin write: the token decides.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from approutes.auth import Auth
from tests.conftest import make_project
from tests.live_server import PING, SERVERS, http_request, live_server

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.live_server import LiveServer, RawResponse

pytestmark = pytest.mark.timeout(60)

SECRET = "attack-test-secret-7Yq2Lm9Xc4Vb8Nz1Kd5Hs3Pf6Tg0Wr2Ej"  # noqa: S105
ISSUER = Auth(SECRET)

SET_HEADER = """
    from approutes import NextResponse, Response


    async def GET(request):
        value = request.search_params.get("value")
        api = request.search_params.get("api")
        if api == "init":
            return Response("ok", headers={"x-echo": value})
        if api == "json":
            return NextResponse.json({"ok": True}, headers={"x-echo": value})
        response = NextResponse.json({"ok": True})
        if api == "append":
            response.headers.append("x-echo", value)
        elif api == "cookie-path":
            response.cookies.set("c", "v", path=value)
        else:
            response.headers.set("x-echo", value)
        return response
"""

REDIRECT = """
    from approutes import NextResponse
    from approutes.navigation import local_path, permanent_redirect, redirect


    async def GET(request):
        target = local_path(request.search_params.get("next"))
        via = request.search_params.get("via")
        if via == "response":
            return NextResponse.redirect(target)
        if via == "permanent":
            permanent_redirect(target)
        redirect(target)
"""

PAGES_HEADER = """
    def handler(req, res):
        if req.query.get("api") == "redirect":
            res.redirect(req.query["next"])
            return
        res.set_header("x-echo", req.query["value"])
        res.send("ok")
"""

ECHO_JSON = """
    async def POST(request):
        return {"value": await request.json()}
"""

TYPED_JSON = """
    from pydantic import BaseModel


    class Order(BaseModel):
        quantity: int


    async def POST(order: Order):
        return {"quantity": order.quantity}
"""

ECHO_TEXT = """
    async def POST(request):
        kind = request.search_params.get("read")
        if kind == "form":
            return {"value": (await request.form_data()).get("a")}
        return {"value": await request.text()}
"""

PAGES_ECHO = """
    def handler(req, res):
        res.json({"value": req.body})
"""

UPLOAD = """
    import os
    from pathlib import Path

    from approutes import File

    UPLOAD_DIR = Path(os.environ["UPLOAD_DIR"])


    async def POST(request):
        file = (await request.form_data()).get("file")
        assert isinstance(file, File)
        saved = await file.save_in(UPLOAD_DIR)
        return {"saved_as": saved.name, "inside": saved.parent == UPLOAD_DIR}
"""

NOTES = f"""
    from approutes.auth import Auth

    auth = Auth(secret={SECRET!r})


    async def POST():
        session = await auth.require()
        if not hasattr(session, "user"):
            return session
        return {{"user": session.user}}
"""

ROUTES = {
    "app/ping/route.py": PING,
    "app/header/route.py": SET_HEADER,
    "app/go/route.py": REDIRECT,
    "pages/api/header.py": PAGES_HEADER,
    "app/json/route.py": ECHO_JSON,
    "app/typed/route.py": TYPED_JSON,
    "app/text/route.py": ECHO_TEXT,
    "pages/api/echo.py": PAGES_ECHO,
    "app/upload/route.py": UPLOAD,
    "app/notes/route.py": NOTES,
}


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    root = make_project(tmp_path_factory.mktemp(f"values-{request.param}"), ROUTES)
    uploads = root / "uploads"
    with live_server(root, request.param, env={"UPLOAD_DIR": str(uploads)}) as live:
        yield live


def _q(text: str) -> str:
    return quote(text, safe="")


def _post(server: LiveServer, target: str, body: bytes, headers: str) -> RawResponse:
    return server.exchange(http_request("POST", target, headers=headers, body=body))


def _assert_handler_error_logged(server: LiveServer, before: int, route_file: str) -> None:
    """One more `unhandled ValueError` naming `route_file`; no crash in the server's send."""
    log = server.log.wait_for("unhandled ValueError", times=before + 1)
    assert route_file in log.rsplit("unhandled ValueError", 1)[1], log
    assert "Exception in ASGI application" not in log, log
    server.assert_serving()


# --- item: header values outside Latin-1 ----------------------------------------------------


@pytest.mark.parametrize(
    ("target", "location"),
    [
        pytest.param("/日本", "/%E6%97%A5%E6%9C%AC", id="cjk"),
        pytest.param("/café", "/caf%C3%A9", id="latin-1-as-utf-8"),
        pytest.param("/a%20b/é?q=ü", "/a%20b/%C3%A9?q=%C3%BC", id="escapes-kept"),
    ],
)
@pytest.mark.parametrize("via", ["redirect", "permanent", "response"])
def test_a_non_ascii_redirect_target_is_percent_encoded(
    server: LiveServer, target: str, location: str, via: str
) -> None:
    response = server.get(f"/go?via={via}&next={_q(target)}")

    assert response.status in (307, 308), response
    assert response.raw_head.isascii()
    assert (response.header("location") or "").endswith(location)


def test_a_non_ascii_pages_redirect_is_percent_encoded(server: LiveServer) -> None:
    response = server.get(f"/api/header?api=redirect&next={_q('/日本')}")

    assert response.status == 307, response
    assert response.header("location") == "/%E6%97%A5%E6%9C%AC"


@pytest.mark.parametrize("api", ["set", "append", "init", "json", "cookie-path"])
def test_a_header_value_outside_latin_1_is_the_handlers_logged_500(
    server: LiveServer, api: str
) -> None:
    before = server.log.count("unhandled ValueError")

    response = server.get(f"/header?api={api}&value={_q('/日本')}")

    assert response.status == 500, response
    assert response.json_error() == "Internal Server Error"
    _assert_handler_error_logged(server, before, "app/header/route.py")


def test_a_pages_header_value_outside_latin_1_is_the_handlers_logged_500(
    server: LiveServer,
) -> None:
    before = server.log.count("unhandled ValueError")

    response = server.get(f"/api/header?value={_q('日本')}")

    assert response.status == 500, response
    assert b"Internal Server Error" in response.body
    _assert_handler_error_logged(server, before, "pages/api/header.py")


def test_a_latin_1_header_value_is_sent_as_latin_1(server: LiveServer) -> None:
    response = server.get(f"/header?value={_q('José')}")

    assert response.status == 200, response
    assert b"x-echo: Jos\xe9\r\n" in response.raw_head


# --- item: JSON integers beyond 64 bits -----------------------------------------------------

WIDE_INTEGERS = [
    pytest.param(b"123456789012345678901234567890", id="30-digits"),
    pytest.param(b"18446744073709551616", id="2-to-the-64"),
    pytest.param(b"-9223372036854775809", id="below-int64"),
]


@pytest.mark.parametrize("literal", WIDE_INTEGERS)
@pytest.mark.parametrize(
    ("target", "wrap", "answer"),
    [
        pytest.param("/json", b"[%s]", b'{"error":"Invalid JSON body', id="request-json"),
        pytest.param("/typed", b'{"quantity":%s}', b'{"error":"Invalid JSON body', id="typed"),
        pytest.param("/api/echo", b'{"n":%s}', b"Invalid JSON", id="pages-body"),
    ],
)
def test_a_json_integer_beyond_64_bits_is_400(
    server: LiveServer, literal: bytes, target: str, wrap: bytes, answer: bytes
) -> None:
    body = wrap % literal
    response = _post(server, target, body, "Content-Type: application/json\r\n")

    assert response.status == 400, response
    assert response.body.startswith(answer), response


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (b"18446744073709551615", 18446744073709551615),
        (b"-9223372036854775808", -9223372036854775808),
        (b"1e30", 1e30),
        (b"1.5", 1.5),
        (b'"123456789012345678901234567890"', "123456789012345678901234567890"),
    ],
)
def test_json_numbers_within_64_bits_and_floats_still_parse(
    server: LiveServer, literal: bytes, value: object
) -> None:
    response = _post(server, "/json", literal, "Content-Type: application/json\r\n")

    assert response.status == 200, response
    assert json.loads(response.body) == {"value": value}


# --- item: charsets -------------------------------------------------------------------------

NON_TEXT_CHARSETS = ["zlib", "rot13", "idna", "base64", "utf-7", "no-such-charset"]


@pytest.mark.parametrize("charset", NON_TEXT_CHARSETS)
@pytest.mark.parametrize(
    "media_type", ["text/plain", "application/json", "application/x-www-form-urlencoded"]
)
def test_a_pages_body_in_a_charset_that_is_not_a_text_encoding_is_400(
    server: LiveServer, charset: str, media_type: str
) -> None:
    headers = f"Content-Type: {media_type}; charset={charset}\r\n"
    response = _post(server, "/api/echo", b'{"a":"1"}', headers)

    assert response.status == 400, response
    assert response.body == b"Invalid body"
    server.assert_serving()


@pytest.mark.parametrize("charset", ["latin1", "ISO-8859-15", "windows-1252"])
def test_a_pages_body_in_a_latin_charset_is_decoded_by_it(server: LiveServer, charset: str) -> None:
    headers = f"Content-Type: text/plain; charset={charset}\r\n"
    response = _post(server, "/api/echo", "café".encode("latin-1"), headers)

    assert response.status == 200, response
    assert json.loads(response.body) == {"value": "café"}


@pytest.mark.parametrize("charset", NON_TEXT_CHARSETS)
@pytest.mark.parametrize(
    ("target", "media_type", "body", "value"),
    [
        pytest.param("/text", "text/plain", b"caf\xc3\xa9", "café", id="text"),
        pytest.param("/json", "application/json", b'"caf\xc3\xa9"', "café", id="json"),
        pytest.param(
            "/text?read=form", "application/x-www-form-urlencoded", b"a=1", "1", id="form"
        ),
    ],
)
def test_the_app_router_reads_utf_8_whatever_the_charset(
    server: LiveServer, charset: str, target: str, media_type: str, body: bytes, value: str
) -> None:
    headers = f"Content-Type: {media_type}; charset={charset}\r\n"
    response = _post(server, target, body, headers)

    assert response.status == 200, response
    assert json.loads(response.body) == {"value": value}


# --- item: upload file names ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "saved_as"),
    [
        pytest.param(b"", "upload", id="empty-file-input"),
        pytest.param(b".", "upload", id="dot"),
        pytest.param(b"..", "upload", id="dot-dot"),
        pytest.param(b"../../../etc/passwd", "passwd", id="traversal"),
        pytest.param(b"..\\..\\win.ini", "win.ini", id="backslash-traversal"),
        pytest.param(b"a\x00b.txt", "ab.txt", id="nul"),
        pytest.param(b"n" * 300 + b".txt", "n" * 251 + ".txt", id="300-characters"),
    ],
)
def test_an_upload_with_a_hostile_name_is_saved_inside_the_folder(
    server: LiveServer, filename: bytes, saved_as: str
) -> None:
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="'
        + filename
        + b'"\r\nContent-Type: text/plain\r\n\r\ndata\r\n--B--\r\n'
    )
    headers = "Content-Type: multipart/form-data; boundary=B\r\n"
    response = _post(server, "/upload", body, headers)

    assert response.status == 200, response
    answer = json.loads(response.body)
    assert answer["inside"] is True
    # NOTE: the folder is shared by the module's tests: a second "upload" is "upload-1".
    stem, dot, extension = saved_as.partition(".")
    assert answer["saved_as"].startswith(stem)
    assert answer["saved_as"].endswith(dot + extension)
    assert (server.root / "uploads" / answer["saved_as"]).read_bytes() == b"data"
    server.assert_serving()


# --- item: a bearer token beside the session cookie -----------------------------------------

CROSS_ORIGIN = "Origin: https://partner.example\r\nSec-Fetch-Site: cross-site\r\n"


@pytest.mark.parametrize("cookie_first", [True, False], ids=["cookie-first", "bearer-first"])
@pytest.mark.parametrize(
    ("valid", "status"),
    [pytest.param(True, 200, id="valid-bearer"), pytest.param(False, 401, id="bad-bearer")],
)
def test_a_bearer_token_decides_a_cross_origin_write_even_beside_the_cookie(
    server: LiveServer, cookie_first: bool, valid: bool, status: int
) -> None:
    bearer = ISSUER.token("api-client") if valid else "a.b.c"
    cookie = f"Cookie: session={ISSUER.token('browser-user')}\r\n"
    authorization = f"Authorization: Bearer {bearer}\r\n"
    lines = cookie + authorization if cookie_first else authorization + cookie

    response = _post(server, "/notes", b"", CROSS_ORIGIN + lines)

    assert response.status == status, response
    if status == 200:
        assert json.loads(response.body) == {"user": "api-client"}


def test_the_cookie_alone_is_still_refused_cross_origin(server: LiveServer) -> None:
    cookie = f"Cookie: session={ISSUER.token('browser-user')}\r\n"

    response = _post(server, "/notes", b"", CROSS_ORIGIN + cookie)

    assert response.status == 403, response
