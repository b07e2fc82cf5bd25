"""Dynamic bail-out: a cached `dynamic = "auto"` route that reads the request becomes dynamic.

Next renders `revalidate = N` and `generateStaticParams` routes without a request; a read of
headers, cookies, the query or `connection()` during that render throws a
DynamicServerError, and the route is served per request instead
(packages/next/src/server/app-render/dynamic-rendering.ts, `trackDynamicDataAccessed`;
docs/01-app/03-api-reference/04-functions/connection.mdx). `force-static` reads empty
values and `dynamic = "error"` refuses, as before.
"""

from __future__ import annotations

import logging
import subprocess
from typing import TYPE_CHECKING

import pytest
from tests.conftest import APPROUTES_BIN, client_for, make_project

from approutes.cli.build_command import build_project

if TYPE_CHECKING:
    from pathlib import Path

# Counts its renders in renders.txt beside the project's app/ folder.
ROUTE = """
from pathlib import Path

from approutes.headers import cookies, headers
from approutes.server import connection

{config}
RENDERS = Path(__file__).parents[3] / "renders.txt"

async def GET(request):
    with RENDERS.open("a") as file:
        file.write("render\\n")
    {read}
    return {{"value": value}}
"""

READS = {
    "headers()": 'value = headers().get("x-who")',
    "cookies()": 'value = cookies().get("who").value if cookies().get("who") else None',
    "request.headers": 'value = request.headers.get("x-who")',
    "search_params": 'value = request.search_params.get("who")',
    "next_url.search_params": 'value = request.next_url.search_params.get("who")',
    "connection()": "await connection()\n    value = 'live'",
    "swallowed": (
        "try:\n        value = headers().get('x-who')\n"
        "    except Exception:\n        value = 'swallowed'"
    ),
}
EXPECTED = {
    "headers()": "ada",
    "cookies()": "ada",
    "request.headers": "ada",
    "search_params": "ada",
    "next_url.search_params": "ada",
    "connection()": "live",
    "swallowed": "ada",
}


def project(root: Path, read: str, config: str = "revalidate = 60") -> Path:
    source = ROUTE.format(config=config, read=READS[read])
    return make_project(
        root, {"app/api/who/route.py": source, "approutes.toml": 'cache = "memory"\n'}
    )


def renders(root: Path) -> int:
    path = root / "renders.txt"
    return len(path.read_text().splitlines()) if path.exists() else 0


async def ask(root: Path, times: int = 2) -> list[dict[str, object]]:
    async with client_for(root) as client:
        answers = []
        for _ in range(times):
            response = await client.get(
                "/api/who?who=ada", headers={"x-who": "ada", "cookie": "who=ada"}
            )
            answers.append(
                {
                    "status": response.status_code,
                    "body": response.json(),
                    "cache": response.headers.get("x-approutes-cache"),
                    "cache_control": response.headers.get("cache-control"),
                }
            )
        return answers


@pytest.mark.anyio
@pytest.mark.parametrize("read", sorted(READS))
async def test_a_revalidate_route_that_reads_the_request_is_served_per_request(
    tmp_path: Path, read: str, caplog: pytest.LogCaptureFixture
) -> None:
    root = project(tmp_path, read)

    with caplog.at_level(logging.WARNING, logger="approutes.error"):
        answers = await ask(root)

    assert (
        answers
        == [
            {"status": 200, "body": {"value": EXPECTED[read]}, "cache": None, "cache_control": None}
        ]
        * 2
    )
    # One abandoned render without a request, then one render per request.
    assert renders(root) == 3
    warnings = [r.getMessage() for r in caplog.records if "is dynamic" in r.getMessage()]
    assert len(warnings) == 1
    assert "app/api/who/route.py" in warnings[0]


@pytest.mark.anyio
async def test_a_revalidate_route_that_reads_nothing_stays_cached(tmp_path: Path) -> None:
    source = ROUTE.format(config="revalidate = 60", read="value = 'static'")
    root = make_project(tmp_path, {"app/api/who/route.py": source})

    answers = await ask(root)

    assert [a["cache"] for a in answers] == ["MISS", "HIT"]
    assert renders(root) == 1


@pytest.mark.anyio
async def test_generate_static_params_routes_bail_out_too(tmp_path: Path) -> None:
    source = """
    from approutes.headers import headers

    def generate_static_params():
        return [{"slug": "a"}]

    def GET(request, context):
        return {"slug": context.params["slug"], "who": headers().get("x-who")}
    """
    root = make_project(tmp_path, {"app/api/posts/[slug]/route.py": source})

    async with client_for(root) as client:
        response = await client.get("/api/posts/a", headers={"x-who": "ada"})

    assert response.json() == {"slug": "a", "who": "ada"}
    assert "x-approutes-cache" not in response.headers


@pytest.mark.anyio
async def test_force_static_still_reads_an_empty_request(tmp_path: Path) -> None:
    root = project(tmp_path, "headers()", config='dynamic = "force-static"')

    answers = await ask(root)

    assert [a["body"] for a in answers] == [{"value": None}] * 2
    assert [a["cache"] for a in answers] == ["MISS", "HIT"]


@pytest.mark.anyio
async def test_connection_in_a_dynamic_error_route_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path, "connection()", config='dynamic = "error"')

    answers = await ask(root, times=1)

    assert answers[0]["status"] == 500


@pytest.mark.anyio
async def test_connection_in_an_ordinary_route_returns_at_once(tmp_path: Path) -> None:
    root = project(tmp_path, "connection()", config="")

    answers = await ask(root, times=1)

    assert answers[0]["body"] == {"value": "live"}


def test_build_does_not_prerender_a_route_that_bails_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = project(tmp_path, "headers()")
    make_project(
        tmp_path,
        {"app/api/fixed/route.py": "revalidate = 60\n\ndef GET():\n    return {'ok': True}\n"},
    )

    with caplog.at_level(logging.WARNING, logger="approutes.error"):
        result = build_project(root)

    assert result.prerendered == ["/api/fixed"]
    assert (
        "app/api/who/route.py is dynamic: rendered without a request, it read request.headers"
        in (caplog.text)
    )


def test_the_build_table_marks_static_and_dynamic_routes_as_next_does(tmp_path: Path) -> None:
    """`next build` prints ○ (Static) and ƒ (Dynamic) before each route, and a legend."""
    root = project(tmp_path, "headers()")
    make_project(
        tmp_path,
        {
            "app/api/fixed/route.py": "revalidate = 60\n\ndef GET():\n    return {'ok': True}\n",
            "app/api/plain/route.py": "def GET():\n    return {'ok': True}\n",
        },
    )

    result = subprocess.run(
        [str(APPROUTES_BIN), "build", str(root)], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("○ /api/fixed ") for line in lines)
    assert any(line.startswith("ƒ /api/plain ") for line in lines)
    assert any(line.startswith("ƒ /api/who ") for line in lines)  # it bailed out
    assert any(line.startswith("○  (Static)") for line in lines)
    assert any(line.startswith("ƒ  (Dynamic)") for line in lines)
