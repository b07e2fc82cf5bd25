"""pages/api file names become URLs as in Next, and clash by the same rules as app/ routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from approutes.errors import RouteTreeError
from approutes.route_loading import load_routes
from approutes.route_modules.pages_module import PagesModule
from approutes.routing.route_table import RouteTable
from approutes.routing.scanner import route_file_from_path, scan_app_dir, scan_pages_dir

if TYPE_CHECKING:
    from pathlib import Path

PAGES_HANDLER = "def handler(req, res):\n    res.end()\n"
APP_HANDLER = "async def GET(): ...\n"


def write_files(root: Path, *files: str) -> None:
    for file in files:
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PAGES_HANDLER if file.startswith("pages/") else APP_HANDLER)


def scanned(root: Path) -> dict[str, str]:
    return {r.file: r.pattern for r in scan_pages_dir(root)}


@pytest.mark.parametrize(
    ("file", "pattern"),
    [
        pytest.param("pages/api/index.py", "/api", id="index-is-api"),
        pytest.param("pages/api/hello.py", "/api/hello", id="file"),
        pytest.param("pages/api/users/index.py", "/api/users", id="nested-index"),
        pytest.param("pages/api/users/[id].py", "/api/users/[id]", id="dynamic-file"),
        pytest.param("pages/api/users/[id]/index.py", "/api/users/[id]", id="dynamic-folder"),
        pytest.param("pages/api/files/[...slug].py", "/api/files/[...slug]", id="catch-all"),
        pytest.param("pages/api/docs/[[...slug]].py", "/api/docs/[[...slug]]", id="optional"),
        pytest.param("pages/api/index/x.py", "/api/index/x", id="index-folder-is-a-segment"),
        pytest.param("pages/api/(group)/x.py", "/api/(group)/x", id="no-route-groups"),
    ],
)
def test_a_pages_file_serves_the_url_its_path_names(
    tmp_path: Path, file: str, pattern: str
) -> None:
    write_files(tmp_path, file)
    assert scanned(tmp_path) == {file: pattern}


def test_helpers_hidden_files_and_files_outside_pages_api_are_not_routes(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        "pages/api/hello.py",
        "pages/api/_helpers.py",
        "pages/api/__init__.py",
        "pages/api/_lib/db.py",
        "pages/api/.hidden/x.py",
        "pages/api/__pycache__/x.py",
        "pages/index.py",
        "pages/about.py",
    )
    (tmp_path / "pages/api/notes.md").write_text("not python")
    assert scanned(tmp_path) == {"pages/api/hello.py": "/api/hello"}


def test_a_project_without_pages_api_has_no_pages_routes(tmp_path: Path) -> None:
    write_files(tmp_path, "app/api/x/route.py")
    assert list(scan_pages_dir(tmp_path)) == []


def test_pages_routes_match_like_next(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        "pages/api/index.py",
        "pages/api/users/new.py",
        "pages/api/users/[id].py",
        "pages/api/docs/[[...slug]].py",
    )
    table = RouteTable(scan_pages_dir(tmp_path))
    for path, file, params in [
        ("/api", "pages/api/index.py", {}),
        ("/api/users/new", "pages/api/users/new.py", {}),
        ("/api/users/7", "pages/api/users/[id].py", {"id": "7"}),
        ("/api/docs", "pages/api/docs/[[...slug]].py", {}),
        ("/api/docs/a/b", "pages/api/docs/[[...slug]].py", {"slug": ["a", "b"]}),
    ]:
        found = table.match(path)
        assert found is not None, path
        assert (found.route.file, found.params) == (file, params)


def test_route_file_from_path_rebuilds_pages_routes_for_the_manifest(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        "pages/api/index.py",
        "pages/api/users/[id]/index.py",
        "pages/api/files/[...slug].py",
        "pages/api/(x)/y.py",
    )
    routes = list(scan_pages_dir(tmp_path))
    assert len(routes) == 4
    for route in routes:
        assert route.is_pages
        assert route_file_from_path(route.file) == route


def test_a_malformed_file_name_is_refused_naming_the_file(tmp_path: Path) -> None:
    write_files(tmp_path, "pages/api/[id.py")
    with pytest.raises(RouteTreeError) as caught:
        list(scan_pages_dir(tmp_path))
    assert caught.value.code == "bad-segment-name"
    assert caught.value.files == ("pages/api/[id.py",)


@pytest.mark.parametrize(
    ("files", "code"),
    [
        pytest.param(
            ("pages/api/users.py", "pages/api/users/index.py"),
            "duplicate-route",
            id="file-and-folder-index",
        ),
        pytest.param(
            ("pages/api/users/[id].py", "pages/api/users/[userId]/posts.py"),
            "slug-name-conflict",
            id="two-slug-names",
        ),
        pytest.param(
            ("pages/api/docs.py", "pages/api/docs/[[...slug]].py"),
            "optional-catch-all-conflict",
            id="optional-catch-all-beside-parent",
        ),
        pytest.param(
            ("pages/api/f/[...p].py", "pages/api/f/[[...p]].py"),
            "catch-all-conflict",
            id="required-beside-optional",
        ),
        pytest.param(
            ("app/api/hello/route.py", "pages/api/hello.py"),
            "app-and-pages-conflict",
            id="app-and-pages-same-url",
        ),
        pytest.param(
            ("app/api/items/[id]/route.py", "pages/api/items/[key].py"),
            "app-and-pages-conflict",
            id="app-and-pages-same-url-other-param-name",
        ),
        pytest.param(
            ("app/api/route.py", "pages/api/index.py"),
            "app-and-pages-conflict",
            id="app-and-pages-index",
        ),
        pytest.param(
            ("app/api/docs/route.py", "pages/api/docs/[[...slug]].py"),
            "optional-catch-all-conflict",
            id="app-parent-beside-pages-optional-catch-all",
        ),
    ],
)
def test_conflicting_files_are_refused_at_load_naming_both(
    tmp_path: Path, files: tuple[str, str], code: str
) -> None:
    write_files(tmp_path, *files)
    with pytest.raises(RouteTreeError) as caught:
        load_routes(tmp_path)
    assert caught.value.code == code
    assert sorted(caught.value.files) == sorted(files)
    for file in files:
        assert file in str(caught.value)


def test_app_and_pages_routes_for_different_urls_share_one_table(tmp_path: Path) -> None:
    write_files(tmp_path, "app/api/hello/route.py", "pages/api/legacy.py")
    table, modules = load_routes(tmp_path)
    assert sorted(r.file for r in table.routes) == ["app/api/hello/route.py", "pages/api/legacy.py"]
    assert [r.is_pages for r in scan_app_dir(tmp_path)] == [False]
    legacy = table.match("/api/legacy")
    assert legacy is not None
    module = modules.get(legacy.route)
    assert isinstance(module, PagesModule)
    assert module.file == "pages/api/legacy.py"
