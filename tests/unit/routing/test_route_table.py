"""RouteTable (and the segment trie under it): precedence, backtracking, params, tree checks."""

from __future__ import annotations

import pytest

from approutes.errors import BadRequest, RouteTreeError
from approutes.routing.route_table import Params, RouteTable
from approutes.routing.scanner import RouteFile
from approutes.routing.segment import parse_segment


def route(folders: str) -> RouteFile:
    """The RouteFile of `app/<folders>/route.py` ("" is `app/route.py`); groups vanish."""
    names = [name for name in folders.split("/") if name]
    segments = tuple(s for s in map(parse_segment, names) if s.kind != "group")
    file = "/".join(["app", *names, "route.py"])
    return RouteFile(file, segments)


def table(*folders: str) -> RouteTable:
    return RouteTable(route(f) for f in folders)


def matched_file(routes: RouteTable, path: str) -> str | None:
    found = routes.match(path)
    return None if found is None else found.route.file


# --- precedence ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folders", "path", "expected_file", "expected_params"),
    [
        pytest.param(
            ("api/users/[id]", "api/users/new"),
            "/api/users/new",
            "app/api/users/new/route.py",
            {},
            id="static-beats-dynamic",
        ),
        pytest.param(
            ("api/files/[...path]", "api/files/readme"),
            "/api/files/readme",
            "app/api/files/readme/route.py",
            {},
            id="static-beats-catch-all",
        ),
        pytest.param(
            ("api/docs/[[...slug]]", "api/docs/intro"),
            "/api/docs/intro",
            "app/api/docs/intro/route.py",
            {},
            id="static-beats-optional-catch-all",
        ),
        pytest.param(
            ("api/files/[...path]", "api/files/[id]"),
            "/api/files/7",
            "app/api/files/[id]/route.py",
            {"id": "7"},
            id="dynamic-beats-catch-all",
        ),
        pytest.param(
            ("api/docs/[[...slug]]", "api/docs/[id]"),
            "/api/docs/7",
            "app/api/docs/[id]/route.py",
            {"id": "7"},
            id="dynamic-beats-optional-catch-all",
        ),
        pytest.param(
            ("[[...all]]", "docs/[...path]"),
            "/docs/a",
            "app/docs/[...path]/route.py",
            {"path": ["a"]},
            id="catch-all-beats-optional-catch-all-of-a-parent",
        ),
    ],
)
def test_more_specific_segment_kind_wins(
    folders: tuple[str, ...], path: str, expected_file: str, expected_params: Params
) -> None:
    for order in (folders, folders[::-1]):
        found = table(*order).match(path)
        assert found is not None
        assert found.route.file == expected_file
        assert found.params == expected_params


def test_static_segment_wins_over_dynamic_but_dynamic_takes_the_rest() -> None:
    routes = table("api/users/[id]", "api/users/new")
    found = routes.match("/api/users/42")
    assert found is not None
    assert found.route.file == "app/api/users/[id]/route.py"
    assert found.params == {"id": "42"}


def test_dynamic_takes_one_segment_and_catch_all_takes_more() -> None:
    routes = table("api/files/[id]", "api/files/[...path]")
    found = routes.match("/api/files/a/b")
    assert found is not None
    assert found.route.file == "app/api/files/[...path]/route.py"
    assert found.params == {"path": ["a", "b"]}


