"""scan_app_dir: real app/ trees on disk become RouteFiles, checked by RouteTable."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from approutes.errors import RouteTreeError
from approutes.routing.route_table import RouteTable
from approutes.routing.scanner import RouteFile, route_file_from_path, scan_app_dir

if TYPE_CHECKING:
    from pathlib import Path

HANDLER = "async def GET(): ...\n"


def write_routes(root: Path, *files: str) -> None:
    """Create each file (relative to `root`) with a minimal GET handler."""
    for file in files:
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HANDLER, encoding="utf-8")


def scanned(root: Path) -> dict[str, str]:
    """File -> URL pattern of every scanned route."""
    return {r.file: r.pattern for r in scan_app_dir(root)}


def test_every_route_file_becomes_a_route_with_its_url_pattern(tmp_path: Path) -> None:
    write_routes(
        tmp_path,
        "app/api/hello/route.py",
        "app/api/users/route.py",
        "app/api/users/[id]/route.py",
        "app/api/files/[...path]/route.py",
        "app/api/docs/[[...slug]]/route.py",
    )
    assert scanned(tmp_path) == {
        "app/api/hello/route.py": "/api/hello",
        "app/api/users/route.py": "/api/users",
        "app/api/users/[id]/route.py": "/api/users/[id]",
        "app/api/files/[...path]/route.py": "/api/files/[...path]",
        "app/api/docs/[[...slug]]/route.py": "/api/docs/[[...slug]]",
    }


def test_app_route_file_serves_the_root(tmp_path: Path) -> None:
    write_routes(tmp_path, "app/route.py", "app/health/route.py")
    assert scanned(tmp_path) == {"app/route.py": "/", "app/health/route.py": "/health"}


def test_group_folders_vanish_from_the_url(tmp_path: Path) -> None:
    write_routes(tmp_path, "app/api/(admin)/stats/route.py", "app/(site)/(deep)/about/route.py")
    assert scanned(tmp_path) == {
        "app/api/(admin)/stats/route.py": "/api/stats",
        "app/(site)/(deep)/about/route.py": "/about",
    }
    routes = RouteTable(scan_app_dir(tmp_path))
    found = routes.match("/api/stats")
    assert found is not None
    assert found.route.file == "app/api/(admin)/stats/route.py"


def test_private_folders_and_everything_below_are_skipped(tmp_path: Path) -> None:
    write_routes(
        tmp_path,
        "app/api/hello/route.py",
        "app/api/_lib/route.py",
        "app/api/_private/secret/route.py",
        "app/_internal/[id]/deep/route.py",
    )
    (tmp_path / "app/api/_lib/helpers.py").write_text("X = 1\n", encoding="utf-8")
    assert scanned(tmp_path) == {"app/api/hello/route.py": "/api/hello"}
    assert RouteTable(scan_app_dir(tmp_path)).match("/api/_private/secret") is None


def test_escaped_underscore_folder_serves_the_underscore_url(tmp_path: Path) -> None:
    write_routes(tmp_path, "app/%5Fname/route.py")
    assert scanned(tmp_path) == {"app/%5Fname/route.py": "/_name"}
    routes = RouteTable(scan_app_dir(tmp_path))
    found = routes.match("/_name")
    assert found is not None
    assert found.route.file == "app/%5Fname/route.py"
    assert routes.match("/%5Fname") is None


@pytest.mark.parametrize(
    "file",
    [
        pytest.param("app/.git/route.py", id="hidden-folder-in-app"),
        pytest.param("app/api/.hidden/route.py", id="hidden-folder"),
        pytest.param("app/api/__pycache__/route.py", id="pycache"),
        pytest.param("app/api/hello/helpers.py", id="other-than-route-py-helpers"),
        pytest.param("app/api/page/page.py", id="other-than-route-py-page"),
        pytest.param("app/api/ts/route.ts", id="other-than-route-py-route-ts"),
        pytest.param("app/api/upper/Route.py", id="other-than-route-py-upper-case"),
    ],
)
def test_hidden_folders_pycache_and_files_other_than_route_py_are_skipped(
    tmp_path: Path, file: str
) -> None:
    write_routes(tmp_path, "app/api/hello/route.py", file)
    assert scanned(tmp_path) == {"app/api/hello/route.py": "/api/hello"}


def test_routes_outside_app_are_not_scanned(tmp_path: Path) -> None:
    write_routes(tmp_path, "lib/api/route.py", "pages/api/route.py")
    assert list(scan_app_dir(tmp_path)) == []


def test_a_project_without_app_folder_has_no_routes(tmp_path: Path) -> None:
    assert list(scan_app_dir(tmp_path)) == []


def test_scan_order_is_stable_and_sorted(tmp_path: Path) -> None:
    write_routes(tmp_path, "app/b/route.py", "app/a/route.py", "app/a/z/route.py", "app/route.py")
    files = [r.file for r in scan_app_dir(tmp_path)]
    assert files == ["app/route.py", "app/a/route.py", "app/a/z/route.py", "app/b/route.py"]
    assert [r.file for r in scan_app_dir(tmp_path)] == files


def test_route_file_from_path_rebuilds_the_scanned_route(tmp_path: Path) -> None:
    write_routes(tmp_path, "app/api/(admin)/users/[id]/route.py", "app/%5Fx/[...p]/route.py")
    for found in scan_app_dir(tmp_path):
        assert route_file_from_path(found.file) == found
    assert isinstance(route_file_from_path("app/route.py"), RouteFile)
    assert route_file_from_path("app/route.py").segments == ()


def test_malformed_bracket_folder_refuses_to_load_naming_the_file(tmp_path: Path) -> None:
    write_routes(tmp_path, "app/api/[id/route.py")
    with pytest.raises(RouteTreeError) as caught:
        list(scan_app_dir(tmp_path))
    assert caught.value.code == "bad-segment-name"
    assert caught.value.files == ("app/api/[id/route.py",)
    assert "[id" in caught.value.problem


@pytest.mark.parametrize(
    ("files", "code"),
    [
        pytest.param(
            ("app/api/users/[id]/route.py", "app/api/users/[userId]/route.py"),
            "slug-name-conflict",
            id="id-beside-userId",
        ),
        pytest.param(
            ("app/api/stats/route.py", "app/api/(admin)/stats/route.py"),
            "duplicate-route",
            id="duplicate-through-group",
        ),
        pytest.param(
            ("app/(shop)/cart/route.py", "app/(checkout)/cart/route.py"),
            "duplicate-route",
            id="duplicate-through-two-groups",
        ),
        pytest.param(
            ("app/api/docs/route.py", "app/api/docs/[[...slug]]/route.py"),
            "optional-catch-all-conflict",
            id="optional-catch-all-beside-parent",
        ),
        pytest.param(
            ("app/api/(v1)/docs/route.py", "app/api/docs/[[...slug]]/route.py"),
            "optional-catch-all-conflict",
            id="optional-catch-all-beside-parent-in-group",
        ),
        pytest.param(
            ("app/api/files/[...path]/route.py", "app/api/files/[[...path]]/route.py"),
            "catch-all-conflict",
            id="required-beside-optional-catch-all-is-a-catch-all-conflict",
        ),
    ],
)
def test_conflicting_route_files_refuse_to_load_naming_both(
    tmp_path: Path, files: tuple[str, str], code: str
) -> None:
    write_routes(tmp_path, *files)
    with pytest.raises(RouteTreeError) as caught:
        RouteTable(scan_app_dir(tmp_path))
    assert caught.value.code == code
    assert sorted(caught.value.files) == sorted(files)


@pytest.mark.parametrize(
    ("file", "code"),
    [
        pytest.param("app/api/[...path]/edit/route.py", "catch-all-not-last", id="catch-all"),
        pytest.param(
            "app/api/[[...slug]]/more/route.py", "catch-all-not-last", id="optional-catch-all"
        ),
        pytest.param("app/api/[id]/posts/[id]/route.py", "repeated-param-name", id="repeat"),
    ],
)
def test_malformed_route_file_refuses_to_load_naming_it(
    tmp_path: Path, file: str, code: str
) -> None:
    write_routes(tmp_path, file)
    with pytest.raises(RouteTreeError) as caught:
        RouteTable(scan_app_dir(tmp_path))
    assert caught.value.code == code
    assert caught.value.files == (file,)
