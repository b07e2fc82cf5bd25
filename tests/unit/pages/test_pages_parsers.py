"""Next's Pages Router parsers: req.body by Content-Type, req.query, req.cookies, req.headers."""

from __future__ import annotations

from typing import Any

import pytest

from approutes.pages.body_parser import BodyRejected, parse_body, parse_content_type
from approutes.pages.cookies import parse_cookies
from approutes.pages.querystring import MAX_KEYS, parse_querystring
from approutes.pages.request import node_headers

# --- req.body -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "raw", "body"),
    [
        pytest.param("application/json", b'{"x":[1,2]}', {"x": [1, 2]}, id="json"),
        pytest.param("application/json; charset=utf-8", b"[1]", [1], id="json-charset"),
        pytest.param("Application/JSON", b"42", 42, id="json-case-insensitive"),
        pytest.param("application/ld+json", b'{"@id":"x"}', {"@id": "x"}, id="ld-json"),
        pytest.param("application/json", b"", {}, id="empty-json-is-an-object"),
        pytest.param("application/json", b'\xef\xbb\xbf{"a":1}', {"a": 1}, id="json-bom"),
        pytest.param(
            "application/json; charset=latin1", b'{"e":"\xe9"}', {"e": "é"}, id="json-latin1"
        ),
        pytest.param("application/vnd.api+json", b'{"a":1}', '{"a":1}', id="vendor-json-is-text"),
        pytest.param(
            "application/x-www-form-urlencoded",
            b"a=1&a=2&b=x+y&c",
            {"a": ["1", "2"], "b": "x y", "c": ""},
            id="urlencoded",
        ),
        pytest.param("text/plain", b"just text", "just text", id="text"),
        pytest.param("text/csv", b"a,b", "a,b", id="other-type-is-text"),
        pytest.param(None, b"no type", "no type", id="no-content-type-is-text"),
        pytest.param("json", b'{"a":1}', '{"a":1}', id="invalid-content-type-is-text"),
        pytest.param(
            "application/json; charset", b'{"a":1}', '{"a":1}', id="broken-parameter-is-text"
        ),
        pytest.param(None, b"", "", id="no-body-is-empty-text"),
        pytest.param("application/octet-stream", b"\xff", "\ufffd", id="binary-is-text"),
    ],
)
def test_the_body_is_parsed_by_its_content_type(
    content_type: str | None, raw: bytes, body: Any
) -> None:
    assert parse_body(content_type, raw) == body


@pytest.mark.parametrize(
    ("content_type", "raw", "message"),
    [
        pytest.param("application/json", b"{oops", "Invalid JSON", id="malformed-json"),
        pytest.param("application/json", b'{"a":1} x', "Invalid JSON", id="trailing-garbage"),
        pytest.param("text/plain; charset=klingon", b"x", "Invalid body", id="unknown-charset"),
    ],
)
def test_a_body_that_cannot_be_parsed_is_a_400_text(
    content_type: str, raw: bytes, message: str
) -> None:
    with pytest.raises(BodyRejected) as caught:
        parse_body(content_type, raw)
    assert (caught.value.status, caught.value.message) == (400, message)


def test_content_type_parameters_may_be_quoted() -> None:
    assert parse_content_type('text/plain; charset="latin1"') == ("text/plain", "latin1")
    assert parse_content_type("text/plain;charset=utf-8") == ("text/plain", "utf-8")


# --- req.query ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query"),
    [
        pytest.param("q=x&q=y&z=1", {"q": ["x", "y"], "z": "1"}, id="repeats-become-lists"),
        pytest.param("flag&empty=", {"flag": "", "empty": ""}, id="bare-key-is-empty"),
        pytest.param("a=1&&b=2", {"a": "1", "b": "2"}, id="empty-pieces-skipped"),
        pytest.param("n=Ada+L%C3%B6velace", {"n": "Ada Lövelace"}, id="plus-and-utf8"),
        pytest.param("bad=%ZZ&cut=%E2%82", {"bad": "%ZZ", "cut": "\ufffd"}, id="broken-escapes"),
        pytest.param("a=b=c", {"a": "b=c"}, id="first-equals-splits"),
        pytest.param("=x", {"": "x"}, id="empty-name"),
        pytest.param("q=1&q=2&q=3", {"q": ["1", "2", "3"]}, id="three-repeats"),
    ],
)
def test_the_query_string_is_parsed_as_node_does(text: str, query: dict[str, Any]) -> None:
    assert parse_querystring(text) == query


def test_pairs_past_node_max_keys_are_ignored() -> None:
    text = "&".join(f"k{i}=v" for i in range(MAX_KEYS + 5))
    parsed = parse_querystring(text)
    assert len(parsed) == MAX_KEYS
    assert f"k{MAX_KEYS - 1}" in parsed
    assert f"k{MAX_KEYS}" not in parsed


# --- req.cookies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "cookies"),
    [
        pytest.param("a=1; b=2", {"a": "1", "b": "2"}, id="pairs"),
        pytest.param("a=1; a=2", {"a": "1"}, id="first-duplicate-wins"),
        pytest.param('q="quoted value"', {"q": "quoted value"}, id="quotes-removed"),
        pytest.param("flag; a=1", {"a": "1"}, id="leading-bare-name-dropped"),
        pytest.param("a=1; flag", {"a": "1"}, id="trailing-bare-name-dropped"),
        pytest.param("s=a%20b", {"s": "a b"}, id="percent-decoded"),
        pytest.param("s=%E0%A4%A", {"s": "%E0%A4%A"}, id="undecodable-kept"),
        pytest.param("s=%ff", {"s": "%ff"}, id="invalid-utf8-kept"),
        pytest.param(" a = 1 ;b=2", {"a": "1", "b": "2"}, id="spaces-trimmed"),
        pytest.param("a=x=y", {"a": "x=y"}, id="equals-in-value"),
        pytest.param("", {}, id="empty"),
    ],
)
def test_cookies_are_parsed_as_the_pages_router_does(header: str, cookies: dict[str, str]) -> None:
    assert parse_cookies(header) == cookies


# --- req.headers ----------------------------------------------------------------------------


def test_repeated_headers_are_joined_as_node_does() -> None:
    raw = [
        ("x-multi", "a"),
        ("x-multi", "b"),
        ("cookie", "a=1"),
        ("cookie", "b=2"),
        ("content-type", "text/plain"),
        ("content-type", "application/json"),
        ("set-cookie", "s=1"),
        ("set-cookie", "t=2"),
    ]
    assert node_headers(raw) == {
        "x-multi": "a, b",
        "cookie": "a=1; b=2",
        "content-type": "text/plain",
        "set-cookie": ["s=1", "t=2"],
    }
