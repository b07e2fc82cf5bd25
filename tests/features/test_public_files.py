"""Files of `public/` as a client sees them: at the root, validators, ranges, order, safety."""

from __future__ import annotations

import os
import sys
from email.utils import formatdate
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.conftest import client_for, make_project, running_server
from tests.live_server import wait_until

from approutes.app import create_app
from approutes.dev.reloader import reload_project
from approutes.errors import RouteTreeError

if TYPE_CHECKING:
    from pathlib import Path

LOGO = bytes(range(256)) * 8  # 2 KiB of binary
TEXT = "0123456789" * 10  # 100 bytes


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", [*sys.path])


def project(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    root = make_project(
        tmp_path / "project",
        {
            "app/api/hello/route.py": "async def GET():\n    return {'hello': True}\n",
            "public/notes.txt": TEXT,
            **(files or {}),
        },
    )
    (root / "public/logo.png").write_bytes(LOGO)
    return root


async def get(root: Path, path: str, **headers: str) -> httpx.Response:
    async with client_for(root) as client:
        return await client.get(path, headers=headers)


# --- served at the root ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_public_file_is_served_at_the_root_with_type_length_and_validators(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)

    response = await get(root, "/logo.png")

    assert response.status_code == 200
    assert response.content == LOGO
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(LOGO))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["cache-control"] == "public, max-age=0"
    assert response.headers["etag"].startswith('"')
    mtime = (root / "public/logo.png").stat().st_mtime
    assert response.headers["last-modified"] == formatdate(int(mtime), usegmt=True)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("file", "url", "content_type"),
    [
        pytest.param("public/notes.txt", "/notes.txt", "text/plain; charset=utf-8", id="text"),
        pytest.param("public/css/site.css", "/css/site.css", "text/css; charset=utf-8", id="css"),
        pytest.param("public/a b.svg", "/a%20b.svg", "image/svg+xml", id="escaped-name"),
        pytest.param(
            "public/data.json", "/data.json", "application/json; charset=utf-8", id="json"
        ),
        pytest.param(
            "public/blob.unknownext", "/blob.unknownext", "application/octet-stream", id="unknown"
        ),
        pytest.param("public/€.txt", "/%E2%82%AC.txt", "text/plain; charset=utf-8", id="utf8-name"),
    ],
)
async def test_public_files_get_the_content_type_of_their_name(
    tmp_path: Path, file: str, url: str, content_type: str
) -> None:
    root = project(tmp_path, {file: "x"})

    response = await get(root, url)

    assert response.status_code == 200
    assert response.text == "x"
    assert response.headers["content-type"] == content_type


@pytest.mark.anyio
async def test_head_of_a_public_file_sends_its_headers_and_no_body(tmp_path: Path) -> None:
    root = project(tmp_path)
    async with client_for(root) as client:
        response = await client.head("/logo.png")

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(LOGO))
    assert response.headers["content-type"] == "image/png"


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
async def test_other_methods_on_a_public_file_get_405_with_allow(
    tmp_path: Path, method: str
) -> None:
    root = project(tmp_path)
    async with client_for(root) as client:
        response = await client.request(method, "/logo.png")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.anyio
async def test_a_path_that_is_no_public_file_goes_on_to_the_routes(tmp_path: Path) -> None:
    root = project(tmp_path)
    async with client_for(root) as client:
        route = await client.get("/api/hello")
        missing = await client.get("/nothing.png")

    assert route.json() == {"hello": True}
    assert missing.status_code == 404


# --- conditional requests -------------------------------------------------------------------


@pytest.mark.anyio
async def test_if_none_match_with_the_etag_answers_304_without_a_body(tmp_path: Path) -> None:
    root = project(tmp_path)
    async with client_for(root) as client:
        first = await client.get("/logo.png")
        etag = first.headers["etag"]
        again = await client.get("/logo.png", headers={"if-none-match": etag})
        weak = await client.get("/logo.png", headers={"if-none-match": f'"x", W/{etag}'})
        other = await client.get("/logo.png", headers={"if-none-match": '"other"'})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert weak.status_code == 304
    assert other.status_code == 200


@pytest.mark.anyio
async def test_if_modified_since_answers_304_until_the_file_changes(tmp_path: Path) -> None:
    root = project(tmp_path)
    async with client_for(root) as client:
        first = await client.get("/notes.txt")
        since = first.headers["last-modified"]
        fresh = await client.get("/notes.txt", headers={"if-modified-since": since})
        path = root / "public/notes.txt"
        path.write_text("changed")
        later = path.stat().st_mtime + 10
        os.utime(path, (later, later))
        changed = await client.get("/notes.txt", headers={"if-modified-since": since})

    assert fresh.status_code == 304
    assert changed.status_code == 200
    assert changed.text == "changed"
    assert changed.headers["etag"] != first.headers["etag"]


