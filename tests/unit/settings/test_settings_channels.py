"""The `channels` setting: memory, the cache's Redis, a Redis URL; bad values stop start-up."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from approutes.errors import MissingExtraError, SettingsError
from approutes.settings.channels_setting import channels_backend
from approutes.settings.model import load_settings

if TYPE_CHECKING:
    from pathlib import Path


def write(root: Path, text: str) -> None:
    (root / "approutes.toml").write_text(text, encoding="utf-8")


def test_channels_are_in_memory_by_default(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    assert settings.channels == "memory"
    assert channels_backend(settings.channels, settings.cache) == "memory"


@pytest.mark.parametrize(
    ("toml", "env", "backend"),
    [
        pytest.param('channels = "memory"\n', {}, "memory", id="memory"),
        pytest.param(
            'cache = "redis://cache:6379/0"\nchannels = "redis"\n',
            {},
            "redis://cache:6379/0",
            id="redis-of-the-cache",
        ),
        pytest.param(
            'channels = "rediss://app:pw@bus:6380/1"\n',
            {},
            "rediss://app:pw@bus:6380/1",
            id="own-url",
        ),
        pytest.param(
            'channels = "unix:///run/redis.sock"\n', {}, "unix:///run/redis.sock", id="unix"
        ),
        pytest.param(
            'cache = "redis://cache"\n',
            {"APPROUTES_CHANNELS": "redis"},
            "redis://cache",
            id="environment",
        ),
        pytest.param(
            'channels = "memory"\n',
            {"APPROUTES_CHANNELS": "redis://bus:6379"},
            "redis://bus:6379",
            id="environment-wins",
        ),
    ],
)
def test_channels_setting_forms(
    tmp_path: Path, toml: str, env: dict[str, str], backend: str
) -> None:
    write(tmp_path, toml)
    settings = load_settings(tmp_path, environ=env)
    assert channels_backend(settings.channels, settings.cache) == backend


@pytest.mark.parametrize(
    ("toml", "env", "source", "problem"),
    [
        pytest.param(
            'channels = "redis"\n',
            {},
            "approutes.toml",
            "channels = 'redis' is not valid: \"redis\" means the Redis server of the cache "
            'setting, and cache is not set; set cache = "redis://..." or give channels a '
            "Redis URL",
            id="redis-without-cache",
        ),
        pytest.param(
            'cache = "filesystem"\n',
            {"APPROUTES_CHANNELS": "redis"},
            "APPROUTES_CHANNELS",
            "channels = 'redis' is not valid: \"redis\" means the Redis server of the cache "
            "setting, and cache = 'filesystem' is not a Redis URL; set cache = "
            '"redis://..." or give channels a Redis URL',
            id="redis-with-file-cache",
        ),
        pytest.param(
            'channels = "kafka://bus"\n',
            {},
            "approutes.toml",
            "channels = 'kafka://bus' is not valid: unknown channels backend 'kafka://bus'; "
            'use "memory", "redis", "redis://host:port/db", "rediss://…" or "unix:///path.sock"',
            id="unknown",
        ),
        pytest.param(
            "channels = true\n",
            {},
            "approutes.toml",
            "channels = True is not valid: expected a string",
            id="not-a-string",
        ),
        pytest.param(
            'channels = "redis://:pw@"\n',
            {},
            "approutes.toml",
            "channels = 'redis://:pw@' is not valid: the Redis URL 'redis://:***@' names no "
            "host; use",
            id="no-host",
        ),
        pytest.param(
            "",
            {"APPROUTES_CHANNELS": "unix://"},
            "APPROUTES_CHANNELS",
            "channels = 'unix://' is not valid: the URL 'unix://' names no socket path",
            id="unix-without-path",
        ),
    ],
)
def test_a_bad_channels_value_stops_naming_the_setting_and_the_problem(
    tmp_path: Path, toml: str, env: dict[str, str], source: str, problem: str
) -> None:
    write(tmp_path, toml)
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path, environ=env)
    error = caught.value
    assert error.code == "bad-setting-value"
    assert error.files == (source,)
    assert error.problem.startswith(problem)


def test_redis_channels_without_the_redis_package_name_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # as if it were not installed
    write(tmp_path, 'channels = "redis://bus:6379"\n')
    with pytest.raises(MissingExtraError) as caught:
        load_settings(tmp_path, environ={})
    assert str(caught.value) == (
        "channels = 'redis://bus:6379' needs redis, which is not installed: "
        "pip install 'approutes[redis]'"
    )
