"""PathPattern: Next's `source` syntax (path-to-regexp v6) and destination filling."""

from __future__ import annotations

import pytest

from approutes.rules.path_pattern import (
    PathPattern,
    PatternError,
    compile_destination,
    compile_template,
    python_regex,
)

NEXT_DOCS_EXCLUDE = "/((?!api|_next/static|_next/image|favicon.ico).*)"


@pytest.mark.parametrize(
    ("source", "path", "expected"),
    [
        pytest.param("/", "/", {}, id="root"),
        pytest.param("/api/hello", "/api/hello", {}, id="static"),
        pytest.param("/api/hello", "/api/hello/x", None, id="static-is-anchored-at-end"),
        pytest.param("/api/hello", "/x/api/hello", None, id="static-is-anchored-at-start"),
        pytest.param("/api/hello", "/api/Hello", None, id="static-is-case-sensitive"),
        pytest.param("/a.b", "/axb", None, id="static-dot-is-literal"),
        pytest.param("/users/:id", "/users/42", {"id": "42"}, id="param"),
        pytest.param("/users/:id", "/users", None, id="param-is-required"),
        pytest.param("/users/:id", "/users/4/2", None, id="param-is-one-segment"),
        pytest.param("/users/:id", "/Users/42", None, id="param-source-is-case-sensitive"),
        pytest.param("/users/:id?", "/users", {}, id="optional-absent"),
        pytest.param("/users/:id?", "/users/42", {"id": "42"}, id="optional-present"),
        pytest.param("/users/:id?", "/users/", None, id="optional-no-bare-slash"),
        pytest.param("/api/mw/:path*", "/api/mw", {}, id="star-zero-segments"),
        pytest.param("/api/mw/:path*", "/api/mw/a", {"path": ["a"]}, id="star-one-segment"),
        pytest.param(
            "/api/mw/:path*", "/api/mw/a/b/c", {"path": ["a", "b", "c"]}, id="star-three-segments"
        ),
        pytest.param("/api/mw/:path*", "/api/mwx", None, id="star-needs-the-slash"),
        pytest.param("/api/:path+", "/api", None, id="plus-needs-one-segment"),
        pytest.param("/api/:path+", "/api/a", {"path": ["a"]}, id="plus-one-segment"),
        pytest.param("/api/:path+", "/api/a/b/c", {"path": ["a", "b", "c"]}, id="plus-three"),
        pytest.param("/users/:id(\\d+)", "/users/42", {"id": "42"}, id="regex-param"),
        pytest.param("/users/:id(\\d+)", "/users/ab", None, id="regex-param-refuses"),
        pytest.param("/v/:n(\\d+)+", "/v/1/22", {"n": ["1", "22"]}, id="regex-param-repeated"),
        pytest.param("/(api|trpc)(.*)", "/api", {"0": "api", "1": ""}, id="unnamed-groups"),
        pytest.param("/(api|trpc)(.*)", "/trpc/a/b", {"0": "trpc", "1": "/a/b"}, id="unnamed-rest"),
        pytest.param("/(api|trpc)(.*)", "/web", None, id="unnamed-alternation-refuses"),
        pytest.param(NEXT_DOCS_EXCLUDE, "/", {"0": ""}, id="lookahead-root"),
        pytest.param(NEXT_DOCS_EXCLUDE, "/about/team", {"0": "about/team"}, id="lookahead-page"),
        pytest.param(NEXT_DOCS_EXCLUDE, "/api/hello", None, id="lookahead-excludes-api"),
        pytest.param(NEXT_DOCS_EXCLUDE, "/_next/static/x.js", None, id="lookahead-excludes-next"),
        pytest.param(NEXT_DOCS_EXCLUDE, "/favicon.ico", None, id="lookahead-excludes-favicon"),
        pytest.param(NEXT_DOCS_EXCLUDE, "/apix", None, id="lookahead-is-a-prefix-test"),
        pytest.param("/h%65llo", "/hello", None, id="percent-encoded-static-not-decoded"),
        pytest.param("/h%65llo", "/h%65llo", {}, id="percent-encoded-static-as-given"),
        pytest.param("/u/:name", "/u/a%2Fb", {"name": "a%2Fb"}, id="percent-encoded-value-kept"),
        pytest.param("/u/:name", "/u/%C3%A9", {"name": "%C3%A9"}, id="percent-encoded-utf8"),
        pytest.param("/users/:id", "/users/42/", None, id="trailing-slash-refused"),
        pytest.param("/users/", "/users/", {}, id="trailing-slash-when-written"),
        pytest.param("/users/", "/users", None, id="trailing-slash-required-when-written"),
        pytest.param("/file.:ext?", "/file", {}, id="dot-prefix-optional-absent"),
        pytest.param("/file.:ext?", "/file.json", {"ext": "json"}, id="dot-prefix-present"),
        pytest.param("/a-:rest", "/a-b", {"rest": "b"}, id="dash-is-not-a-prefix"),
        pytest.param("/blog{/:lang}?/post", "/blog/post", {}, id="group-optional-absent"),
        pytest.param("/blog{/:lang}?/post", "/blog/en/post", {"lang": "en"}, id="group-present"),
        pytest.param("/x{-suffix}?", "/x-suffix", {}, id="group-of-text"),
        pytest.param("/a\\(b\\)", "/a(b)", {}, id="escaped-parens"),
        pytest.param("/u/:id((?<n>\\d)x)", "/u/1x", {"id": "1x"}, id="js-named-group-in-regex"),
    ],
)
def test_source_matches_path(
    source: str, path: str, expected: dict[str, str | list[str]] | None
) -> None:
    assert PathPattern.compile(source).match(path) == expected


