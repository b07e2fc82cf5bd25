"""Response.error() and NextResponse.redirect(url, status, headers=...), as the Web API has them.

- `Response.error()`: the Fetch standard's network error (status 0, type "error"); Next
  cannot send it (Node refuses status 0), and approutes answers 500 naming the file.
- `NextResponse.redirect(url, init)`: Next's `init` may carry headers
  (packages/next/src/server/web/spec-extension/response.ts).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

from approutes import NextResponse, Response

if TYPE_CHECKING:
    from pathlib import Path

ERROR_LOGGER = "approutes.error"


def test_response_error_is_a_network_error() -> None:
    response = Response.error()

    assert (response.status, response.type, response.ok) == (0, "error", False)
    assert Response(None, status=204).type == "default"


@pytest.mark.anyio
@pytest.mark.parametrize("file", ["app/api/broken/route.py", "proxy.py"])
async def test_returning_response_error_answers_500_naming_the_file(
    tmp_path: Path, file: str, caplog: pytest.LogCaptureFixture
) -> None:
    files = {"app/api/broken/route.py": "def GET():\n    return {'ok': True}\n"}
    if file == "proxy.py":
        files["proxy.py"] = (
            "from approutes import Response\n\ndef proxy(request):\n    return Response.error()\n"
        )
    else:
        files[file] = (
            "from approutes import Response\n\nasync def GET():\n    return Response.error()\n"
        )
    root = make_project(tmp_path, files)

    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        async with client_for(root) as client:
            response = await client.get("/api/broken")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert file in caplog.text
    assert "returned Response.error(), a network error" in caplog.text


@pytest.mark.anyio
async def test_redirect_sends_the_headers_given_with_its_own_location(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/old/route.py": """
                from approutes import NextResponse

                def GET():
                    return NextResponse.redirect(
                        "/api/new",
                        302,
                        headers={
                            "x-reason": "moved",
                            "location": "/ignored",
                            "cache-control": "no-store",
                        },
                    )
            """
        },
    )

    async with client_for(root) as client:
        response = await client.get("/api/old")

    assert response.status_code == 302
    assert response.headers["location"] == "http://localhost:3000/api/new"
    assert response.headers["x-reason"] == "moved"
    assert response.headers["cache-control"] == "no-store"


def test_redirect_without_headers_is_unchanged() -> None:
    response = NextResponse.redirect("https://example.com/a", 308)

    assert response.status == 308
    assert list(response.headers.items()) == [("location", "https://example.com/a")]
