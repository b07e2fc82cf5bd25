"""One normal form of the path for the router and every matcher, on real servers (#16, 1-2).

- A rewrite (from middleware.py or from [[rewrites]]) never hands a route a dot segment: its
  target is read as a URL parser reads it, `..` and `%2e%2e` resolved.
- No percent-encoding of a guarded path reaches its handler unguarded: middleware's matcher,
  [[redirects]] and [[headers]] match the path with its unreserved characters decoded
  (RFC 3986 §6.2.2.2), as the router decodes the params it hands the handler.
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from tests.live_server import PING, SERVERS, project_server

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.live_server import LiveServer

pytestmark = pytest.mark.timeout(60)

ECHO_NAME = """
    async def GET(request, context):
        return {"name": context.params["name"]}
"""

MIDDLEWARE = """
    from approutes import NextResponse


    def middleware(request):
        path = request.next_url.pathname
        if path == "/api/lang":
            lang = request.search_params.get("lang") or "en"
            return NextResponse.rewrite(f"/api/files/{lang}")
        if path.startswith("/api/echo/"):
            return NextResponse.json({"error": "guarded"}, status=401)
        return None


    config = {"matcher": ["/api/lang", "/api/echo/secret", "/api/echo/s3cr~t"]}
"""

SETTINGS = """
[[rewrites]]
source = "/docs/:lang"
destination = "/api/files/:lang"

[[redirects]]
source = "/old/secret"
destination = "/new/secret"
permanent = false

[[headers]]
source = "/api/open/secret"
headers = [{ key = "x-guarded", value = "yes" }]
"""

ROUTES = {
    "app/ping/route.py": PING,
    "app/api/files/[name]/route.py": ECHO_NAME,
    "app/api/echo/[name]/route.py": ECHO_NAME,
    "app/api/open/[name]/route.py": ECHO_NAME,
    "app/old/[name]/route.py": ECHO_NAME,
    "middleware.py": MIDDLEWARE,
    "approutes.toml": SETTINGS,
}


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with project_server(tmp_path_factory, "normal-paths", request.param, ROUTES) as live:
        yield live


def _name_seen(response_body: bytes) -> object:
    try:
        return json.loads(response_body).get("name")
    except (ValueError, AttributeError):
        return None


# --- 1. a rewrite never hands a route a dot segment ----------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("lang=..", id="dot-dot"),
        pytest.param("lang=.", id="dot"),
        pytest.param("lang=%2e%2e", id="encoded-in-query"),
        pytest.param("lang=%252e%252e", id="encoded-dots-in-target"),
        pytest.param("lang=%252E%252e", id="mixed-case-encoded-dots"),
        pytest.param("lang=.%252e", id="half-encoded"),
        pytest.param("lang=..%2Fsecret", id="climb-with-slash"),
        pytest.param("lang=..%5Csecret", id="climb-with-backslash"),
    ],
)
def test_a_middleware_rewrite_never_hands_a_route_a_dot_segment(
    server: LiveServer, query: str
) -> None:
    response = server.get(f"/api/lang?{query}")

    assert _name_seen(response.body) not in {".", ".."}, response
    assert response.status in (200, 404), response
    server.assert_serving()


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("/docs/..", id="dot-dot"),
        pytest.param("/docs/%2e%2e", id="encoded"),
        pytest.param("/docs/%2E.", id="half-encoded"),
        pytest.param("/docs/.", id="dot"),
    ],
)
def test_a_settings_rewrite_never_hands_a_route_a_dot_segment(
    server: LiveServer, target: str
) -> None:
    response = server.get(target)

    assert _name_seen(response.body) not in {".", ".."}, response
    server.assert_serving()


def test_an_ordinary_rewrite_still_reaches_its_route(server: LiveServer) -> None:
    via_middleware = server.get("/api/lang?lang=fr")
    via_settings = server.get("/docs/de")

    assert (via_middleware.status, _name_seen(via_middleware.body)) == (200, "fr")
    assert (via_settings.status, _name_seen(via_settings.body)) == (200, "de")


# --- 2. no encoding of a guarded path reaches its handler unguarded -------------------------


def _encodings(word: str) -> list[str]:
    """Every spelling of `word` with any of its letters percent-encoded, in either hex case."""
    spellings = set()
    for mask in itertools.product((False, True), repeat=len(word)):
        for upper in (False, True):
            letters = []
            for char, encode in zip(word, mask, strict=True):
                escape = f"%{ord(char):02X}" if upper else f"%{ord(char):02x}"
                letters.append(escape if encode else char)
            spellings.add("".join(letters))
    return sorted(spellings)


SECRET_SPELLINGS = _encodings("secret")


def test_every_encoding_of_a_guarded_path_is_guarded(server: LiveServer) -> None:
    unguarded = []
    for spelling in SECRET_SPELLINGS:
        response = server.get(f"/api/echo/{spelling}")
        if response.status != 401:
            unguarded.append((spelling, response.status, response.body))

    assert len(SECRET_SPELLINGS) == 2 ** len("secret")  # each letter plain or escaped
    assert unguarded == []


@pytest.mark.parametrize(
    "spelling", ["s3cr~t", "s%33cr%7Et", "s3cr%7et", "%733cr~t"], ids=lambda s: s
)
def test_encoded_digits_and_tildes_are_guarded_too(server: LiveServer, spelling: str) -> None:
    assert server.get(f"/api/echo/{spelling}").status == 401


def test_a_slash_stays_a_character_in_its_segment(server: LiveServer) -> None:
    response = server.get("/api/echo/secret%2Fx")

    assert (response.status, _name_seen(response.body)) == (200, "secret/x")


@pytest.mark.parametrize("spelling", ["secret", "%73ecret", "s%65cr%65t"], ids=lambda s: s)
def test_settings_redirects_and_headers_match_every_encoding(
    server: LiveServer, spelling: str
) -> None:
    redirected = server.get(f"/old/{spelling}")
    decorated = server.get(f"/api/open/{spelling}")

    assert (redirected.status, redirected.header("location")) == (307, "/new/secret")
    assert decorated.status == 200
    assert decorated.header("x-guarded") == "yes"


def test_an_encoded_static_segment_still_matches_no_route(server: LiveServer) -> None:
    """COMPAT(next): static segments are compared without decoding (`/api/h%65llo` is 404)."""
    assert server.get("/api/%65cho/secret").status in (401, 404)
    assert server.get(f"/{quote('api', safe='')}/files/x").status == 200
