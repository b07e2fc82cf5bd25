"""Projects that must not start: create_app refuses them with a message naming file and fix."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeVar

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
    from collections.abc import Mapping
    from pathlib import Path

OK = "async def GET():\n    return {}\n"
ROUTE = "app/api/x/route.py"

RefusalT = TypeVar("RefusalT", bound=ConfigurationError)


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # create_app puts each project root first on sys.path; undo that after every test.
    monkeypatch.setattr(sys, "path", [*sys.path])


def refusal(
    tmp_path: Path,
    files: Mapping[str, str],
    error: type[RefusalT],
    *,
    dev: bool = False,
) -> RefusalT:
    """Build the project from `files` and return the `error` create_app refuses it with."""
    root = make_project(tmp_path, files)
    with pytest.raises(error) as caught:
        create_app(root, dev=dev)
    return caught.value


# --- the route tree -------------------------------------------------------------------------


@pytest.mark.parametrize("dev", [False, True], ids=["start", "dev"])
def test_two_slug_names_at_one_level_are_refused_naming_both_files(
    tmp_path: Path, dev: bool
) -> None:
    files = {"app/api/users/[id]/route.py": OK, "app/api/users/[userId]/posts/route.py": OK}
    message = str(refusal(tmp_path, files, RouteTreeError, dev=dev))

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
    message = str(refusal(tmp_path, dict.fromkeys(files, OK), RouteTreeError))

    for file in named:
        assert file in message


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
    message = str(refusal(tmp_path, {file: OK}, RouteTreeError))

    assert file in message
    for word in words:
        assert word in message


def test_a_route_tree_error_is_a_configuration_error(tmp_path: Path) -> None:
    refusal(tmp_path, {"app/a/[x]/route.py": OK, "app/a/[y]/route.py": OK}, ConfigurationError)


def test_a_missing_project_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        create_app(tmp_path / "nowhere")


# --- route modules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "words"),
    [
        pytest.param(
            "def get():\n    ...\n",
            ["upper-case", "get()", "GET"],
            id="lower-case-handlers-point-at-upper-case-names",
        ),
        pytest.param(
            "def GET():\n    return {}\n\n\nasync def post():\n    return {}\n",
            ["miscased-method-export", "post", "POST"],
            id="lower-case-beside-upper-case-is-reported",
        ),
        pytest.param(
            "def Delete():\n    return {}\n",
            ["miscased-method-export", "Delete", "DELETE"],
            id="title-case-method-is-reported",
        ),
        pytest.param("", ["GET"], id="no-handler-empty"),
        pytest.param("import os\n\nVALUE = 1\n", ["GET"], id="no-handler-no-functions"),
        pytest.param("class GETTER:\n    pass\n", ["GET"], id="no-handler-near-miss-name"),
        pytest.param('GET = "hello"\n', ["GET", "not a function"], id="handler-not-callable"),
        pytest.param(
            "async def GET(a, b, c):\n    return {}\n", ["GET"], id="handler-three-arguments"
        ),
        pytest.param(
            "async def GET(request, *, user):\n    return {}\n",
            ["GET"],
            id="handler-required-keyword",
        ),
    ],
)
def test_a_module_without_a_handler_approutes_can_call_is_refused_naming_the_file(
    tmp_path: Path, source: str, words: list[str]
) -> None:
    message = str(refusal(tmp_path, {ROUTE: source}, RouteModuleError))

    assert ROUTE in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("config", "words"),
    [
        pytest.param(
            'dynamic = "sometimes"',
            ["dynamic", "'sometimes'", "auto", "force-dynamic", "force-static", "error"],
            id="dynamic-sometimes-lists-the-allowed-modes",
        ),
        pytest.param("revalidate = -1", ["revalidate"], id="revalidate-negative"),
        pytest.param('revalidate = "60"', ["revalidate"], id="revalidate-str"),
        pytest.param("revalidate = True", ["revalidate"], id="revalidate-bool"),
        pytest.param("max_duration = 0", ["max_duration"], id="max_duration-zero"),
        pytest.param("max_duration = -5", ["max_duration"], id="max_duration-negative"),
        pytest.param('max_duration = "30"', ["max_duration"], id="max_duration-str"),
        pytest.param('body_size_limit = "lots"', ["body_size_limit"], id="body_size_limit-word"),
        pytest.param("body_size_limit = -1", ["body_size_limit"], id="body_size_limit-negative"),
        pytest.param('runtime = "edge"', ["runtime"], id="runtime-edge"),
        pytest.param('tags = "users"', ["tags"], id="tags-str"),
        pytest.param('tags = ["users", ""]', ["tags"], id="tags-with-an-empty-tag"),
        pytest.param('dynamic_params = "no"', ["dynamic_params"], id="dynamic_params-str"),
        pytest.param(
            "generate_static_params = [1]",
            ["generate_static_params"],
            id="generate_static_params-not-a-function",
        ),
    ],
)
def test_a_segment_config_value_out_of_range_is_refused_naming_file_and_name(
    tmp_path: Path, config: str, words: list[str]
) -> None:
    message = str(refusal(tmp_path, {ROUTE: f"{config}\n\n{OK}"}, RouteModuleError))

    assert ROUTE in message
    for word in words:
        assert word in message


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
    error = refusal(tmp_path, {ROUTE: f"{source}\n\n{OK}"}, RouteModuleError)

    message = str(error)
    assert ROUTE in message
    assert next_name in message
    assert python_name in error.fix
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
    files = {"app/api/hello/route.py": OK, ROUTE: source}
    refused = refusal(tmp_path, files, RouteModuleError)

    message = str(refused)
    assert ROUTE in message
    assert error in message
    assert refused.__cause__ is not None


def test_a_module_that_failed_to_import_is_imported_again_next_time(tmp_path: Path) -> None:
    root = make_project(tmp_path, {ROUTE: 'raise RuntimeError("first")\n'})
    with pytest.raises(RouteModuleError):
        create_app(root)
    make_project(tmp_path, {ROUTE: OK})

    create_app(root)


def test_private_folders_are_never_imported(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/_lib/route.py": 'raise RuntimeError("imported a private folder")\n',
            ROUTE: OK,
        },
    )

    create_app(root)


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "text", "words"),
    [
        pytest.param(
            "approutes.toml",
            'body_limit = "2mb"',
            ["body_limit", "body_size_limit"],
            id="an-unknown-key-in-approutes-toml-names-key-and-known-key",
        ),
        *(
            pytest.param("approutes.toml", text, [key], id=f"a-bad-value-in-approutes-toml-{text}")
            for text, key in [
                ('body_size_limit = "lots"', "body_size_limit"),
                ("body_size_limit = -1", "body_size_limit"),
                ("upload_size_limit = true", "upload_size_limit"),
                ('trailing_slash = "sometimes"', "trailing_slash"),
                ("trust_proxy = 3", "trust_proxy"),
            ]
        ),
        pytest.param(
            "approutes.toml", "body_size_limit = ", [], id="approutes-toml-that-is-not-toml"
        ),
        pytest.param(
            "pyproject.toml",
            '[tool.approutes]\nbody_limit = "2mb"',
            ["body_limit"],
            id="a-bad-key-in-pyproject-tool-approutes-names-pyproject",
        ),
    ],
)
def test_a_bad_setting_in_a_config_file_is_refused_naming_file_and_key(
    tmp_path: Path, file: str, text: str, words: list[str]
) -> None:
    message = str(refusal(tmp_path, {file: text + "\n", ROUTE: OK}, SettingsError))

    assert file in message
    for word in words:
        assert word in message


def test_a_bad_environment_value_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPROUTES_BODY_SIZE_LIMIT", "huge")

    refused = refusal(tmp_path, {ROUTE: OK}, SettingsError)

    assert "APPROUTES_BODY_SIZE_LIMIT" in str(refused)


def test_an_imported_function_named_like_a_method_is_not_an_export(tmp_path: Path) -> None:
    source = "from json import loads as post\n\n\nasync def GET():\n    return {'ok': post('1')}\n"
    root = make_project(tmp_path, {ROUTE: source})

    create_app(root)  # loads without a miscased-method-export refusal
