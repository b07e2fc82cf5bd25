"""load_settings: base_path and the [[headers]], [[redirects]], [[rewrites]] and [cors] tables."""

from __future__ import annotations

import dataclasses
import textwrap
from typing import TYPE_CHECKING

import pytest

from approutes.errors import SettingsError
from approutes.rules.cors_table import CorsSettings
from approutes.settings.model import Settings, load_settings

if TYPE_CHECKING:
    from pathlib import Path

FILE = "approutes.toml"

EXAMPLE = """
base_path = "/docs"

[[redirects]]
source = "/old/:slug"
destination = "/new/:slug"
permanent = true

[[rewrites]]
source = "/blog/:slug"
destination = "/api/posts/:slug?from=blog"

[[headers]]
source = "/api/:path*"
headers = [{ key = "X-Frame-Options", value = "DENY" }]

[cors]
allow_origins = ["https://app.example.com"]
allow_credentials = true
"""


def write(root: Path, text: str, name: str = FILE) -> Path:
    (root / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def load(root: Path, text: str) -> Settings:
    return load_settings(write(root, text), environ={})


def refusal(root: Path, text: str, environ: dict[str, str] | None = None) -> str:
    """Write `text` as approutes.toml and return the message load_settings refuses it with."""
    write(root, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(root, environ=environ or {})
    return caught.value.render()


# --- the tables, parsed -----------------------------------------------------------------------


def test_the_example_settings_are_read(tmp_path: Path) -> None:
    settings = load(tmp_path, EXAMPLE)

    assert settings.base_path == "/docs"

    [redirect] = settings.redirects
    assert redirect.matcher.pattern.source == "/old/:slug"
    assert redirect.status == 308
    assert redirect.destination.text == "/new/:slug"
    assert redirect.destination.fill({"slug": "hello"}) == "/new/hello"

    [rewrite] = settings.rewrites
    assert rewrite.matcher.pattern.source == "/blog/:slug"
    assert rewrite.destination.fill({"slug": "x"}) == "/api/posts/x?from=blog"

    [header] = settings.headers
    assert header.matcher.pattern.source == "/api/:path*"
    [(name, value)] = header.headers
    assert name == "x-frame-options"
    assert value.fill({}) == "DENY"

    assert settings.cors == CorsSettings(
        allow_origins=("https://app.example.com",), allow_credentials=True
    )


def test_without_tables_nothing_acts_before_routing(tmp_path: Path) -> None:
    settings = load(tmp_path, "trailing_slash = true\n")

    assert settings.headers == ()
    assert settings.redirects == ()
    assert settings.rewrites == ()
    assert settings.cors is None
    assert settings.base_path == ""


@pytest.mark.parametrize(
    ("status_line", "status"),
    [
        ("permanent = true", 308),
        ("permanent = false", 307),
        ("status_code = 301", 301),
        ("status_code = 302", 302),
        ("status_code = 303", 303),
        ("status_code = 307", 307),
        ("status_code = 308", 308),
    ],
)
def test_a_redirect_status_comes_from_permanent_or_status_code(
    tmp_path: Path, status_line: str, status: int
) -> None:
    settings = load(tmp_path, f'[[redirects]]\nsource = "/a"\ndestination = "/b"\n{status_line}\n')

    assert [rule.status for rule in settings.redirects] == [status]


def test_rules_keep_their_order(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
        [[rewrites]]
        source = "/one"
        destination = "/1"

        [[rewrites]]
        source = "/two"
        destination = "/2"

        [[rewrites]]
        source = "/three"
        destination = "/3"
        """,
    )

    assert [rule.destination.text for rule in settings.rewrites] == ["/1", "/2", "/3"]


def test_rule_sources_match_case_insensitively_and_the_whole_path(tmp_path: Path) -> None:
    settings = load(tmp_path, '[[rewrites]]\nsource = "/blog/:slug"\ndestination = "/b/:slug"\n')
    pattern = settings.rewrites[0].matcher.pattern

    assert pattern.match("/BLOG/Hello") == {"slug": "Hello"}
    assert pattern.match("/blog/hello/") is None
    assert pattern.match("/blog/hello/more") is None


def test_rules_take_has_and_missing_conditions(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
        [[redirects]]
        source = "/home"
        destination = "/t/:tenant"
        permanent = false
        has = [{ type = "header", key = "x-tenant", value = "(?<tenant>[a-z]+)" }]
        missing = [{ type = "cookie", key = "optout" }]
        """,
    )
    matcher = settings.redirects[0].matcher

    assert [condition.type for condition in matcher.has] == ["header"]
    assert [condition.type for condition in matcher.missing] == ["cookie"]
    assert "tenant" in matcher.names


def test_a_header_value_may_use_source_params_and_keep_other_colons(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
        [[headers]]
        source = "/api/posts/:id"
        headers = [{ key = "x-post", value = "post-:id at 12:30" }]
        """,
    )
    [(_, value)] = settings.headers[0].headers

    assert value.fill({"id": "42"}) == "post-42 at 12:30"


def test_cors_defaults_and_normalisation(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
        [cors]
        allow_origins = ["https://app.example.com/", "http://localhost:5173"]
        allow_methods = ["get", "Post"]
        allow_headers = ["X-Token"]
        expose_headers = ["X-Total"]
        max_age = 0
        """,
    )

    assert settings.cors == CorsSettings(
        allow_origins=("https://app.example.com", "http://localhost:5173"),
        allow_methods=("GET", "POST"),
        allow_headers=("x-token",),
        expose_headers=("x-total",),
        allow_credentials=False,
        max_age=0,
    )


def test_an_empty_cors_table_allows_nothing_with_default_methods(tmp_path: Path) -> None:
    cors = load(tmp_path, "[cors]\n").cors

    assert cors == CorsSettings()
    assert cors is not None
    assert cors.allow_origins == ()
    assert cors.allow_methods == ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
    assert cors.max_age == 600


def test_tables_are_read_from_tool_approutes_in_pyproject(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        [tool.approutes]
        base_path = "/v1"

        [[tool.approutes.redirects]]
        source = "/a"
        destination = "/b"
        permanent = true

        [tool.approutes.cors]
        allow_origins = ["*"]
        """,
        name="pyproject.toml",
    )
    settings = load_settings(tmp_path, environ={})

    assert settings.base_path == "/v1"
    assert [rule.status for rule in settings.redirects] == [308]
    assert settings.cors is not None
    assert settings.cors.allow_origins == ("*",)


def test_a_bad_table_in_pyproject_names_pyproject(tmp_path: Path) -> None:
    write(tmp_path, '[tool.approutes.cors]\nallow_origin = ["*"]\n', name="pyproject.toml")
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path, environ={})

    message = caught.value.render()
    assert "pyproject.toml [tool.approutes]" in message
    assert "cors" in message
    assert "allow_origin" in message


# --- invalid rules ----------------------------------------------------------------------------

REDIRECT = '[[redirects]]\nsource = "/a/:x"\ndestination = "/b/:x"\npermanent = true\n'


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param(
            REDIRECT + "typo = 1\n",
            ["redirects", "[[redirects]] number 1", "unknown key(s) typo"],
            id="unknown-key",
        ),
        pytest.param(
            REDIRECT + REDIRECT + "basePath = false\n",
            ["[[redirects]] number 2", "unknown key(s) basePath"],
            id="unknown-key-second-rule",
        ),
        pytest.param(
            '[[redirects]]\ndestination = "/b"\npermanent = true\n',
            ["[[redirects]] number 1", "'source' must be a path pattern"],
            id="missing-source",
        ),
        pytest.param(
            '[[redirects]]\nsource = 3\ndestination = "/b"\npermanent = true\n',
            ["'source' must be a path pattern"],
            id="source-not-a-string",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a/:"\ndestination = "/b"\npermanent = true\n',
            ["[[redirects]] number 1", "'/a/:'", "parameter name"],
            id="source-empty-param-name",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a/(b"\ndestination = "/b"\npermanent = true\n',
            ["'/a/(b'", "unbalanced '('"],
            id="source-unbalanced-group",
        ),
        pytest.param(
            '[[redirects]]\nsource = "old"\ndestination = "/b"\npermanent = true\n',
            ["'old'", "must start with '/'"],
            id="source-not-absolute",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a/:x"\ndestination = "/b/:y"\npermanent = true\n',
            ["':y' is not a parameter of the source", ":x"],
            id="destination-unknown-param",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a"\npermanent = true\n',
            ["'destination' must be a path or a URL"],
            id="missing-destination",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a"\ndestination = ""\npermanent = true\n',
            ["'destination' must be a path or a URL"],
            id="empty-destination",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a"\ndestination = "/b"\npermanent = true\n'
            "status_code = 301\n",
            ["either 'permanent'", "'status_code'"],
            id="both-permanent-and-status",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a"\ndestination = "/b"\n',
            ["either 'permanent'", "'status_code'"],
            id="neither-permanent-nor-status",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a"\ndestination = "/b"\npermanent = "yes"\n',
            ["'permanent' must be true or false"],
            id="permanent-not-a-bool",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a"\ndestination = "/b"\nstatus_code = 200\n',
            ["'status_code' must be one of 301, 302, 303, 307, 308"],
            id="status-not-a-redirect",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a"\ndestination = "/b"\nstatus_code = "308"\n',
            ["'status_code' must be one of"],
            id="status-a-string",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a"\ndestination = "/b"\npermanent = true\n'
            'has = [{ type = "body", key = "x" }]\n',
            ["has[0]", "'body'"],
            id="has-unknown-type",
        ),
        pytest.param(
            '[[redirects]]\nsource = "/a"\ndestination = "/b"\npermanent = true\n'
            'missing = [{ type = "header" }]\n',
            ["missing[0]", "needs a 'key'"],
            id="missing-condition-without-key",
        ),
        pytest.param(
            'redirects = "/a -> /b"\n',
            ["redirects", "write each rule as a [[redirects]] table"],
            id="redirects-not-tables",
        ),
        pytest.param(
            '[redirects]\nsource = "/a"\ndestination = "/b"\npermanent = true\n',
            ["write each rule as a [[redirects]] table"],
            id="redirects-single-table",
        ),
    ],
)
def test_an_invalid_redirect_is_refused_naming_the_file_key_and_problem(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    message = refusal(tmp_path, text)

    assert FILE in message
    assert "redirects" in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param(
            '[[rewrites]]\nsource = "/a/:tenant"\ndestination = "https://:tenant.example.com/a"\n',
            ["[[rewrites]] number 1", "a :param there would let a request choose the host"],
            id="external-destination-host-from-the-request",
        ),
        pytest.param(
            '[[rewrites]]\nsource = "/a"\ndestination = "https://example.com/a"\nphase = "x"\n',
            ["[[rewrites]] number 1", "'phase' must be one of"],
            id="unknown-phase",
        ),
        pytest.param(
            '[[rewrites]]\nsource = "/a"\ndestination = "b"\n',
            ["'destination' must be a path of this app"],
            id="relative-destination",
        ),
        pytest.param(
            '[[rewrites]]\nsource = "/a"\ndestination = "/b"\npermanent = true\n',
            ["unknown key(s) permanent"],
            id="permanent-on-a-rewrite",
        ),
        pytest.param(
            '[[rewrites]]\nsource = "/a/:x"\ndestination = "/b/:nope"\n',
            ["':nope' is not a parameter of the source"],
            id="destination-unknown-param",
        ),
        pytest.param(
            '[[rewrites]]\nsource = "/a"\n',
            ["'destination' must be a path or a URL"],
            id="missing-destination",
        ),
        pytest.param(
            '[[rewrites]]\nsource = "/a"\ndestination = "/b\\nx"\n',
            ["line break"],
            id="destination-with-line-break",
        ),
    ],
)
def test_an_invalid_rewrite_is_refused_naming_the_file_key_and_problem(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    message = refusal(tmp_path, text)

    assert FILE in message
    assert "rewrites" in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param(
            '[[headers]]\nsource = "/a"\nheaders = [{ key = "x-a", value = "1\\r\\nx-b: 2" }]\n',
            ["'x-a'", "line break"],
            id="value-with-line-break",
        ),
        pytest.param(
            '[[headers]]\nsource = "/a"\nheaders = [{ key = "x-a\\n", value = "1" }]\n',
            ["line break"],
            id="key-with-line-break",
        ),
        pytest.param(
            '[[headers]]\nsource = "/a"\n',
            ["'headers' must be a list"],
            id="no-headers-list",
        ),
        pytest.param(
            '[[headers]]\nsource = "/a"\nheaders = []\n',
            ["'headers' must be a list"],
            id="empty-headers-list",
        ),
        pytest.param(
            '[[headers]]\nsource = "/a"\nheaders = [{ key = "x-a", value = "1", extra = 2 }]\n',
            ["exactly 'key' and 'value'"],
            id="header-extra-key",
        ),
        pytest.param(
            '[[headers]]\nsource = "/a"\nheaders = [{ key = "x-a", value = 1 }]\n',
            ["must be strings"],
            id="value-not-a-string",
        ),
        pytest.param(
            '[[headers]]\nsource = "/a"\nheaders = [{ key = "", value = "1" }]\n',
            ["must be strings"],
            id="empty-key",
        ),
        pytest.param(
            '[[headers]]\nsource = "/a"\ndestination = "/b"\n'
            'headers = [{ key = "x-a", value = "1" }]\n',
            ["[[headers]] number 1", "unknown key(s) destination"],
            id="unknown-key",
        ),
        pytest.param(
            '[[headers]]\nheaders = [{ key = "x-a", value = "1" }]\n',
            ["'source' must be a path pattern"],
            id="missing-source",
        ),
    ],
)
def test_an_invalid_headers_rule_is_refused_naming_the_file_key_and_problem(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    message = refusal(tmp_path, text)

    assert FILE in message
    assert "headers" in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param(
            '[cors]\nallow_origin = ["https://a.example"]\n',
            ["unknown key(s) allow_origin"],
            id="unknown-key",
        ),
        pytest.param(
            '[cors]\nallow_origins = ["a.example"]\n',
            ["allow_origins", "'a.example'", "not an origin"],
            id="origin-without-scheme",
        ),
        pytest.param(
            '[cors]\nallow_origins = ["https://a.example/api"]\n',
            ["allow_origins", "'https://a.example/api'", "not an origin"],
            id="origin-with-a-path",
        ),
        pytest.param(
            '[cors]\nallow_origins = ["*"]\nallow_credentials = true\n',
            ["allow_credentials cannot go with", "*"],
            id="credentials-with-star",
        ),
        pytest.param(
            '[cors]\nallow_origins = ["https://a.example"]\nmax_age = -1\n',
            ["max_age must be a number of seconds"],
            id="negative-max-age",
        ),
        pytest.param(
            '[cors]\nmax_age = "600"\n',
            ["max_age must be a number of seconds"],
            id="max-age-a-string",
        ),
        pytest.param(
            "[cors]\nmax_age = true\n",
            ["max_age must be a number of seconds"],
            id="max-age-a-bool",
        ),
        pytest.param(
            "[cors]\nmax_age = 1.5\n",
            ["max_age must be a number of seconds"],
            id="max-age-a-float",
        ),
        pytest.param(
            '[cors]\nallow_credentials = "yes"\n',
            ["allow_credentials must be true or false"],
            id="credentials-not-a-bool",
        ),
        pytest.param(
            '[cors]\nallow_origins = "https://a.example"\n',
            ["allow_origins must be a list of strings"],
            id="origins-a-string",
        ),
        pytest.param(
            "[cors]\nallow_methods = [1]\n",
            ["allow_methods must be a list of strings"],
            id="methods-not-strings",
        ),
        pytest.param(
            '[cors]\nallow_headers = "x-token"\n',
            ["allow_headers must be a list of strings"],
            id="headers-a-string",
        ),
        pytest.param(
            '[cors]\nexpose_headers = [["x"]]\n',
            ["expose_headers must be a list of strings"],
            id="expose-nested",
        ),
        pytest.param(
            '[[cors]]\nallow_origins = ["https://a.example"]\n',
            ["write it as a [cors] table"],
            id="array-of-tables",
        ),
        pytest.param("cors = true\n", ["write it as a [cors] table"], id="not-a-table"),
    ],
)
def test_an_invalid_cors_table_is_refused_naming_the_file_key_and_problem(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    message = refusal(tmp_path, text)

    assert FILE in message
    assert "cors" in message
    for fragment in fragments:
        assert fragment in message


def test_a_refusal_has_the_settings_error_code(tmp_path: Path) -> None:
    write(tmp_path, '[cors]\nallow_origin = ["https://a.example"]\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path, environ={})

    assert caught.value.code == "bad-setting-value"
    assert caught.value.files == (FILE,)


# --- base_path --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "/docs", "/docs/v2", "/my-app_1.0"])
def test_a_base_path_is_empty_or_a_path_without_trailing_slash(tmp_path: Path, value: str) -> None:
    assert load(tmp_path, f'base_path = "{value}"\n').base_path == value


@pytest.mark.parametrize(
    "value",
    [
        pytest.param('"docs"', id="no-leading-slash"),
        pytest.param('"/docs/"', id="trailing-slash"),
        pytest.param('"/"', id="slash-alone"),
        pytest.param('"/a b"', id="space"),
        pytest.param('"/a//b"', id="double-slash"),
        pytest.param('"/a?x=1"', id="query"),
        pytest.param('"/a#top"', id="hash"),
        pytest.param('"/a%20b"', id="percent"),
        pytest.param("1", id="not-a-string"),
    ],
)
def test_a_bad_base_path_is_refused_naming_the_file_and_key(tmp_path: Path, value: str) -> None:
    message = refusal(tmp_path, f"base_path = {value}\n")

    assert FILE in message
    assert "base_path" in message


def test_base_path_messages_say_what_is_expected(tmp_path: Path) -> None:
    assert '"/docs"' in refusal(tmp_path, 'base_path = "docs"\n')


def test_approutes_base_path_sets_the_base_path(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={"APPROUTES_BASE_PATH": "/docs"})

    assert settings.base_path == "/docs"


def test_approutes_base_path_wins_over_the_file(tmp_path: Path) -> None:
    write(tmp_path, 'base_path = "/file"\n')

    assert load_settings(tmp_path, environ={"APPROUTES_BASE_PATH": "/env"}).base_path == "/env"


def test_a_bad_approutes_base_path_is_refused_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path, environ={"APPROUTES_BASE_PATH": "docs/"})

    message = caught.value.render()
    assert "APPROUTES_BASE_PATH" in message
    assert "base_path" in message


def test_tables_are_not_read_from_the_environment(tmp_path: Path) -> None:
    environ = {
        "APPROUTES_HEADERS": '[{source = "/a", headers = []}]',
        "APPROUTES_REDIRECTS": "/a -> /b",
        "APPROUTES_REWRITES": "/a -> /b",
        "APPROUTES_CORS": "allow_origins=*",
    }

    assert load_settings(tmp_path, environ=environ) == Settings()


def test_tables_from_the_file_stay_when_scalars_come_from_the_environment(tmp_path: Path) -> None:
    write(tmp_path, EXAMPLE)
    settings = load_settings(tmp_path, environ={"APPROUTES_BASE_PATH": ""})

    assert settings.base_path == ""
    assert len(settings.redirects) == 1
    assert settings.cors is not None


# --- every field is settable from the file ----------------------------------------------------

SAMPLES = {
    "trailing_slash": "trailing_slash = true",
    "skip_trailing_slash_redirect": "skip_trailing_slash_redirect = true",
    "base_path": 'base_path = "/docs"',
    "body_size_limit": 'body_size_limit = "2mb"',
    "upload_size_limit": 'upload_size_limit = "3mb"',
    "trust_proxy": "trust_proxy = true",
    "body_timeout": "body_timeout = 5",
    "cache": 'cache = "memory"',
    "channels": 'channels = "redis://bus:6379/0"',
    "health_check": "health_check = true",
    "process_pool_size": "process_pool_size = 2",
    "thread_pool_size": "thread_pool_size = 8",
    "max_header_size": 'max_header_size = "32kb"',
    "tracing": "tracing = true",
    "metrics_path": 'metrics_path = "/metrics"',
    "openapi_path": 'openapi_path = "/openapi.json"',
    "docs_path": 'docs_path = "/docs"',
    "compress": "compress = false",
    "access_log": "access_log = false",
    "websocket_message_size_limit": 'websocket_message_size_limit = "64kb"',
    "websocket_idle_timeout": "websocket_idle_timeout = false",
    "websocket_ping_interval": "websocket_ping_interval = 5",
    "websocket_max_sockets": "websocket_max_sockets = 100",
    "websocket_origins": 'websocket_origins = ["https://app.example"]',
    "headers": '[[headers]]\nsource = "/a"\nheaders = [{ key = "x-a", value = "1" }]',
    "redirects": '[[redirects]]\nsource = "/a"\ndestination = "/b"\npermanent = true',
    "rewrites": '[[rewrites]]\nsource = "/a"\ndestination = "/b"',
    "cors": '[cors]\nallow_origins = ["https://a.example"]',
    "cache_life": "[cache_life.blog]\nrevalidate = 900\nexpire = 86400",
}


def test_every_settings_field_has_a_sample_here() -> None:
    assert {field.name for field in dataclasses.fields(Settings)} == set(SAMPLES)


@pytest.mark.parametrize("name", [field.name for field in dataclasses.fields(Settings)])
def test_every_settings_field_is_settable_from_the_file(tmp_path: Path, name: str) -> None:
    if name not in SAMPLES:
        pytest.fail(f"add a sample value for the new setting {name!r} to SAMPLES")
    settings = load(tmp_path, SAMPLES[name] + "\n")

    assert getattr(settings, name) != getattr(Settings(), name)
    changed = {
        field.name
        for field in dataclasses.fields(Settings)
        if getattr(settings, field.name) != getattr(Settings(), field.name)
    }
    assert changed == {name}


def test_an_unknown_top_level_key_is_refused_listing_the_known_ones(tmp_path: Path) -> None:
    message = refusal(tmp_path, 'basePath = "/docs"\n')

    assert FILE in message
    assert "'basePath'" in message
    for name in SAMPLES:
        assert name in message