@pytest.mark.parametrize(
    ("source", "path", "expected"),
    [
        pytest.param("/users/:id", "/users/42/", {"id": "42"}, id="param"),
        pytest.param("/api/mw/:path*", "/api/mw/", {}, id="star-zero"),
        pytest.param("/api/mw/:path*", "/api/mw/a/", {"path": ["a"]}, id="star-one"),
        pytest.param("/api", "/api/", {}, id="static"),
        pytest.param("/api", "/api//", None, id="only-one-slash"),
    ],
)
def test_not_strict_accepts_one_trailing_slash(
    source: str, path: str, expected: dict[str, str | list[str]] | None
) -> None:
    assert PathPattern.compile(source, strict=False).match(path) == expected


def test_case_insensitive_when_asked() -> None:
    pattern = PathPattern.compile("/Blog/:slug", case_sensitive=False)
    assert pattern.match("/blog/Hello") == {"slug": "Hello"}


def test_keys_list_every_parameter_and_names_only_named_ones() -> None:
    pattern = PathPattern.compile("/(api|trpc)/:id/:rest*")
    assert pattern.keys == ("0", "id", "rest")
    assert pattern.names == {"id", "rest"}
    assert repr(pattern) == "PathPattern('/(api|trpc)/:id/:rest*')"


@pytest.mark.parametrize(
    ("source", "problem", "position"),
    [
        pytest.param("api/hello", "must start with '/'", None, id="no-leading-slash"),
        pytest.param("", "must start with '/'", None, id="empty"),
        pytest.param("/a/(b", "unbalanced '('", 3, id="unclosed-paren"),
        pytest.param("/:id(\\d+", "unbalanced '('", 4, id="unclosed-param-regex"),
        pytest.param("/a)", "unbalanced ')'", 2, id="stray-close-paren"),
        pytest.param("/a/:", "parameter name", 3, id="colon-without-name"),
        pytest.param("/a/:-x", "parameter name", 3, id="colon-before-dash"),
        pytest.param("/a/()", "empty pattern", 3, id="empty-pattern"),
        pytest.param("/a/(?!x)", "cannot start with '?'", 4, id="bare-lookahead"),
        pytest.param("/a/(b(c))", "capturing groups are not allowed", 5, id="nested-capture"),
        pytest.param("/:x([)", "invalid regular expression", None, id="bad-regex"),
        pytest.param("/a?", "'?' must follow", 2, id="modifier-after-text"),
        pytest.param("/*", "'*' must follow", 1, id="bare-star"),
        pytest.param("/{a", "unclosed '{'", 3, id="unclosed-brace"),
        pytest.param("/a}", "unbalanced '}'", 2, id="stray-close-brace"),
        pytest.param("/{{a}}", "cannot be nested", 2, id="nested-braces"),
        pytest.param("/{:a:b}", "at most one parameter", 4, id="two-params-in-group"),
        pytest.param("/:a/:a", "':a' appears twice", None, id="duplicate-name"),
        pytest.param("/a\\", "escapes nothing", 2, id="trailing-backslash"),
    ],
)
def test_invalid_source_is_refused_with_the_problem_and_where(
    source: str, problem: str, position: int | None
) -> None:
    with pytest.raises(PatternError) as caught:
        PathPattern.compile(source)
    assert problem in str(caught.value)
    assert repr(source) in str(caught.value)
    assert caught.value.text == source
    assert caught.value.position == position
    assert isinstance(caught.value, ValueError)