# --- backtracking -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folders", "path", "expected_file", "expected_params"),
    [
        pytest.param(
            ("api/users/new", "api/users/[id]/edit"),
            "/api/users/new/edit",
            "app/api/users/[id]/edit/route.py",
            {"id": "new"},
            id="static-fails-deeper-falls-back-to-dynamic",
        ),
        pytest.param(
            ("api/files/special/info", "api/files/[...path]"),
            "/api/files/special/other",
            "app/api/files/[...path]/route.py",
            {"path": ["special", "other"]},
            id="static-fails-deeper-falls-back-to-catch-all",
        ),
        pytest.param(
            ("api/files/[id]/meta", "api/files/[...path]"),
            "/api/files/7/other",
            "app/api/files/[...path]/route.py",
            {"path": ["7", "other"]},
            id="dynamic-fails-deeper-falls-back-to-catch-all",
        ),
        pytest.param(
            ("api/docs/[id]/meta", "api/docs/[[...slug]]"),
            "/api/docs/7/other",
            "app/api/docs/[[...slug]]/route.py",
            {"slug": ["7", "other"]},
            id="dynamic-fails-deeper-falls-back-to-optional-catch-all",
        ),
        pytest.param(
            ("a/b/c", "a/[...rest]"),
            "/a/b/d",
            "app/a/[...rest]/route.py",
            {"rest": ["b", "d"]},
            id="fails-two-levels-down-falls-back-to-parent-catch-all",
        ),
        pytest.param(
            ("shop/[category]/items/[item]", "shop/[...rest]"),
            "/shop/books/items",
            "app/shop/[...rest]/route.py",
            {"rest": ["books", "items"]},
            id="abandoned-dynamic-value-does-not-leak-into-params",
        ),
    ],
)
def test_failed_specific_branch_backtracks_to_the_next_one(
    folders: tuple[str, ...], path: str, expected_file: str, expected_params: Params
) -> None:
    found = table(*folders).match(path)
    assert found is not None
    assert found.route.file == expected_file
    assert found.params == expected_params


def test_no_branch_matches_gives_none() -> None:
    routes = table("api/users/new", "api/users/[id]/edit")
    assert routes.match("/api/users/new/delete") is None
    assert routes.match("/api/other") is None


# --- catch-alls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected_params"),
    [
        pytest.param("/api/docs", {}, id="zero-segments-key-absent"),
        pytest.param("/api/docs/a", {"slug": ["a"]}, id="one-segment"),
        pytest.param("/api/docs/a/b", {"slug": ["a", "b"]}, id="two-segments"),
    ],
)
def test_optional_catch_all_matches_zero_or_more_segments(
    path: str, expected_params: Params
) -> None:
    found = table("api/docs/[[...slug]]").match(path)
    assert found is not None
    assert found.route.file == "app/api/docs/[[...slug]]/route.py"
    assert found.params == expected_params
    assert ("slug" in found.params) == (path != "/api/docs")


def test_catch_all_needs_at_least_one_segment() -> None:
    routes = table("api/files/[...path]")
    assert routes.match("/api/files") is None
    found = routes.match("/api/files/docs/readme.md")
    assert found is not None
    assert found.params == {"path": ["docs", "readme.md"]}


def test_root_optional_catch_all_serves_the_root_without_params() -> None:
    found = table("[[...all]]").match("/")
    assert found is not None
    assert found.route.file == "app/[[...all]]/route.py"
    assert found.params == {}


def test_dynamic_segment_matches_exactly_one_segment() -> None:
    routes = table("api/users/[id]")
    assert routes.match("/api/users") is None
    assert routes.match("/api/users/1/2") is None


def test_two_dynamic_segments_fill_both_params() -> None:
    found = table("api/users/[id]/posts/[post_id]").match("/api/users/1/posts/2")
    assert found is not None
    assert found.params == {"id": "1", "post_id": "2"}


def test_root_route_serves_slash() -> None:
    found = table("", "api/hello").match("/")
    assert found is not None
    assert found.route.file == "app/route.py"
    assert found.params == {}


# --- percent-decoding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        pytest.param("a%20b", "a b", id="space"),
        pytest.param("%C3%A9t%C3%A9", "été", id="utf8"),
        pytest.param("a%2Fb", "a/b", id="encoded-slash-stays-in-value"),
        pytest.param("%25", "%", id="percent"),
        pytest.param("%2541", "%41", id="decoded-once-only"),
        pytest.param("1+1", "1+1", id="plus-stays-plus"),
    ],
)
def test_dynamic_value_is_percent_decoded_once(raw: str, decoded: str) -> None:
    found = table("api/users/[id]").match(f"/api/users/{raw}")
    assert found is not None
    assert found.params == {"id": decoded}


def test_catch_all_values_are_decoded_and_encoded_slash_makes_no_new_segment() -> None:
    found = table("api/files/[...path]").match("/api/files/a%2Fb/c%20d")
    assert found is not None
    assert found.params == {"path": ["a/b", "c d"]}


