"""Rewrites to another origin are proxied, as Next proxies an external `rewrites()`
destination or a middleware `rewrite()` to another host (docs/01-app/03-api-reference/
05-config/01-next-config-js/rewrites.mdx#rewriting-to-an-external-url): the request goes
there without its hop-by-hop headers and with X-Forwarded-*; the answer streams back.
The other origin here is a real `approutes start` on loopback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project, running_server

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

UPSTREAM = {
    "app/api/echo/[[...path]]/route.py": """
        async def POST(request, context):
            return await GET(request, context)

        async def GET(request, context):
            return {
                "method": request.method,
                "path": request.next_url.pathname,
                "query": request.next_url.search,
                "body": (await request.text()) if request.method == "POST" else None,
                "x_forwarded_host": request.headers.get("x-forwarded-host"),
                "x_forwarded_proto": request.headers.get("x-forwarded-proto"),
                "x_forwarded_for": request.headers.get("x-forwarded-for"),
                "proxy_authorization": request.headers.get("proxy-authorization"),
                "x_custom": request.headers.get("x-custom"),
            }
    """,
    "app/api/stream/route.py": """
        from approutes import NextResponse

        def GET():
            def chunks():
                for number in range(50):
                    yield f"chunk {number}\\n"
            return NextResponse(chunks(), headers={"x-upstream": "yes"})
    """,
}


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = make_project(tmp_path_factory.mktemp("upstream"), UPSTREAM)
    with running_server(root, "--server", "uvicorn", "--no-access-log") as base:
        yield base


def front(root: Path, upstream: str) -> Path:
    return make_project(
        root,
        {
            "app/api/local/route.py": "def GET():\n    return {'local': True}\n",
            "approutes.toml": f"""
                [[rewrites]]
                source = "/docs/:path*"
                destination = "{upstream}/api/echo/:path*?via=rule"

                [[rewrites]]
                source = "/feed"
                destination = "{upstream}/api/stream"
                phase = "fallback"
            """,
            "proxy.py": f"""
                from approutes import NextResponse

                config = {{"matcher": ["/from-proxy"]}}

                def proxy(request):
                    return NextResponse.rewrite("{upstream}/api/echo/p")
            """,
        },
    )


@pytest.mark.anyio
async def test_a_settings_rewrite_is_proxied_with_the_request_as_sent(
    tmp_path: Path, upstream: str
) -> None:
    root = front(tmp_path, upstream)

    async with client_for(root) as client:
        response = await client.post(
            "/docs/a/b?q=1",
            content=b"hello upstream",
            headers={
                "x-custom": "kept",
                "proxy-authorization": "Basic c2VjcmV0",
                "x-forwarded-host": "spoofed.example",
            },
        )

    assert response.status_code == 200
    body = response.json()
    assert body["method"] == "POST"
    assert body["path"] == "/api/echo/a/b"
    assert body["query"] == "?via=rule&q=1"
    assert body["body"] == "hello upstream"
    assert body["x_custom"] == "kept"
    assert body["proxy_authorization"] is None  # hop-by-hop: not passed on
    assert body["x_forwarded_host"] == "localhost:3000"
    assert body["x_forwarded_proto"] == "http"
    assert body["x_forwarded_for"]


@pytest.mark.anyio
async def test_a_streamed_answer_streams_back_with_its_headers(
    tmp_path: Path, upstream: str
) -> None:
    root = front(tmp_path, upstream)

    async with client_for(root) as client:
        response = await client.get("/feed")
        local = await client.get("/api/local")

    assert response.status_code == 200
    assert response.headers["x-upstream"] == "yes"
    assert response.text == "".join(f"chunk {n}\n" for n in range(50))
    assert local.json() == {"local": True}


@pytest.mark.anyio
async def test_a_proxy_py_rewrite_to_another_origin_is_proxied(
    tmp_path: Path, upstream: str
) -> None:
    root = front(tmp_path, upstream)

    async with client_for(root) as client:
        response = await client.get("/from-proxy")

    assert response.json()["path"] == "/api/echo/p"


def test_without_httpx_an_external_rewrite_names_the_extra(tmp_path: Path) -> None:
    root = front(tmp_path, "http://127.0.0.1:9")
    code = f"from approutes import create_app\ncreate_app({str(root)!r})\n"
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import sys\nsys.modules['httpx'] = None\n")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
    }

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )

    assert result.returncode != 0
    assert "pip install 'approutes[external-rewrites]'" in result.stderr
