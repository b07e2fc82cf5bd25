"""RequestCookies (the Cookie header), serialize_cookie and ResponseCookies (Set-Cookie)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from approutes.web.cookies import (
    Cookie,
    RequestCookies,
    ResponseCookies,
    SameSite,
    serialize_cookie,
)
from approutes.web.headers import Headers

EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"

# --- RequestCookies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("theme=dark; lang=en", {"theme": "dark", "lang": "en"}, id="two-pairs"),
        pytest.param("a=1;b=2", {"a": "1", "b": "2"}, id="no-space-after-semicolon"),
        pytest.param("a=1;   b=2", {"a": "1", "b": "2"}, id="many-spaces"),
        pytest.param("a=1; a=2; a=3", {"a": "3"}, id="last-duplicate-wins"),
        pytest.param("flag; theme=dark", {"flag": "true", "theme": "dark"}, id="bare-name-true"),
        pytest.param("s=a%20b", {"s": "a b"}, id="percent-decoded"),
        pytest.param("s=%C3%A9t%C3%A9", {"s": "été"}, id="utf8-decoded"),
        pytest.param("s=1+1", {"s": "1+1"}, id="plus-stays-plus"),
        pytest.param('q="quoted"', {"q": '"quoted"'}, id="quotes-kept"),
        pytest.param("t=a=b", {"t": "a=b"}, id="first-equals-splits"),
        pytest.param("e=", {"e": ""}, id="empty-value"),
        pytest.param("bad=%FF; ok=1", {"ok": "1"}, id="undecodable-utf8-skipped"),
        pytest.param("", {}, id="empty-header"),
        pytest.param(";;", {}, id="only-separators"),
    ],
)
def test_request_cookies_parse_like_next(header: str, expected: dict[str, str]) -> None:
    cookies = RequestCookies(header)
    assert {c.name: c.value for c in cookies.get_all()} == expected
    assert len(cookies) == len(expected)


def test_request_cookie_with_malformed_escape_is_skipped() -> None:
    cookies = RequestCookies("bad=%ZZ; ok=1")
    assert not cookies.has("bad")
    assert cookies.get("ok") == Cookie("ok", "1")


def test_request_cookies_get_has_and_iteration() -> None:
    cookies = RequestCookies("theme=dark; session=a%20b")
    assert cookies.get("session") == Cookie("session", "a b")
    assert cookies.get("missing") is None
    assert cookies.has("theme")
    assert not cookies.has("Theme")
    assert cookies.get_all("theme") == [Cookie("theme", "dark")]
    assert cookies.get_all("missing") == []
    assert list(cookies) == [Cookie("theme", "dark"), Cookie("session", "a b")]


def test_request_without_cookie_header_has_no_cookies() -> None:
    cookies = RequestCookies(None)
    assert len(cookies) == 0
    assert cookies.get_all() == []


# --- serialize_cookie ---------------------------------------------------------------------


def test_plain_cookie_gets_path_slash() -> None:
    assert serialize_cookie("theme", "dark") == "theme=dark; Path=/"


def test_attributes_come_in_next_order() -> None:
    line = serialize_cookie(
        "s",
        "1",
        same_site="strict",
        http_only=True,
        secure=True,
        domain="example.com",
        max_age=60,
        path="/api",
        partitioned=True,
    )
    names = [part.split("=", 1)[0] for part in line.split("; ")]
    assert names == [
        "s",
        "Path",
        "Expires",
        "Max-Age",
        "Domain",
        "Secure",
        "HttpOnly",
        "SameSite",
        "Partitioned",
    ]
    assert "; Path=/api; " in line
    assert "; Max-Age=60; Domain=example.com; Secure; HttpOnly; SameSite=strict;" in line


def test_max_age_gives_both_expires_and_max_age() -> None:
    before = time.time()
    line = serialize_cookie("s", "1", max_age=3600)
    attributes = dict(part.split("=", 1) for part in line.split("; ")[1:])
    assert attributes["Max-Age"] == "3600"
    expires = parsedate_to_datetime(attributes["Expires"]).timestamp()
    # Expires is whole seconds, so allow the second it was rounded down from.
    assert before + 3600 - 1 <= expires <= time.time() + 3600


def test_max_age_zero_gives_max_age_without_expires() -> None:
    assert serialize_cookie("s", "1", max_age=0) == "s=1; Path=/; Max-Age=0"


@pytest.mark.parametrize(
    ("expires", "stamp"),
    [
        pytest.param(0, EPOCH, id="epoch-number"),
        pytest.param(
            datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC), "Mon, 06 May 2030 07:08:09 GMT", id="dt"
        ),
        pytest.param(1_900_000_000.0, "Sun, 17 Mar 2030 17:46:40 GMT", id="unix-seconds"),
    ],
)
def test_expires_is_an_http_date(expires: datetime | float, stamp: str) -> None:
    assert serialize_cookie("s", "1", expires=expires) == f"s=1; Path=/; Expires={stamp}"


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        pytest.param("t 1;x", "t%201%3Bx", id="space-and-semicolon"),
        pytest.param("a,b", "a%2Cb", id="comma"),
        pytest.param("é", "%C3%A9", id="utf8"),
        pytest.param("-_.!~*'()", "-_.!~*'()", id="encode-uri-component-safe-kept"),
        pytest.param('"q"', "%22q%22", id="quote"),
        pytest.param("a=b/c", "a%3Db%2Fc", id="equals-and-slash"),
        pytest.param("", "", id="empty"),
    ],
)
def test_value_is_percent_encoded_like_encode_uri_component(value: str, encoded: str) -> None:
    assert serialize_cookie("n", value, path=None) == f"n={encoded}"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("a b", id="space"),
        pytest.param("a;b", id="semicolon"),
        pytest.param("a=b", id="equals"),
        pytest.param("a,b", id="comma"),
        pytest.param("é", id="non-ascii"),
        pytest.param("a\r\nb", id="line-break"),
    ],
)
def test_invalid_cookie_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a valid HTTP token"):
        serialize_cookie(name, "v")


@pytest.mark.parametrize(
    ("path", "domain"),
    [
        pytest.param("/a;Secure", None, id="path-semicolon"),
        pytest.param("/a\r\nX: y", None, id="path-line-break"),
        pytest.param("/", "example.com; HttpOnly", id="domain-semicolon"),
    ],
)
def test_attribute_that_could_inject_is_refused(path: str, domain: str | None) -> None:
    with pytest.raises(ValueError, match="contains"):
        serialize_cookie("n", "v", path=path, domain=domain)


def test_no_path_and_no_attributes_gives_the_bare_pair() -> None:
    assert serialize_cookie("n", "v", path=None) == "n=v"


@pytest.mark.parametrize(
    ("same_site", "attribute"),
    [
        pytest.param("lax", "SameSite=lax", id="lax"),
        pytest.param("strict", "SameSite=strict", id="strict"),
        pytest.param("none", "SameSite=none", id="none"),
    ],
)
def test_same_site_is_lower_case(same_site: SameSite, attribute: str) -> None:
    line = serialize_cookie("n", "v", same_site=same_site)
    assert line == f"n=v; Path=/; {attribute}"


# --- ResponseCookies ----------------------------------------------------------------------


def test_response_cookie_set_appends_a_set_cookie_line() -> None:
    headers = Headers()
    ResponseCookies(headers).set("session", "t 1;x", http_only=True)
    assert headers.get_all("set-cookie") == ["session=t%201%3Bx; Path=/; HttpOnly"]


def test_response_cookie_get_returns_the_decoded_value() -> None:
    cookies = ResponseCookies(Headers())
    cookies.set("session", "t 1;x")
    assert cookies.get("session") == Cookie("session", "t 1;x")
    assert cookies.get("missing") is None
    assert cookies.has("session")
    assert not cookies.has("missing")


def test_setting_a_cookie_again_replaces_it_and_keeps_the_others() -> None:
    headers = Headers()
    cookies = ResponseCookies(headers)
    cookies.set("a", "1")
    cookies.set("b", "2")
    cookies.set("a", "3")
    assert sorted(headers.get_all("set-cookie")) == ["a=3; Path=/", "b=2; Path=/"]
    assert {c.name: c.value for c in cookies.get_all()} == {"a": "3", "b": "2"}


def test_response_cookies_keep_other_headers() -> None:
    headers = Headers({"x-other": "1"})
    cookies = ResponseCookies(headers)
    cookies.set("a", "1")
    cookies.set("a", "2")
    assert headers.get("x-other") == "1"


def test_delete_expires_the_cookie_in_1970() -> None:
    headers = Headers()
    ResponseCookies(headers).delete("session")
    assert headers.get_all("set-cookie") == [f"session=; Path=/; Expires={EPOCH}"]


def test_delete_replaces_an_earlier_set_of_the_same_name() -> None:
    headers = Headers()
    cookies = ResponseCookies(headers)
    cookies.set("session", "abc")
    cookies.delete("session")
    assert headers.get_all("set-cookie") == [f"session=; Path=/; Expires={EPOCH}"]


def test_response_cookie_set_refuses_an_invalid_name() -> None:
    headers = Headers()
    with pytest.raises(ValueError, match="not a valid HTTP token"):
        ResponseCookies(headers).set("bad name", "v")
    assert not headers.has("set-cookie")


def test_misspelt_cookie_attribute_is_refused_not_ignored() -> None:
    with pytest.raises(TypeError, match="httponly"):
        serialize_cookie("s", "1", httponly=True)  # type: ignore[call-arg]