@pytest.mark.parametrize(
    ("folders", "path"),
    [
        pytest.param(("api/users/[id]",), "/api/users/%ZZ", id="dynamic-bad-escape"),
        pytest.param(("api/users/[id]",), "/api/users/%FF", id="dynamic-not-utf8"),
        pytest.param(("api/files/[...path]",), "/api/files/ok/%ZZ", id="catch-all-bad-escape"),
        pytest.param(("api/docs/[[...slug]]",), "/api/docs/%Z", id="optional-catch-all-bad"),
    ],
)
def test_undecodable_param_value_raises_bad_request(folders: tuple[str, ...], path: str) -> None:
    with pytest.raises(BadRequest) as caught:
        table(*folders).match(path)
    assert caught.value.status == 400


# --- static segments: raw and case-sensitive ----------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/h%65llo", id="encoded-letter-not-decoded"),
        pytest.param("/api/HELLO", id="upper-case"),
        pytest.param("/api/Hello", id="capitalised"),
        pytest.param("/API/hello", id="upper-case-parent"),
    ],
)
def test_static_segments_match_undecoded_and_case_sensitively(path: str) -> None:
    routes = table("api/hello")
    assert routes.match(path) is None
    assert matched_file(routes, "/api/hello") == "app/api/hello/route.py"


def test_encoded_static_name_falls_through_to_dynamic_sibling_decoded() -> None:
    found = table("api/hello", "api/[slug]").match("/api/h%65llo")
    assert found is not None
    assert found.route.file == "app/api/[slug]/route.py"
    assert found.params == {"slug": "hello"}


def test_escaped_underscore_folder_serves_underscore_url() -> None:
    routes = table("%5Fname")
    assert matched_file(routes, "/_name") == "app/%5Fname/route.py"
    assert routes.match("/%5Fname") is None


def test_group_folder_adds_no_url_segment() -> None:
    routes = table("api/(admin)/stats")
    assert matched_file(routes, "/api/stats") == "app/api/(admin)/stats/route.py"
    assert routes.match("/api/(admin)/stats") is None
    assert routes.match("/api/%28admin%29/stats") is None


# --- the table itself ---------------------------------------------------------------------


def test_routes_keeps_every_route_in_order() -> None:
    files = ("api/users", "api/users/[id]", "api/files/[...path]")
    assert tuple(r.file for r in table(*files).routes) == tuple(route(f).file for f in files)


def test_route_file_pattern_and_param_names() -> None:
    users = route("api/(admin)/users/[id]/files/[...path]")
    assert users.pattern == "/api/users/[id]/files/[...path]"
    assert users.param_names == ("id", "path")
    assert not users.is_static
    assert route("api/hello").is_static
    assert route("").pattern == "/"


def test_a_thousand_routes_each_match_their_own_path() -> None:
    folders: list[str] = []
    for i in range(250):
        folders += [
            f"api/v{i}/items",
            f"api/v{i}/items/[id]",
            f"api/v{i}/items/latest",
            f"api/v{i}/files/[...path]",
        ]
    routes = table(*folders)
    assert len(routes.routes) == 1000
    for i in (0, 1, 137, 249):
        assert matched_file(routes, f"/api/v{i}/items") == f"app/api/v{i}/items/route.py"
        assert (
            matched_file(routes, f"/api/v{i}/items/latest") == f"app/api/v{i}/items/latest/route.py"
        )
        by_id = routes.match(f"/api/v{i}/items/x{i}")
        assert by_id is not None
        assert by_id.route.file == f"app/api/v{i}/items/[id]/route.py"
        assert by_id.params == {"id": f"x{i}"}
        files = routes.match(f"/api/v{i}/files/a/b")
        assert files is not None
        assert files.route.file == f"app/api/v{i}/files/[...path]/route.py"
        assert files.params == {"path": ["a", "b"]}
    assert routes.match("/api/v250/items") is None
    assert routes.match("/api/v1/files") is None