@pytest.mark.anyio
async def test_if_none_match_decides_over_if_modified_since(tmp_path: Path) -> None:
    root = project(tmp_path)
    async with client_for(root) as client:
        first = await client.get("/notes.txt")
        response = await client.get(
            "/notes.txt",
            headers={
                "if-none-match": '"stale"',
                "if-modified-since": first.headers["last-modified"],
            },
        )

    assert response.status_code == 200


# --- ranges ----------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("range_header", "content_range", "body"),
    [
        pytest.param("bytes=0-9", "bytes 0-9/100", TEXT[:10], id="first-bytes"),
        pytest.param("bytes=95-", "bytes 95-99/100", TEXT[95:], id="open-ended"),
        pytest.param("bytes=-3", "bytes 97-99/100", TEXT[97:], id="suffix"),
        pytest.param("bytes=90-500", "bytes 90-99/100", TEXT[90:], id="end-past-size"),
    ],
)
async def test_a_single_range_answers_206_with_content_range(
    tmp_path: Path, range_header: str, content_range: str, body: str
) -> None:
    root = project(tmp_path)

    response = await get(root, "/notes.txt", range=range_header)

    assert response.status_code == 206
    assert response.headers["content-range"] == content_range
    assert response.text == body
    assert response.headers["content-length"] == str(len(body))


@pytest.mark.anyio
@pytest.mark.parametrize("range_header", ["bytes=100-", "bytes=500-600", "bytes=-0"])
async def test_a_range_past_the_end_answers_416(tmp_path: Path, range_header: str) -> None:
    root = project(tmp_path)

    response = await get(root, "/notes.txt", range=range_header)

    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */100"
    assert response.content == b""


@pytest.mark.anyio
@pytest.mark.parametrize(
    "range_header",
    [
        pytest.param("bytes=0-1,5-9", id="multi-range"),
        pytest.param("bytes=9-2", id="reversed"),
        pytest.param("lines=1-2", id="other-unit"),
        pytest.param("bytes=a-b", id="not-numbers"),
    ],
)
async def test_a_range_not_served_as_one_part_gets_the_whole_file(
    tmp_path: Path, range_header: str
) -> None:
    root = project(tmp_path)

    response = await get(root, "/notes.txt", range=range_header)

    assert response.status_code == 200
    assert response.text == TEXT


@pytest.mark.anyio
async def test_if_range_with_an_old_etag_gets_the_whole_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    async with client_for(root) as client:
        etag = (await client.get("/notes.txt")).headers["etag"]
        same = await client.get("/notes.txt", headers={"range": "bytes=0-1", "if-range": etag})
        old = await client.get("/notes.txt", headers={"range": "bytes=0-1", "if-range": '"old"'})

    assert same.status_code == 206
    assert same.text == "01"
    assert old.status_code == 200
    assert old.text == TEXT


# --- order with middleware, settings rules and routes ---------------------------------------

PROXY = """
    from approutes import NextResponse

    def proxy(request):
        if request.next_url.pathname == "/blocked.txt":
            return NextResponse.json({"blocked": True}, status=403)
        if request.next_url.pathname == "/brand":
            return NextResponse.rewrite(request.next_url.origin + "/logo.png")
        return NextResponse.next(headers={"x-middleware": "ran"})
"""


@pytest.mark.anyio
async def test_the_proxy_runs_before_public_files(tmp_path: Path) -> None:
    root = project(tmp_path, {"proxy.py": PROXY, "public/blocked.txt": "secret"})
    async with client_for(root) as client:
        blocked = await client.get("/blocked.txt")
        rewritten = await client.get("/brand")
        plain = await client.get("/notes.txt")

    assert blocked.status_code == 403
    assert blocked.json() == {"blocked": True}
    assert rewritten.status_code == 200
    assert rewritten.content == LOGO
    assert plain.headers["x-middleware"] == "ran"


SETTINGS = """
    [[headers]]
    source = "/:file*"
    headers = [{ key = "x-served-by", value = "approutes" }]

    [[redirects]]
    source = "/old-logo.png"
    destination = "/logo.png"
    permanent = true

    [[rewrites]]
    source = "/notes.txt"
    destination = "/api/hello"

    [[rewrites]]
    source = "/img/:name"
    destination = "/:name"
"""


@pytest.mark.anyio
async def test_settings_headers_redirects_and_rewrites_apply_as_in_next(tmp_path: Path) -> None:
    root = project(tmp_path, {"approutes.toml": SETTINGS})
    async with client_for(root) as client:
        served = await client.get("/notes.txt")
        redirected = await client.get("/old-logo.png")
        rewritten = await client.get("/img/logo.png")

    # afterFiles: a rewrite never hides a public file; its target may be one.
    assert served.text == TEXT
    assert served.headers["x-served-by"] == "approutes"
    assert redirected.status_code == 308
    assert redirected.headers["location"] == "/logo.png"
    assert rewritten.content == LOGO