def test_non_string_source_is_refused() -> None:
    with pytest.raises(PatternError, match="a source must be a string, not int"):
        PathPattern.compile(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("destination", "params", "expected"),
    [
        pytest.param("/new/:slug", {"slug": "a"}, "/new/a", id="param"),
        pytest.param("/new/:slug?ref=:slug", {"slug": "a"}, "/new/a?ref=a", id="path-and-query"),
        pytest.param("/docs/:path*", {"path": ["a", "b"]}, "/docs/a/b", id="star-joined"),
        pytest.param("/docs/:path*", {"path": []}, "/docs", id="star-empty-drops-slash"),
        pytest.param("/docs/:path*", {}, "/docs", id="star-absent-drops-slash"),
        pytest.param("/docs/:path+", {"path": ["a"]}, "/docs/a", id="plus"),
        pytest.param("/u/:id/edit", {"id": "7"}, "/u/7/edit", id="param-mid-path"),
        pytest.param("/u/:id", {"id": ["a", "b"]}, "/u/a/b", id="list-for-plain-slot"),
        pytest.param("/q?at=12:30&x=:x", {"x": "1"}, "/q?at=12:30&x=1", id="query-unknown-text"),
        pytest.param("/q?next=/d/:p*", {"p": ["a", "b"]}, "/q?next=/d/a/b", id="query-list"),
        pytest.param("/p#:h", {"h": "top"}, "/p#top", id="hash"),
        pytest.param("/a\\:b/:x", {"x": "1"}, "/a:b/1", id="escaped-colon"),
        pytest.param("/u/:a%20", {"a": "x"}, "/u/x%20", id="value-then-text"),
        pytest.param(
            "https://:sub.example.com:8080/:path*",
            {"sub": "eu", "path": ["a"]},
            "https://eu.example.com:8080/a",
            id="absolute-url-host-and-port",
        ),
        pytest.param("/v/:x", {"x": "%20 a"}, "/v/%20 a", id="values-inserted-as-given"),
    ],
)
def test_destination_fill_substitutes_params(
    destination: str, params: dict[str, str | list[str]], expected: str
) -> None:
    names = {"slug", "path", "id", "x", "p", "h", "a", "sub"}
    assert compile_destination(destination, names).fill(params) == expected


@pytest.mark.parametrize(
    ("destination", "problem"),
    [
        pytest.param("/new/:nope", "':nope' is not a parameter of the source", id="unknown-name"),
        pytest.param("/p#:nope", "':nope' is not a parameter", id="unknown-name-in-hash"),
        pytest.param("/a/b:", "a parameter name must follow ':'", id="colon-without-name"),
        pytest.param("https://e.com:port/", "':port' is not a parameter", id="bad-port"),
        pytest.param("", "must not be empty", id="empty"),
    ],
)
def test_destination_with_unknown_names_is_refused(destination: str, problem: str) -> None:
    with pytest.raises(PatternError) as caught:
        compile_destination(destination, {"slug"})
    assert problem in str(caught.value)


def test_destination_error_lists_the_available_names() -> None:
    with pytest.raises(PatternError, match=r"\(it has: :a, :b\)"):
        compile_destination("/:c", {"b", "a"})


def test_template_leaves_unknown_words_as_text() -> None:
    template = compile_template("max-age=:age, img-src data: :host", {"age", "host"})
    assert template.fill({"age": "60", "host": "cdn"}) == "max-age=60, img-src data: cdn"
    assert repr(template) == "Destination('max-age=:age, img-src data: :host')"


@pytest.mark.parametrize(
    ("javascript", "python"),
    [
        pytest.param("(?<id>\\d+)", "(?P<id>\\d+)", id="named-group"),
        pytest.param("(?<=a)b(?<!c)", "(?<=a)b(?<!c)", id="lookbehinds-kept"),
        pytest.param("\\(?<x>", "\\(?<x>", id="escaped-paren-kept"),
        pytest.param("[(?<x>]", "[(?<x>]", id="inside-class-kept"),
    ],
)
def test_javascript_regex_becomes_python(javascript: str, python: str) -> None:
    assert python_regex(javascript) == python
