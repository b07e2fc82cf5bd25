"""Matcher, has/missing conditions and middleware's config["matcher"], on real NextRequests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from approutes.rules.matcher import Matcher, any_match, compile_matchers
from approutes.rules.path_pattern import PatternError
from approutes.web.request import NextRequest, RequestLimits

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from approutes.web.route_context import Params


class _NoBody:
    """A BodySource for requests whose body these tests never read."""

    async def read_all(self, limit: int) -> bytes:
        return b""

    async def chunks(self, limit: int) -> AsyncIterator[bytes]:
        yield b""


def request(path: str, headers: Sequence[tuple[str, str]] = (), query: str = "") -> NextRequest:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("latin-1"),
        "query_string": query.encode("latin-1"),
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "server": ("127.0.0.1", 3000),
        "client": ("127.0.0.1", 50000),
    }
    return NextRequest(scope, _NoBody(), path, RequestLimits(1024, 1024))


Conditions = list[dict[str, str]]


@pytest.mark.parametrize(
    ("has", "headers", "query", "expected"),
    [
        pytest.param(
            [{"type": "header", "key": "x-token"}],
            [("X-Token", "abc")],
            "",
            {"xtoken": "abc"},
            id="header-present-captured-under-letters",
        ),
        pytest.param(
            [{"type": "header", "key": "X-Token"}],
            [("x-token", "abc")],
            "",
            {"xtoken": "abc"},
            id="header-name-case-insensitive",
        ),
        pytest.param([{"type": "header", "key": "x-token"}], [], "", None, id="header-absent"),
        pytest.param(
            [{"type": "header", "key": "x-token"}],
            [("x-token", "")],
            "",
            None,
            id="header-empty-counts-as-absent",
        ),
        pytest.param(
            [{"type": "header", "key": "x-role", "value": "admin|owner"}],
            [("x-role", "owner")],
            "",
            {},
            id="header-value-matches",
        ),
        pytest.param(
            [{"type": "header", "key": "x-role", "value": "admin"}],
            [("x-role", "admins")],
            "",
            None,
            id="header-value-must-match-whole",
        ),
        pytest.param(
            [{"type": "header", "key": "x-role", "value": "admin"}],
            [("x-role", "Admin")],
            "",
            None,
            id="header-value-case-sensitive",
        ),
        pytest.param(
            [{"type": "header", "key": "x-auth", "value": "(?<authorized>yes|true)"}],
            [("x-auth", "true")],
            "",
            {"authorized": "true"},
            id="header-named-group-captured",
        ),
        pytest.param(
            [{"type": "cookie", "key": "session"}],
            [("cookie", "theme=dark; session=s1")],
            "",
            {"session": "s1"},
            id="cookie-present",
        ),
        pytest.param(
            [{"type": "cookie", "key": "session"}],
            [("cookie", "theme=dark")],
            "",
            None,
            id="cookie-absent",
        ),
        pytest.param(
            [{"type": "cookie", "key": "Session"}],
            [("cookie", "session=s1")],
            "",
            None,
            id="cookie-name-case-sensitive",
        ),
        pytest.param(
            [{"type": "cookie", "key": "theme", "value": "(?<mode>dark|light)"}],
            [("cookie", "theme=dark")],
            "",
            {"mode": "dark"},
            id="cookie-value-captured",
        ),
        pytest.param(
            [{"type": "query", "key": "page"}], [], "page=2", {"page": "2"}, id="query-present"
        ),
        pytest.param([{"type": "query", "key": "page"}], [], "other=1", None, id="query-absent"),
        pytest.param(
            [{"type": "query", "key": "flag"}], [], "flag", None, id="query-bare-is-empty"
        ),
        pytest.param(
            [{"type": "query", "key": "page", "value": "\\d+"}],
            [],
            "page=x&page=3",
            {},
            id="query-value-tests-last-repeat",
        ),
        pytest.param(
            [{"type": "query", "key": "tag"}],
            [],
            "tag=a&tag=b",
            {"tag": ["a", "b"]},
            id="query-repeats-captured-as-list",
        ),
        pytest.param(
            [{"type": "host", "value": "example\\.com"}],
            [("host", "Example.com:3000")],
            "",
            {"host": "example.com"},
            id="host-lowercased-port-removed-captured",
        ),
        pytest.param(
            [{"type": "host", "value": "example\\.com"}],
            [("host", "evil.com")],
            "",
            None,
            id="host-mismatch",
        ),
        pytest.param(
            [{"type": "host", "value": "(?<tenant>[a-z]+)\\.example\\.com"}],
            [("host", "acme.example.com")],
            "",
            {"tenant": "acme"},
            id="host-named-group",
        ),
        pytest.param(
            [{"type": "host", "value": "\\[::1\\]"}],
            [("host", "[::1]:3000")],
            "",
            {"host": "[::1]"},
            id="host-ipv6",
        ),
        pytest.param(
            [{"type": "header", "key": "x-a"}, {"type": "query", "key": "b"}],
            [("x-a", "1")],
            "b=2",
            {"xa": "1", "b": "2"},
            id="all-has-must-hold",
        ),
        pytest.param(
            [{"type": "header", "key": "x-a"}, {"type": "query", "key": "b"}],
            [("x-a", "1")],
            "",
            None,
            id="one-has-failing-fails",
        ),
    ],
)
def test_has_conditions(
    has: Conditions, headers: list[tuple[str, str]], query: str, expected: Params | None
) -> None:
    matcher = Matcher.compile("/api/:path*", has)
    assert matcher.match(request("/api", headers, query)) == expected


@pytest.mark.parametrize(
    ("missing", "headers", "query", "matches"),
    [
        pytest.param([{"type": "header", "key": "x-skip"}], [], "", True, id="header-absent"),
        pytest.param(
            [{"type": "header", "key": "x-skip"}],
            [("x-skip", "1")],
            "",
            False,
            id="header-present",
        ),
        pytest.param(
            [{"type": "header", "key": "x-skip", "value": "yes"}],
            [("x-skip", "no")],
            "",
            True,
            id="header-other-value",
        ),
        pytest.param(
            [{"type": "cookie", "key": "session"}],
            [("cookie", "session=1")],
            "",
            False,
            id="cookie-present",
        ),
        pytest.param([{"type": "query", "key": "preview"}], [], "x=1", True, id="query-absent"),
        pytest.param(
            [{"type": "query", "key": "preview"}], [], "preview=1", False, id="query-present"
        ),
        pytest.param(
            [{"type": "host", "value": "internal\\..*"}],
            [("host", "internal.corp")],
            "",
            False,
            id="host-matches",
        ),
        pytest.param(
            [{"type": "header", "key": "a"}, {"type": "header", "key": "b"}],
            [("b", "1")],
            "",
            False,
            id="any-missing-present-fails",
        ),
    ],
)
def test_missing_conditions(
    missing: Conditions, headers: list[tuple[str, str]], query: str, matches: bool
) -> None:
    matcher = Matcher.compile("/api/:id", missing=missing)
    found = matcher.match(request("/api/7", headers, query))
    assert found == ({"id": "7"} if matches else None)


def test_has_and_missing_together() -> None:
    matcher = Matcher.compile(
        "/admin/:page",
        has=[{"type": "cookie", "key": "session", "value": "(?<sid>.+)"}],
        missing=[{"type": "header", "key": "x-readonly"}],
    )
    assert matcher.match(request("/admin/users", [("cookie", "session=s9")])) == {
        "page": "users",
        "sid": "s9",
    }
    assert (
        matcher.match(request("/admin/users", [("cookie", "session=s9"), ("x-readonly", "1")]))
        is None
    )
    assert matcher.match(request("/admin/users")) is None
    assert matcher.match(request("/other/users", [("cookie", "session=s9")])) is None


def test_has_capture_wins_over_a_path_param_of_the_same_name() -> None:
    matcher = Matcher.compile("/t/:tenant", has=[{"type": "header", "key": "tenant"}])
    assert matcher.match(request("/t/path", [("tenant", "header")])) == {"tenant": "header"}


def test_names_are_path_names_and_has_captures_only() -> None:
    matcher = Matcher.compile(
        "/(api)/:slug",
        has=[
            {"type": "header", "key": "x-user-id"},
            {"type": "host", "value": "(?<sub>[a-z]+)\\.example\\.com"},
        ],
        missing=[{"type": "cookie", "key": "skip"}],
    )
    assert matcher.names == {"slug", "xuserid", "sub"}


def test_match_uses_the_raw_path_or_the_given_one() -> None:
    matcher = Matcher.compile("/api/:name")
    assert matcher.match(request("/api/a%20b")) == {"name": "a%20b"}
    assert matcher.match(request("/elsewhere"), "/api/x") == {"name": "x"}
    assert repr(matcher) == "Matcher('/api/:name')"


@pytest.mark.parametrize(
    ("config", "sources"),
    [
        pytest.param("/api/:path*", ["/api/:path*"], id="string"),
        pytest.param(["/a", "/b/:id"], ["/a", "/b/:id"], id="list-of-strings"),
        pytest.param(
            [{"source": "/a", "has": [{"type": "header", "key": "x"}], "missing": []}],
            ["/a"],
            id="list-of-dicts",
        ),
        pytest.param(["/a", {"source": "/b"}], ["/a", "/b"], id="mixed"),
        pytest.param(("/a",), ["/a"], id="tuple"),
    ],
)
def test_compile_matchers_accepts_what_next_accepts(config: object, sources: list[str]) -> None:
    assert [m.pattern.source for m in compile_matchers(config)] == sources


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/api/mw", True, id="zero-segments"),
        pytest.param("/api/mw/a/b", True, id="segments"),
        pytest.param("/api/mw/", True, id="trailing-slash-allowed-as-in-next"),
        pytest.param("/api/mw/a/", True, id="trailing-slash-after-segment"),
        pytest.param("/API/mw", False, id="case-sensitive"),
        pytest.param("/api/other", False, id="other-path"),
    ],
)
def test_middleware_matcher_is_case_sensitive_and_allows_a_trailing_slash(
    path: str, expected: bool
) -> None:
    matchers = compile_matchers(["/api/mw/:path*"])
    assert any_match(matchers, request(path)) is expected


def test_any_match_checks_every_entry_with_its_conditions() -> None:
    matchers = compile_matchers(
        ["/public", {"source": "/private/:p*", "has": [{"type": "header", "key": "authorization"}]}]
    )
    assert any_match(matchers, request("/public"))
    assert any_match(matchers, request("/private/x", [("authorization", "Bearer t")]))
    assert not any_match(matchers, request("/private/x"))
    assert not any_match((), request("/public"))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(42, 'config["matcher"] must be a string or a list', id="int"),
        pytest.param(None, "not NoneType", id="none"),
        pytest.param({"source": "/a"}, "is a dict; wrap it in a list", id="lone-dict"),
        pytest.param([], "is empty, so the middleware would never run", id="empty-list"),
        pytest.param(["/a", 3], 'config["matcher"][1]: must be a source string', id="int-entry"),
        pytest.param(["api"], "config[\"matcher\"][0]: 'api': a source must start", id="no-slash"),
        pytest.param(["/a/("], "'/a/(' at position 3: unbalanced '('", id="bad-source"),
        pytest.param([{"src": "/a"}], "unknown keys ['src']", id="unknown-key"),
        pytest.param([{"has": []}], "needs a 'source' string", id="no-source"),
        pytest.param([{"source": 1}], "needs a 'source' string", id="source-not-string"),
        pytest.param(
            [{"source": "/a", "has": {"type": "header"}}], "has must be a list", id="has-dict"
        ),
        pytest.param([{"source": "/a", "has": ["x"]}], "has[0] must be a dict", id="item-str"),
        pytest.param(
            [{"source": "/a", "has": [{"type": "headers", "key": "x"}]}],
            "has[0] has type 'headers'; use one of 'header', 'cookie', 'query', 'host'",
            id="unknown-type",
        ),
        pytest.param(
            [{"source": "/a", "has": [{"key": "x"}]}], "has[0] has type None", id="no-type"
        ),
        pytest.param(
            [{"source": "/a", "missing": [{"type": "cookie"}]}],
            "missing[0]: a 'cookie' condition needs a 'key'",
            id="missing-key",
        ),
        pytest.param(
            [{"source": "/a", "has": [{"type": "header", "key": 5}]}],
            "needs a 'key' (a string)",
            id="key-not-string",
        ),
        pytest.param(
            [{"source": "/a", "has": [{"type": "host"}]}],
            "a 'host' condition needs a 'value'",
            id="host-without-value",
        ),
        pytest.param(
            [{"source": "/a", "has": [{"type": "host", "key": "h", "value": "x"}]}],
            "a 'host' condition takes no 'key'",
            id="host-with-key",
        ),
        pytest.param(
            [{"source": "/a", "has": [{"type": "query", "key": "q", "value": 1}]}],
            "'value' must be a regex string, not int",
            id="value-not-string",
        ),
        pytest.param(
            [{"source": "/a", "has": [{"type": "query", "key": "q", "value": "(a"}]}],
            "has[0]: 'value' is not a valid regular expression",
            id="value-bad-regex",
        ),
        pytest.param(
            [{"source": "/a", "has": [{"type": "query", "key": "q", "vaule": "a"}]}],
            "has[0] has unknown keys ['vaule']",
            id="item-unknown-key",
        ),
    ],
)
def test_compile_matchers_refuses_anything_else_naming_the_entry(
    config: object, message: str
) -> None:
    with pytest.raises(PatternError) as caught:
        compile_matchers(config)
    assert message in str(caught.value)


def test_matcher_error_keeps_the_source_and_position() -> None:
    with pytest.raises(PatternError) as caught:
        compile_matchers(["/ok", {"source": "/a/:"}])
    error = caught.value
    assert (error.where, error.text, error.position) == ('config["matcher"][1]', "/a/:", 3)
    assert str(error) == (
        "config[\"matcher\"][1]: '/a/:' at position 3: "
        "a parameter name (letters, digits, _) must follow ':'"
    )
