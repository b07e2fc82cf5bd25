"""proxy.py, Next.js 16's name for middleware: loading, the refusal of both files, the event.

Next's behaviour is read from its source and docs:
- docs/01-app/03-api-reference/03-file-conventions/proxy.mdx (the file, `proxy`, `config`,
  the `event.waitUntil` second argument);
- packages/next/src/build/index.ts and test/e2e/app-dir/proxy-with-middleware (both files
  refused with "Both middleware file ... and proxy file ... are detected");
- packages/next/src/lib/constants.ts (the middleware-to-proxy deprecation notice).
"""

from __future__ import annotations

import logging
import subprocess
from typing import TYPE_CHECKING

import pytest
from tests.conftest import APPROUTES_BIN, client_for, make_project

from approutes import create_app
from approutes.errors import ConfigurationError

if TYPE_CHECKING:
    from pathlib import Path

ERROR_LOGGER = "approutes.error"

ROUTES = {
    "app/api/hello/route.py": """
        async def GET():
            return {"message": "Hello World"}
    """,
    "app/api/private/route.py": """
        async def GET(request):
            return {"user": request.headers.get("x-user")}
    """,
}

GUARD = """
from approutes import NextResponse

config = {"matcher": ["/api/private"]}

async def NAME(request):
    if request.headers.get("authorization") != "Bearer ok":
        return NextResponse.json({"error": "Unauthorized"}, status=401)
    return NextResponse.next(request_headers={"x-user": "ada"})
"""


def guard(name: str) -> str:
    """GUARD with its function named `name`."""
    return GUARD.replace("NAME", name)


# Records into a file what wait_until() awaited, after the response was sent.
WAITING_PROXY = """
import asyncio
from pathlib import Path

from approutes import NextResponse

LOG = Path(__file__).parent / "waited.txt"

async def record(path):
    await asyncio.sleep(0)
    LOG.write_text(path)

async def fail():
    raise RuntimeError("reporter down")

{kind}def proxy(request, event):
    event.wait_until(record(request.next_url.pathname))
    if request.next_url.pathname == "/api/private":
        event.wait_until(fail())
    return NextResponse.next()
"""


@pytest.mark.anyio
async def test_proxy_py_guards_the_paths_of_its_matcher(tmp_path: Path) -> None:
    """Next 16: `proxy.ts` exporting `proxy` runs before the routes it matches (proxy.mdx)."""
    root = make_project(tmp_path, {**ROUTES, "proxy.py": guard("proxy")})

    async with client_for(root) as client:
        refused = await client.get("/api/private")
        allowed = await client.get("/api/private", headers={"authorization": "Bearer ok"})
        unmatched = await client.get("/api/hello")

    assert (refused.status_code, refused.json()) == (401, {"error": "Unauthorized"})
    assert (allowed.status_code, allowed.json()) == (200, {"user": "ada"})
    assert unmatched.json() == {"message": "Hello World"}


@pytest.mark.anyio
async def test_middleware_py_still_runs_with_next_16s_deprecation_notice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Next 16 keeps `middleware.ts` working and warns (lib/constants.ts)."""
    root = make_project(tmp_path, {**ROUTES, "middleware.py": guard("middleware")})

    with caplog.at_level(logging.WARNING, logger=ERROR_LOGGER):
        async with client_for(root) as client:
            refused = await client.get("/api/private")

    assert refused.status_code == 401
    notices = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
    assert notices == [
        'The "middleware" file convention is deprecated. Please use "proxy" instead: '
        "rename middleware.py to proxy.py and its function to proxy."
    ]


def test_proxy_py_alone_logs_no_deprecation_notice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(tmp_path, {**ROUTES, "proxy.py": guard("proxy")})

    with caplog.at_level(logging.WARNING, logger=ERROR_LOGGER):
        create_app(root)

    assert not [r for r in caplog.records if "deprecated" in r.getMessage()]


def test_both_files_refuse_to_start_naming_both(tmp_path: Path) -> None:
    """Next 16 refuses middleware.ts beside proxy.ts (test/e2e/app-dir/proxy-with-middleware)."""
    root = make_project(
        tmp_path,
        {
            **ROUTES,
            "proxy.py": guard("proxy"),
            "middleware.py": guard("middleware"),
        },
    )

    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    assert caught.value.code == "proxy-and-middleware"
    message = caught.value.render()
    assert "middleware.py" in message
    assert "proxy.py" in message
    assert (
        'Both middleware file "middleware.py" and proxy file "proxy.py" are detected. '
        'Please use "proxy.py" only.'
    ) in message


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        pytest.param(guard("middleware"), "proxy(request)", id="old-function-name"),
        pytest.param("proxy = 3\n", "proxy(request)", id="not-callable"),
        pytest.param("def proxy():\n    return None\n", "proxy(request)", id="no-arguments"),
        pytest.param(
            "def proxy(request, event, extra):\n    return None\n",
            "proxy(request)",
            id="three-arguments",
        ),
    ],
)
def test_a_proxy_py_without_a_proxy_function_is_refused_naming_the_file(
    tmp_path: Path, source: str, problem: str
) -> None:
    root = make_project(tmp_path, {**ROUTES, "proxy.py": source})

    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    assert caught.value.code == "bad-middleware"
    message = caught.value.render()
    assert "proxy.py" in message
    assert problem in message


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["async ", ""], ids=["async", "sync"])
async def test_event_wait_until_awaits_after_the_response_and_logs_its_errors(
    tmp_path: Path, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """`proxy(request, event)`: `event.waitUntil(promise)` outlives the response (proxy.mdx)."""
    root = make_project(tmp_path, {**ROUTES, "proxy.py": WAITING_PROXY.format(kind=kind)})

    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        async with client_for(root) as client:
            hello = await client.get("/api/hello")
            assert (root / "waited.txt").read_text() == "/api/hello"
            private = await client.get("/api/private")

    assert hello.status_code == 200
    assert private.status_code == 200
    assert (root / "waited.txt").read_text() == "/api/private"
    failures = [r for r in caplog.records if r.exc_info and "reporter down" in str(r.exc_info[1])]
    assert len(failures) == 1
    assert "proxy.py" in failures[0].getMessage()


@pytest.mark.anyio
async def test_after_accepts_a_coroutine_as_nexts_after_accepts_a_promise(tmp_path: Path) -> None:
    """Next's `after(promise)` (docs/01-app/03-api-reference/04-functions/after.mdx)."""
    root = make_project(
        tmp_path,
        {
            "app/api/work/route.py": """
                from pathlib import Path

                from approutes.server import after

                async def note(text):
                    (Path(__file__).parents[3] / "after.txt").write_text(text)

                async def POST():
                    after(note("created"))
                    return {"ok": True}
            """
        },
    )

    async with client_for(root) as client:
        response = await client.post("/api/work")

    assert response.json() == {"ok": True}
    assert (root / "after.txt").read_text() == "created"


def test_build_lists_the_proxy_below_the_routes(tmp_path: Path) -> None:
    """`next build` prints "ƒ Proxy (Middleware)" under the route table."""
    root = make_project(tmp_path, {**ROUTES, "proxy.py": guard("proxy")})

    result = subprocess.run(
        [str(APPROUTES_BIN), "build", str(root)], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "ƒ Proxy (proxy.py)" in result.stdout.splitlines()