@pytest.mark.anyio
async def test_a_public_file_wins_over_a_dynamic_route(tmp_path: Path) -> None:
    root = project(
        tmp_path, {"app/[slug]/route.py": "async def GET(request, ctx):\n    return {'route': 1}\n"}
    )
    async with client_for(root) as client:
        file = await client.get("/notes.txt")
        route = await client.get("/other")

    assert file.text == TEXT
    assert route.json() == {"route": 1}


@pytest.mark.anyio
async def test_public_files_are_served_under_the_base_path(tmp_path: Path) -> None:
    root = project(tmp_path, {"approutes.toml": 'base_path = "/docs"'})
    async with client_for(root) as client:
        under = await client.get("/docs/logo.png")
        outside = await client.get("/logo.png")

    assert under.content == LOGO
    assert outside.status_code == 404


# --- refused at load ------------------------------------------------------------------------


def test_a_route_and_a_public_file_at_one_url_are_refused_naming_both(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/notes.txt/route.py": "async def GET():\n    return {}\n"})

    with pytest.raises(RouteTreeError) as caught:
        create_app(root)

    assert caught.value.code == "public-file-conflict"
    assert caught.value.files == ("app/notes.txt/route.py", "public/notes.txt")
    assert "/notes.txt" in caught.value.render()


@pytest.mark.anyio
async def test_dev_reload_sees_new_public_files_and_refuses_a_clash(tmp_path: Path) -> None:
    root = project(tmp_path)
    app = create_app(root, dev=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        assert (await client.get("/new.txt")).status_code == 404
        (root / "public/new.txt").write_text("new")
        await reload_project(app, root)
        added = await client.get("/new.txt")
        (root / "public/api").mkdir()
        (root / "public/api/hello").write_text("clash")
        await reload_project(app, root)
        clash = await client.get("/api/hello")

    assert added.text == "new"
    assert clash.status_code == 500
    assert "public-file-conflict" in clash.text
    assert "public/api/hello" in clash.text


def test_approutes_dev_serves_a_public_file_saved_while_it_runs(tmp_path: Path) -> None:
    root = project(tmp_path)
    with running_server(root, command="dev") as base:
        assert httpx.get(f"{base}/later.txt").status_code == 404
        (root / "public/later.txt").write_text("saved while serving")
        wait_until(
            lambda: httpx.get(f"{base}/later.txt").status_code == 200,
            "approutes dev to serve the new public file",
            deadline=15,
        )
        (root / "public/later.txt").unlink()
        wait_until(
            lambda: httpx.get(f"{base}/later.txt").status_code == 404,
            "approutes dev to stop serving the removed public file",
            deadline=15,
        )


# --- traversal ------------------------------------------------------------------------------

OUTSIDE = "a file outside public/"

TRAVERSALS = [
    pytest.param("/%2e%2e/secret.txt", id="encoded-dot-dot"),
    pytest.param("/%2E%2E/secret.txt", id="encoded-dot-dot-upper"),
    pytest.param("/..%2Fsecret.txt", id="encoded-slash"),
    pytest.param("/nested%2F..%2F..%2Fsecret.txt", id="encoded-slashes-climbing"),
    pytest.param("/%5C..%5Csecret.txt", id="encoded-backslash"),
    pytest.param("/notes.txt%00", id="nul"),
    pytest.param("/notes.txt%00.png", id="nul-then-suffix"),
    pytest.param("/link-out.txt", id="symlinked-file-out"),
    pytest.param("/linked-dir/secret.txt", id="symlinked-folder-out"),
    pytest.param("/%2Fetc%2Fpasswd", id="encoded-absolute"),
    pytest.param("/%FF%FE", id="not-utf8"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("path", TRAVERSALS)
async def test_no_path_reaches_a_file_outside_public(tmp_path: Path, path: str) -> None:
    root = project(tmp_path)
    (tmp_path / "secret.txt").write_text(OUTSIDE)
    (root / "public/nested").mkdir()
    (root / "public/link-out.txt").symlink_to(tmp_path / "secret.txt")
    (root / "public/linked-dir").symlink_to(tmp_path)

    response = await get(root, path)

    assert response.status_code in (400, 404)
    assert OUTSIDE not in response.text


@pytest.mark.anyio
async def test_a_symlink_inside_public_is_served(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "public/alias.png").symlink_to(root / "public/logo.png")

    response = await get(root, "/alias.png")

    assert response.content == LOGO