# --- tree checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folders", "code"),
    [
        pytest.param(("api/users/[id]", "api/users/[userId]"), "slug-name-conflict", id="slug"),
        pytest.param(
            ("api/users/[id]/posts", "api/users/[userId]"),
            "slug-name-conflict",
            id="slug-found-below-first-route",
        ),
        pytest.param(("api/stats", "api/(admin)/stats"), "duplicate-route", id="dup-group"),
        pytest.param(("", "(site)"), "duplicate-route", id="duplicate-root-through-group"),
        pytest.param(
            ("(a)/files/[...path]", "(b)/files/[...path]"),
            "duplicate-route",
            id="duplicate-catch-all-through-groups",
        ),
        pytest.param(
            ("api/docs", "api/docs/[[...slug]]"),
            "optional-catch-all-conflict",
            id="optional-catch-all-beside-parent",
        ),
        pytest.param(
            ("api/docs/[[...slug]]", "api/docs"),
            "optional-catch-all-conflict",
            id="parent-beside-optional-catch-all",
        ),
        pytest.param(
            ("", "[[...all]]"), "optional-catch-all-conflict", id="root-optional-catch-all"
        ),
        pytest.param(
            ("api/files/[...path]", "api/files/[[...path]]"),
            "catch-all-conflict",
            id="required-then-optional-catch-all",
        ),
        pytest.param(
            ("api/files/[[...path]]", "api/files/[...path]"),
            "catch-all-conflict",
            id="optional-then-required-catch-all",
        ),
    ],
)
def test_conflicting_routes_refuse_to_load_naming_both_files(
    folders: tuple[str, str], code: str
) -> None:
    with pytest.raises(RouteTreeError) as caught:
        table(*folders)
    error = caught.value
    assert error.code == code
    assert sorted(error.files) == sorted(route(f).file for f in folders)
    rendered = str(error)
    assert code in rendered
    for folder in folders:
        assert route(folder).file in rendered


@pytest.mark.parametrize(
    ("folder", "code"),
    [
        pytest.param("api/[...path]/edit", "catch-all-not-last", id="catch-all-not-last"),
        pytest.param(
            "api/[[...slug]]/edit", "catch-all-not-last", id="optional-catch-all-not-last"
        ),
        pytest.param("api/[id]/posts/[id]", "repeated-param-name", id="repeated-dynamic"),
        pytest.param("api/[slug]/[...slug]", "repeated-param-name", id="repeated-in-catch-all"),
    ],
)
def test_malformed_route_refuses_to_load_naming_its_file(folder: str, code: str) -> None:
    with pytest.raises(RouteTreeError) as caught:
        table(folder)
    assert caught.value.code == code
    assert caught.value.files == (route(folder).file,)


def test_differently_named_catch_alls_at_one_level_refuse_to_load() -> None:
    first, second = route("api/files/[...path]"), route("api/files/[...rest]")
    with pytest.raises(RouteTreeError) as caught:
        RouteTable([first, second])
    assert set(caught.value.files) == {first.file, second.file}


def test_dynamic_and_optional_catch_all_siblings_are_allowed() -> None:
    routes = table("api/docs/[id]", "api/docs/[[...slug]]")
    assert matched_file(routes, "/api/docs") == "app/api/docs/[[...slug]]/route.py"
    assert matched_file(routes, "/api/docs/x") == "app/api/docs/[id]/route.py"


@pytest.mark.parametrize(
    "folders",
    [
        pytest.param(("api/files/[...path]", "api/files/[[...path]]"), id="required-optional"),
        pytest.param(("api/files/[[...path]]", "api/files/[...path]"), id="optional-required"),
        pytest.param(("(a)/files/[...path]", "(b)/files/[...path]"), id="same-through-groups"),
        pytest.param(("(a)/docs/[[...s]]", "(b)/docs/[[...s]]"), id="same-optional-in-groups"),
    ],
)
def test_two_catch_alls_at_one_level_refuse_to_load_naming_both_files(
    folders: tuple[str, str],
) -> None:
    with pytest.raises(RouteTreeError) as caught:
        table(*folders)
    assert sorted(caught.value.files) == sorted(route(f).file for f in folders)


@pytest.mark.parametrize("path", ["/api/files/..", "/api/files/.", "/api/x/../y/.."])
def test_a_literal_dot_segment_is_never_a_param_on_the_fast_path(path: str) -> None:
    """One dynamic segment and no escape takes the fast path; a rewrite could bring dots."""
    routes = table("api/files/[name]", "api/[a]/[b]/[c]/[d]")

    assert routes.match(path) is None
