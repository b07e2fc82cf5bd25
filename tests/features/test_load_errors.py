"""Projects that must not start: create_app refuses them with a message naming file and fix."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from tests.conftest import make_project

from approutes import create_app
from approutes.errors import (
    ConfigurationError,
    RouteModuleError,
    RouteTreeError,
    SettingsError,
)

if TYPE_CHECKING:
    from pathlib import Path

OK = "async def GET():\n    return {}\n"


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # create_app puts each project root first on sys.path; undo that after every test.
    monkeypatch.setattr(sys, "path", [*sys.path])


# --- the route tree -------------------------------------------------------------------------


@pytest.mark.parametrize("dev", [False, True], ids=["start", "dev"])
def test_two_slug_names_at_one_level_are_refused_naming_both_files(
    tmp_path: Path, dev: bool
) -> None:
    root = make_project(
        tmp_path,
        {"app/api/users/[id]/route.py": OK, "app/api/users/[userId]/posts/route.py": OK},
    )

    with pytest.raises(RouteTreeError) as caught:
        create_app(root, dev=dev)

    message = str(caught.value)
    assert "app/api/users/[id]/route.py" in message
    assert "app/api/users/[userId]/posts/route.py" in message
    assert "[id]" in message
    assert "[userId]" in message


@pytest.mark.parametrize(
    ("files", "named"),
    [
        (
            ["app/(shop)/api/items/route.py", "app/(admin)/api/items/route.py"],
            ["app/(shop)/api/items/route.py", "app/(admin)/api/items/route.py"],
        ),
        (
            ["app/api/docs/route.py", "app/api/docs/[[...slug]]/route.py"],
            ["app/api/docs/route.py", "app/api/docs/[[...slug]]/route.py"],
        ),
        (
            ["app/api/files/[...path]/route.py", "app/api/files/[[...path]]/route.py"],
            ["app/api/files/[...path]/route.py", "app/api/files/[[...path]]/route.py"],
        ),
        (
            ["app/api/files/[...path]/route.py", "app/api/files/[...rest]/route.py"],
            ["app/api/files/[...path]/route.py", "app/api/files/[...rest]/route.py"],
        ),
    ],
    ids=[
        "same-url-through-groups",
        "optional-catch-all-beside-parent",
        "required-and-optional-catch-all",
        "two-catch-alls",
    ],
)
def test_two_routes_for_one_url_are_refused_naming_both_files(
    tmp_path: Path, files: list[str], named: list[str]
) -> None:
    root = make_project(tmp_path, dict.fromkeys(files, OK))

    with pytest.raises(RouteTreeError) as caught:
        create_app(root)

    for file in named:
        assert file in str(caught.value)


@pytest.mark.parametrize(
    ("file", "words"),
    [
        ("app/api/[...path]/edit/route.py", ["[...path]", "last"]),
        ("app/api/[[...path]]/edit/route.py", ["[[...path]]", "last"]),
        ("app/api/[id]/items/[id]/route.py", ["'id'", "twice"]),
        ("app/api/[id/route.py", ["[id"]),
        ("app/api/[...]/route.py", ["[...]"]),
        ("app/api/[my-id]/route.py", ["[my-id]"]),
    ],
    ids=[
        "catch-all-not-last",
        "optional-catch-all-not-last",
        "param-name-twice",
        "unclosed-bracket",
        "nameless-catch-all",
        "bad-param-name",
    ],
)
def test_a_malformed_route_path_is_refused_naming_the_file(
    tmp_path: Path, file: str, words: list[str]
) -> None:
    root = make_project(tmp_path, {file: OK})

    with pytest.raises(RouteTreeError) as caught:
        create_app(root)

    message = str(caught.value)
    assert file in message
    for word in words:
        assert word in message


def test_a_route_tree_error_is_a_configuration_error(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/a/[x]/route.py": OK, "app/a/[y]/route.py": OK})

    with pytest.raises(ConfigurationError):
        create_app(root)


def test_a_missing_project_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        create_app(tmp_path / "nowhere")


# --- route modules --------------------------------------------------------------------------


def test_a_module_with_lower_case_handlers_is_refused_pointing_at_upper_case_names(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path, {"app/api/x/route.py": "def get():\n    ...\n"})

    with pytest.raises(RouteModuleError) as caught:
        create_app(root)

    message = str(caught.value)
    assert "app/api/x/route.py" in message
    assert "upper-case" in message
    assert "get" in message
    assert "GET" in message


@pytest.mark.parametrize(
    "source",
    ["", "import os\n\nVALUE = 1\n", "class GETTER:\n    pass\n"],
    ids=["empty", "no-functions", "near-miss-name"],
)
def test_a_module_without_any_handler_is_refused(tmp_path: Path, source: str) -> None:
    root = make_project(tmp_path, {"app/api/x/route.py": source})

    with pytest.raises(RouteModuleError) as caught:
        create_app(root)

    message = str(caught.value)
    assert "app/api/x/route.py" in message
    assert "GET" in message


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ('GET = "hello"\n', ["GET", "not a function"]),
        ("async def GET(a, b, c):\n    return {}\n", ["GET"]),
        ("async def GET(request, *, user):\n    return {}\n", ["GET"]),
    ],
    ids=["not-callable", "three-arguments", "required-keyword"],
)
def test_a_handler_approutes_cannot_call_is_refused(
    tmp_path: Path, source: str, words: list[str]
) -> None:
    root = make_project(tmp_path, {"app/api/x/route.py": source})

    with pytest.raises(RouteModuleError) as caught:
        create_app(root)

    message = str(caught.value)
    assert "app/api/x/route.py" in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("config", "name"),
    [
        ('dynamic = "sometimes"', "dynamic"),
        ("revalidate = -1", "revalidate"),
        ('revalidate = "60"', "revalidate"),
        ("revalidate = True", "revalidate"),
        ("max_duration = 0", "max_duration"),
        ("max_duration = -5", "max_duration"),
        ('max_duration = "30"', "max_duration"),
        ('body_size_limit = "lots"', "body_size_limit"),
        ("body_size_limit = -1", "body_size_limit"),
        ('runtime = "edge"', "runtime"),
        ('tags = "users"', "tags"),
        ('tags = ["users", ""]', "tags"),
        ('dynamic_params = "no"', "dynamic_params"),
        ("generate_static_params = [1]", "generate_static_params"),
    ],
    ids=lambda value: str(value),
)
def test_a_segment_config_value_out_of_range_is_refused_naming_file_and_name(
    tmp_path: Path, config: str, name: str
) -> None:
    root = make_project(tmp_path, {"app/api/x/route.py": f"{config}\n\n{OK}"})

    with pytest.raises(RouteModuleError) as caught:
        create_app(root)

    message = str(caught.value)
    assert "app/api/x/route.py" in message
    assert name in message


def test_dynamic_sometimes_lists_the_allowed_modes(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/x/route.py": f'dynamic = "sometimes"\n\n{OK}'})

    with pytest.raises(RouteModuleError) as caught:
        create_app(root)

    message = str(caught.value)
    assert "'sometimes'" in message
    for mode in ("auto", "force-dynamic", "force-static", "error"):
        assert mode in message


@pytest.mark.parametrize(
    ("source", "next_name", "python_name"),
    [
        ("maxDuration = 5", "maxDuration", "max_duration"),
        ("dynamicParams = False", "dynamicParams", "dynamic_params"),
        ('bodySizeLimit = "1mb"', "bodySizeLimit", "body_size_limit"),
        (
            "def generateStaticParams():\n    return []",
            "generateStaticParams",
            "generate_static_params",
        ),
    ],
    ids=["maxDuration", "dynamicParams", "bodySizeLimit", "generateStaticParams"],
)
def test_next_camel_case_config_names_are_refused_with_the_python_spelling(
    tmp_path: Path, source: str, next_name: str, python_name: str
) -> None:
    root = make_project(tmp_path, {"app/api/x/route.py": f"{source}\n\n{OK}"})

    with pytest.raises(RouteModuleError) as caught:
        create_app(root)

    message = str(caught.value)
    assert "app/api/x/route.py" in message
    assert next_name in message
    assert python_name in caught.value.fix
    assert python_name in message


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ('raise RuntimeError("database unreachable")\n', "database unreachable"),
        ("import no_such_module_anywhere\n", "no_such_module_anywhere"),
        ("def GET(:\n    pass\n", "SyntaxError"),
        ("async def GET():\n    return {}\n\n1 / 0\n", "ZeroDivisionError"),
    ],
    ids=["raises", "missing-import", "syntax-error", "raises-after-handlers"],
)
def test_a_module_that_fails_to_import_is_refused_naming_the_file(
    tmp_path: Path, source: str, error: str
) -> None:
    root = make_project(tmp_path, {"app/api/hello/route.py": OK, "app/api/x/route.py": source})

    with pytest.raises(RouteModuleError) as caught:
        create_app(root)

    message = str(caught.value)
    assert "app/api/x/route.py" in message
    assert error in message
    assert caught.value.__cause__ is not None


def test_a_module_that_failed_to_import_is_imported_again_next_time(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/x/route.py": 'raise RuntimeError("first")\n'})
    with pytest.raises(RouteModuleError):
        create_app(root)
    make_project(tmp_path, {"app/api/x/route.py": OK})

    create_app(root)


def test_private_folders_are_never_imported(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/_lib/route.py": 'raise RuntimeError("imported a private folder")\n',
            "app/api/x/route.py": OK,
        },
    )

    create_app(root)


# --- settings -------------------------------------------------------------------------------


def test_an_unknown_key_in_approutes_toml_is_refused_naming_file_and_key(tmp_path: Path) -> None:
    root = make_project(
        tmp_path, {"approutes.toml": 'body_limit = "2mb"\n', "app/api/x/route.py": OK}
    )

    with pytest.raises(SettingsError) as caught:
        create_app(root)

    message = str(caught.value)
    assert "approutes.toml" in message
    assert "body_limit" in message
    assert "body_size_limit" in message


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('body_size_limit = "lots"', "body_size_limit"),
        ("body_size_limit = -1", "body_size_limit"),
        ("upload_size_limit = true", "upload_size_limit"),
        ('trailing_slash = "sometimes"', "trailing_slash"),
        ("trust_proxy = 3", "trust_proxy"),
    ],
    ids=lambda value: str(value),
)
def test_a_bad_value_in_approutes_toml_is_refused_naming_file_and_key(
    tmp_path: Path, toml: str, key: str
) -> None:
    root = make_project(tmp_path, {"approutes.toml": toml + "\n", "app/api/x/route.py": OK})

    with pytest.raises(SettingsError) as caught:
        create_app(root)

    message = str(caught.value)
    assert "approutes.toml" in message
    assert key in message


def test_approutes_toml_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    root = make_project(
        tmp_path, {"approutes.toml": "body_size_limit = \n", "app/api/x/route.py": OK}
    )

    with pytest.raises(SettingsError, match=r"approutes\.toml"):
        create_app(root)


def test_a_bad_key_in_pyproject_tool_approutes_is_refused_naming_pyproject(
    tmp_path: Path,
) -> None:
    root = make_project(
        tmp_path,
        {
            "pyproject.toml": '[tool.approutes]\nbody_limit = "2mb"\n',
            "app/api/x/route.py": OK,
        },
    )

    with pytest.raises(SettingsError) as caught:
        create_app(root)

    message = str(caught.value)
    assert "pyproject.toml" in message
    assert "body_limit" in message


def test_a_bad_environment_value_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPROUTES_BODY_SIZE_LIMIT", "huge")
    root = make_project(tmp_path, {"app/api/x/route.py": OK})

    with pytest.raises(SettingsError) as caught:
        create_app(root)

    assert "APPROUTES_BODY_SIZE_LIMIT" in str(caught.value)
