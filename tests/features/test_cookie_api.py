"""The rest of Next's cookie API: request cookies changed in proxy.py, priority, clear, str.

Next's RequestCookies / ResponseCookies come from @edge-runtime/cookies
(packages/next/src/compiled/@edge-runtime/cookies; the docs page
docs/01-app/03-api-reference/04-functions/next-request.mdx#cookies): `set`, `delete` and
`clear` on `request.cookies` rewrite the request's `cookie` header, which reaches the route
when the proxy forwards the headers with `NextResponse.next({ request: { headers } })`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

from approutes import Headers
from approutes.web.cookies import RequestCookies, ResponseCookies

if TYPE_CHECKING:
    from pathlib import Path

ECHO = """
from approutes.headers import cookies

def GET(request):
    return {
        "request": {c.name: c.value for c in request.cookies},
        "helper": {c.name: c.value for c in cookies().get_all()},
        "header": request.headers.get("cookie"),
    }
"""

PROXY = """
from approutes import NextResponse

def proxy(request):
    request.cookies.set("added", "a b")
    request.cookies.delete("gone")
    if request.next_url.pathname == "/api/cleared":
        request.cookies.clear()
    if request.search_params.get("forward") == "no":
        return NextResponse.next()
    return NextResponse.next(request_headers=request.headers)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path,
        {"app/api/echo/route.py": ECHO, "app/api/cleared/route.py": ECHO, "proxy.py": PROXY},
    )


@pytest.mark.anyio
async def test_request_cookies_changed_in_proxy_reach_the_route_when_forwarded(
    project: Path,
) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/echo", headers={"cookie": "kept=1; gone=2"})

    body = response.json()
    assert body["request"] == {"kept": "1", "added": "a b"}
    assert body["helper"] == {"kept": "1", "added": "a b"}
    assert body["header"] == "kept=1; added=a%20b"
    assert "set-cookie" not in response.headers


@pytest.mark.anyio
async def test_request_cookies_changed_in_proxy_stay_there_when_not_forwarded(
    project: Path,
) -> None:
    async with client_for(project) as client:
        response = await client.get(
            "/api/echo", params={"forward": "no"}, headers={"cookie": "kept=1; gone=2"}
        )

    assert response.json()["request"] == {"kept": "1", "gone": "2"}


@pytest.mark.anyio
async def test_clear_in_proxy_sends_the_route_an_empty_cookie_header(project: Path) -> None:
    async with client_for(project) as client:
        response = await client.get("/api/cleared", headers={"cookie": "kept=1"})

    assert response.json() == {"request": {}, "helper": {}, "header": ""}


def test_request_cookies_set_delete_clear_and_str() -> None:
    headers = Headers.from_asgi([(b"cookie", b"a=1; b=2")])
    cookies = RequestCookies(headers.get("cookie"), headers)

    cookies.set("c", "x;y")
    assert str(cookies) == "a=1; b=2; c=x%3By"
    assert headers.get("cookie") == "a=1; b=2; c=x%3By"
    assert cookies.delete("a") is True
    assert cookies.delete("missing") is False
    assert headers.get("cookie") == "b=2; c=x%3By"
    cookies.clear()
    assert (len(cookies), headers.get("cookie")) == (0, "")
    with pytest.raises(ValueError, match="not a valid HTTP token"):
        cookies.set("bad name", "1")


def test_response_cookies_priority_get_all_by_name_clear_and_str() -> None:
    headers = Headers({"set-cookie": "theme=dark; Path=/"})
    cookies = ResponseCookies(headers)

    cookies.set("session", "s1", http_only=True, priority="high")
    cookies.delete("old", path="/api", domain="example.com")

    assert headers.get_all("set-cookie")[1] == "session=s1; Path=/; HttpOnly; Priority=high"
    assert headers.get_all("set-cookie")[2] == (
        "old=; Path=/api; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=example.com"
    )
    assert [c.value for c in cookies.get_all("session")] == ["s1"]
    assert str(cookies) == "; ".join(headers.get_all("set-cookie"))
    cookies.clear()
    assert headers.get_all("set-cookie") == []
    assert str(cookies) == ""
