"""load_settings: approutes.toml or [tool.approutes], then APPROUTES_* variables."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from approutes.errors import SettingsError
from approutes.settings.model import Settings, load_settings

if TYPE_CHECKING:
    from pathlib import Path

MIB = 1024 * 1024


def write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text, encoding="utf-8")


def test_defaults_without_any_settings(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    assert settings == Settings()
    assert settings.trailing_slash is False
    assert settings.body_size_limit == MIB
    assert settings.upload_size_limit == 100 * MIB
    assert settings.trust_proxy is False
    assert settings.thread_pool_size == 40
    assert settings.max_header_size == 16 * 1024


def test_approutes_toml_is_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        "approutes.toml",
        'trailing_slash = true\nbody_size_limit = "4mb"\nupload_size_limit = 2048\n'
        "trust_proxy = true\n",
    )
    settings = load_settings(tmp_path, environ={})
    assert settings.trailing_slash is True
    assert settings.body_size_limit == 4 * MIB
    assert settings.upload_size_limit == 2048
    assert settings.trust_proxy is True


def test_tool_approutes_in_pyproject_is_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.approutes]\nbody_size_limit = "2mb"\n',
    )
    assert load_settings(tmp_path, environ={}).body_size_limit == 2 * MIB


def test_pyproject_without_tool_approutes_gives_defaults(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.other]\nkey = 1\n')
    assert load_settings(tmp_path, environ={}) == Settings()


def test_approutes_toml_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path, "approutes.toml", 'body_size_limit = "3mb"\n')
    write(tmp_path, "pyproject.toml", '[tool.approutes]\nbody_size_limit = "2mb"\n')
    assert load_settings(tmp_path, environ={}).body_size_limit == 3 * MIB


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        pytest.param("APPROUTES_TRAILING_SLASH", "true", "trailing_slash", True, id="bool-true"),
        pytest.param("APPROUTES_TRAILING_SLASH", "FALSE", "trailing_slash", False, id="bool-up"),
        pytest.param("APPROUTES_TRUST_PROXY", "1", "trust_proxy", True, id="bool-one"),
        pytest.param("APPROUTES_TRUST_PROXY", "no", "trust_proxy", False, id="bool-no"),
        pytest.param("APPROUTES_TRUST_PROXY", " yes ", "trust_proxy", True, id="bool-spaces"),
        pytest.param("APPROUTES_BODY_SIZE_LIMIT", "8mb", "body_size_limit", 8 * MIB, id="size"),
        pytest.param("APPROUTES_BODY_SIZE_LIMIT", "2048", "body_size_limit", 2048, id="bytes"),
        pytest.param(
            "APPROUTES_UPLOAD_SIZE_LIMIT", "1gb", "upload_size_limit", 1024**3, id="upload"
        ),
    ],
)
def test_environment_variables_override_the_file(
    tmp_path: Path, variable: str, value: str, field: str, expected: object
) -> None:
    write(
        tmp_path,
        "approutes.toml",
        'trailing_slash = true\ntrust_proxy = true\nbody_size_limit = "1kb"\n'
        'upload_size_limit = "1kb"\n',
    )
    settings = load_settings(tmp_path, environ={variable: value})
    assert getattr(settings, field) == expected


def test_process_environment_is_read_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPROUTES_TRAILING_SLASH", "true")
    assert load_settings(tmp_path).trailing_slash is True


def test_other_environment_variables_are_ignored(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={"TRAILING_SLASH": "true", "PATH": "/bin"})
    assert settings == Settings()


@pytest.mark.parametrize(
    ("file", "text", "shown"),
    [
        pytest.param("approutes.toml", "trailing_slashes = true\n", "approutes.toml", id="toml"),
        pytest.param(
            "pyproject.toml",
            "[tool.approutes]\ntrailing_slashes = true\n",
            "pyproject.toml",
            id="pyproject",
        ),
    ],
)
def test_unknown_key_stops_naming_the_file_and_key(
    tmp_path: Path, file: str, text: str, shown: str
) -> None:
    write(tmp_path, file, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path, environ={})
    error = caught.value
    assert error.code == "unknown-setting"
    assert len(error.files) == 1
    assert shown in error.files[0]
    assert "trailing_slashes" in error.problem
    assert "trailing_slash" in error.fix
    assert shown in str(error)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        pytest.param('trailing_slash = "maybe"', "trailing_slash", id="bool-word"),
        pytest.param("trailing_slash = 1", "trailing_slash", id="bool-as-int"),
        pytest.param('body_size_limit = "lots"', "body_size_limit", id="size-word"),
        pytest.param("body_size_limit = -1", "body_size_limit", id="size-negative"),
        pytest.param("body_size_limit = true", "body_size_limit", id="size-bool"),
        pytest.param("upload_size_limit = [1]", "upload_size_limit", id="size-list"),
        pytest.param("trust_proxy = {}", "trust_proxy", id="bool-table"),
        pytest.param("thread_pool_size = 0", "thread_pool_size", id="threads-zero"),
        pytest.param("thread_pool_size = 1025", "thread_pool_size", id="threads-many"),
        pytest.param('max_header_size = "4kb"', "max_header_size", id="head-too-small"),
        pytest.param('max_header_size = "2mb"', "max_header_size", id="head-too-large"),
    ],
)
def test_bad_value_stops_naming_the_file_and_key(tmp_path: Path, line: str, key: str) -> None:
    write(tmp_path, "approutes.toml", line + "\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path, environ={})
    error = caught.value
    assert error.code == "bad-setting-value"
    assert error.files == ("approutes.toml",)
    assert key in error.problem
    assert "approutes.toml" in str(error)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        pytest.param("APPROUTES_TRAILING_SLASH", "maybe", id="bool"),
        pytest.param("APPROUTES_BODY_SIZE_LIMIT", "huge", id="size"),
        pytest.param("APPROUTES_UPLOAD_SIZE_LIMIT", "-5", id="negative-size"),
        pytest.param("APPROUTES_THREAD_POOL_SIZE", "many", id="threads"),
        pytest.param("APPROUTES_MAX_HEADER_SIZE", "1kb", id="head-size"),
    ],
)
def test_bad_environment_value_stops_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path, environ={variable: value})
    assert caught.value.code == "bad-setting-value"
    assert caught.value.files == (variable,)


@pytest.mark.parametrize(
    ("file", "text"),
    [
        pytest.param("approutes.toml", "trailing_slash = \n", id="approutes-toml"),
        pytest.param("pyproject.toml", "[tool.approutes\n", id="pyproject"),
    ],
)
def test_invalid_toml_stops_naming_the_file(tmp_path: Path, file: str, text: str) -> None:
    write(tmp_path, file, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path, environ={})
    assert caught.value.code == "bad-settings-file"
    assert caught.value.files == (file,)
