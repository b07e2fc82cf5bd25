"""config = {"api": {...}} of a pages/api file: read once, refused with a fix when wrong."""

from __future__ import annotations

from typing import Any

import pytest

from approutes.errors import RouteModuleError
from approutes.route_modules.pages_config import PagesConfig, read_pages_config

FILE = "pages/api/x.py"


@pytest.mark.parametrize(
    ("raw", "config"),
    [
        pytest.param(None, PagesConfig(), id="absent"),
        pytest.param({}, PagesConfig(), id="empty"),
        pytest.param({"api": {}}, PagesConfig(), id="empty-api"),
        pytest.param({"api": {"body_parser": True}}, PagesConfig(), id="parser-on"),
        pytest.param(
            {"api": {"body_parser": False}}, PagesConfig(body_parser=False), id="parser-off"
        ),
        pytest.param(
            {"api": {"body_parser": {"size_limit": "1kb"}}},
            PagesConfig(size_limit=1024, size_limit_text="1kb"),
            id="size-limit",
        ),
        pytest.param(
            {"api": {"body_parser": {"size_limit": 10}}},
            PagesConfig(size_limit=10, size_limit_text="10"),
            id="size-limit-bytes",
        ),
        pytest.param(
            {"api": {"response_limit": "8mb"}},
            PagesConfig(response_limit=8 * 1024 * 1024, response_limit_text="8mb"),
            id="response-limit",
        ),
        pytest.param(
            {"api": {"response_limit": False}},
            PagesConfig(response_limit=None),
            id="no-response-limit",
        ),
    ],
)
def test_valid_config_is_read(raw: Any, config: PagesConfig) -> None:
    assert read_pages_config(raw, FILE) == config


@pytest.mark.parametrize(
    ("raw", "fix"),
    [
        pytest.param([], "use a dict", id="not-a-dict"),
        pytest.param({"api": 1}, "use a dict", id="api-not-a-dict"),
        pytest.param({"runtime": "edge"}, "use only api", id="unknown-top-level-key"),
        pytest.param({"api": {"bodyParser": False}}, "spell it body_parser", id="camel-case"),
        pytest.param(
            {"api": {"body_parser": {"sizeLimit": "1kb"}}}, "spell it size_limit", id="camel-size"
        ),
        pytest.param({"api": {"responseLimit": "1mb"}}, "spell it response_limit", id="camel-rl"),
        pytest.param({"api": {"externalResolver": True}}, "end the response", id="ext-resolver"),
        pytest.param({"api": {"body_parser": "no"}}, "use False", id="parser-string"),
        pytest.param(
            {"api": {"body_parser": {"size_limit": "huge"}}}, "is not a size", id="bad-size"
        ),
        pytest.param({"api": {"response_limit": True}}, "use a size", id="bool-limit"),
    ],
)
def test_invalid_config_is_refused_naming_file_and_key(raw: Any, fix: str) -> None:
    with pytest.raises(RouteModuleError) as caught:
        read_pages_config(raw, FILE)
    assert caught.value.code == "bad-pages-config"
    assert caught.value.files == (FILE,)
    assert fix in caught.value.fix


def test_describe_lists_what_differs_from_next_defaults() -> None:
    assert PagesConfig().describe() == {}
    assert PagesConfig(body_parser=False, response_limit=None).describe() == {
        "body_parser": False,
        "response_limit": False,
    }
