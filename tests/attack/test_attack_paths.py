"""Attacks on the request path, against real servers over raw sockets.

- Traversal through a catch-all: a handler that serves files under `public/` by joining the
  catch-all's segments must never serve a file outside it, whatever the encoding trick.
- Params and query values are percent-decoded exactly once.
- Invalid UTF-8 in the path or the raw query is a 400, never a 500.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from tests.live_server import PING, SERVERS, project_server

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.live_server import LiveServer

pytestmark = pytest.mark.timeout(60)

SECRET = f"TOP-SECRET-{uuid.uuid4().hex}"

# The handler trusts what the router promises: each segment is a name inside public/.
SERVE_FILE = """
    from pathlib import Path

    from approutes import Response
    from approutes.navigation import not_found

    PUBLIC = Path(__file__).resolve().parents[3] / "public"


    def GET(request, context):
        target = PUBLIC.joinpath(*context.params["path"])
        if not target.is_file():
            not_found()
        return Response(target.read_bytes(), headers={"content-type": "text/plain"})
"""

ECHO_PARAM = """
    async def GET(request, context):
        return {"params": context.params, "q": request.search_params.get_all("q")}
"""

ROUTES = {
    "app/ping/route.py": PING,
    "app/files/[...path]/route.py": SERVE_FILE,
    "app/one/[id]/route.py": ECHO_PARAM,
    "app/many/[...rest]/route.py": ECHO_PARAM,
    "public/a.txt": "public file\n",
    "public/sub/b.txt": "nested public file\n",
    "secret.txt": SECRET + "\n",
}


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with project_server(tmp_path_factory, "paths", request.param, ROUTES) as live:
        yield live


# --- traversal through a catch-all --------------------------------------------------------


def test_the_file_route_serves_files_under_public(server: LiveServer) -> None:
    assert server.get("/files/a.txt").body == b"public file\n"
    assert server.get("/files/sub/b.txt").body == b"nested public file\n"
    assert server.get("/files/missing.txt").status == 404


TRAVERSALS = [
    pytest.param("/files/../secret.txt", id="dot-dot"),
    pytest.param("/files/sub/../../secret.txt", id="dot-dot-deeper"),
    pytest.param("/files/./../secret.txt", id="dot-then-dot-dot"),
    pytest.param("/files/%2e%2e/secret.txt", id="encoded-dots-lower"),
    pytest.param("/files/%2E%2E/secret.txt", id="encoded-dots-upper"),
    pytest.param("/files/.%2e/secret.txt", id="half-encoded-dots"),
    pytest.param("/files/%2e./secret.txt", id="half-encoded-dots-other-half"),
    pytest.param("/files/..%2fsecret.txt", id="encoded-slash"),
    pytest.param("/files/..%2Fsecret.txt", id="encoded-slash-upper"),
    pytest.param("/files/%2e%2e%2fsecret.txt", id="encoded-dots-and-slash"),
    pytest.param("/files/sub%2f..%2f..%2fsecret.txt", id="encoded-slashes-deeper"),
    pytest.param("/files/sub/..%2f..%2fsecret.txt", id="encoded-slash-after-a-real-one"),
    pytest.param("ABSOLUTE", id="encoded-absolute-path"),
    pytest.param("/files/..\\secret.txt", id="backslash"),
    pytest.param("/files/..%5csecret.txt", id="encoded-backslash"),
    pytest.param("/files/sub\\..\\..\\secret.txt", id="backslashes-deeper"),
    pytest.param("/files/..%00/secret.txt", id="nul-after-dots"),
    pytest.param("/files/secret.txt%00.png", id="nul-before-extension"),
    pytest.param("/files/%c0%ae%c0%ae/secret.txt", id="overlong-utf8-dots"),
    pytest.param("/files/%c0%ae%c0%ae%c0%afsecret.txt", id="overlong-utf8-dots-and-slash"),
    pytest.param("/files/%e0%80%ae%e0%80%ae/secret.txt", id="overlong-utf8-three-byte-dots"),
    pytest.param("/files/%252e%252e/secret.txt", id="double-encoded-dots"),
    pytest.param("/files/%252e%252e%252fsecret.txt", id="double-encoded-dots-and-slash"),
    pytest.param("/files/%ef%bc%8e%ef%bc%8e/secret.txt", id="fullwidth-dots"),
    pytest.param("/files/..;/secret.txt", id="dot-dot-semicolon"),
    pytest.param("/files/...%2f...%2f..%2fsecret.txt", id="triple-dots-then-dots"),
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_through_a_catch_all_never_leaves_public(server: LiveServer, target: str) -> None:
    if target == "ABSOLUTE":
        target = "/files/" + quote(str(server.root / "secret.txt"), safe="")

    response = server.get(target)

    assert SECRET.encode() not in response.body, f"{target} served the file outside public/"
    assert 400 <= response.status < 500, response
    server.assert_serving()


# --- params and query values are decoded exactly once -------------------------------------


@pytest.mark.parametrize(
    ("target", "params"),
    [
        pytest.param("/one/%2541", {"id": "%41"}, id="percent-25-decoded-once"),
        pytest.param("/one/%25252F", {"id": "%252F"}, id="triple-encoded-slash-decoded-once"),
        pytest.param("/one/a%2Fb", {"id": "a/b"}, id="encoded-slash-stays-in-the-value"),
        pytest.param("/one/a+b", {"id": "a+b"}, id="plus-is-not-a-space-in-a-path"),
        pytest.param("/one/a%20b", {"id": "a b"}, id="encoded-space"),
        pytest.param("/one/caf%C3%A9", {"id": "café"}, id="encoded-utf8"),
        pytest.param("/one/%F0%9F%98%80", {"id": "\U0001f600"}, id="encoded-4-byte-utf8"),
        pytest.param("/one/%2e%2e%2e", {"id": "..."}, id="three-encoded-dots-are-a-name"),
        pytest.param(
            "/many/a%2Fb/c%20d/%2541",
            {"rest": ["a/b", "c d", "%41"]},
            id="catch-all-each-segment-once",
        ),
        pytest.param("/many/%252e%252e", {"rest": ["%2e%2e"]}, id="double-encoded-dots"),
    ],
)
def test_params_are_decoded_exactly_once(
    server: LiveServer, target: str, params: dict[str, object]
) -> None:
    response = server.get(target)

    assert response.status == 200, response
    assert json.loads(response.body)["params"] == params


@pytest.mark.parametrize(
    ("query", "values"),
    [
        pytest.param("q=%2541", ["%41"], id="percent-25-decoded-once"),
        pytest.param("q=a+b", ["a b"], id="plus-is-a-space"),
        pytest.param("q=%2B", ["+"], id="encoded-plus"),
        pytest.param("q=%252B", ["%2B"], id="double-encoded-plus"),
        pytest.param("q=caf%C3%A9&q=%F0%9F%98%80", ["café", "\U0001f600"], id="utf8-repeated"),
        pytest.param("q=%ZZ", ["%ZZ"], id="bad-escape-kept-literally"),
    ],
)
def test_query_values_are_decoded_exactly_once(
    server: LiveServer, query: str, values: list[str]
) -> None:
    response = server.get(f"/one/x?{query}")

    assert response.status == 200, response
    assert json.loads(response.body)["q"] == values


# --- invalid UTF-8 is a 400, never a 500 --------------------------------------------------

INVALID_UTF8_PATHS = [
    pytest.param(b"/one/%ff", id="encoded-ff"),
    pytest.param(b"/one/%80", id="encoded-lone-continuation"),
    pytest.param(b"/one/%c0%ae", id="encoded-overlong-dot"),
    pytest.param(b"/one/%e2%82", id="encoded-truncated-sequence"),
    pytest.param(b"/one/%ed%a0%80", id="encoded-surrogate"),
    pytest.param(b"/one/%f4%90%80%80", id="encoded-beyond-u10ffff"),
    pytest.param(b"/one/%ZZ", id="malformed-escape"),
    pytest.param(b"/one/%", id="truncated-escape"),
    pytest.param(b"/many/ok/%ff/ok", id="encoded-ff-in-a-catch-all"),
    pytest.param(b"/one/\xff", id="raw-ff"),
    pytest.param(b"/one/\xc3\x28", id="raw-invalid-sequence"),
    pytest.param(b"/one/\xc0\xae\xc0\xae", id="raw-overlong-dots"),
    pytest.param(b"/one/caf\xc3\xa9", id="raw-valid-utf8-is-not-a-url-either"),
    pytest.param(b"/one/x?q=\xff", id="raw-ff-in-the-query"),
    pytest.param(b"/one/x?q=\xc0\xae", id="raw-overlong-in-the-query"),
]


@pytest.mark.parametrize("target", INVALID_UTF8_PATHS)
def test_invalid_utf8_in_the_path_or_raw_query_is_a_400(server: LiveServer, target: bytes) -> None:
    # NOTE: the server may refuse the raw request line itself (its own 400) before approutes
    # sees it; either way it is a 400.
    response = server.get(target)

    assert response.status == 400, response
    server.assert_serving()


@pytest.mark.parametrize("target", [b"/ping/%ff", b"/ping%ff", b"/nothing/%c0%ae"])
def test_invalid_utf8_where_no_dynamic_segment_matches_is_a_4xx(
    server: LiveServer, target: bytes
) -> None:
    response = server.get(target)

    assert 400 <= response.status < 500, response


def test_encoded_invalid_utf8_in_the_query_reads_as_replacement_characters(
    server: LiveServer,
) -> None:
    # WHATWG URLSearchParams (and Next): a bad escape sequence decodes to U+FFFD, no error.
    response = server.get("/one/x?q=%ff%c0%ae")

    assert response.status == 200, response
    assert set(json.loads(response.body)["q"][0]) == {"\ufffd"}
