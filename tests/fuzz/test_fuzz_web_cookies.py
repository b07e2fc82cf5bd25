"""Property tests for the App Router's cookies: Set-Cookie values and the Cookie header."""

from __future__ import annotations

import re
from urllib.parse import quote

from hypothesis import given, note
from hypothesis import strategies as st

from approutes.web.cookies import Cookie, RequestCookies, ResponseCookies, serialize_cookie
from approutes.web.headers import Headers

# RFC 9110 token: what a cookie name may be.
cookie_names = st.from_regex(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}", fullmatch=True)
_HEX = "0123456789abcdefABCDEF"
# encodeURIComponent leaves these unescaped.
_URI_COMPONENT_SAFE = "-_.!~*'()"


def decode_uri_component(text: str) -> str | None:
    """JavaScript's decodeURIComponent; None where it throws a URIError."""
    out = bytearray()
    index = 0
    while index < len(text):
        if text[index] != "%":
            out += text[index].encode()
            index += 1
            continue
        digits = text[index + 1 : index + 3]
        if len(digits) != 2 or any(c not in _HEX for c in digits):
            return None
        out.append(int(digits, 16))
        index += 3
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def next_parse_cookie(header: str) -> dict[str, str]:
    """`parseCookie` of @edge-runtime/cookies, which `request.cookies` uses in Next."""
    out: dict[str, str] = {}
    for pair in re.split(r"; *", header):
        if not pair:
            continue
        name, sep, value = pair.partition("=")
        if not sep:
            out[pair] = "true"
            continue
        decoded = decode_uri_component(value)
        if decoded is not None:
            out[name] = decoded
    return out


@given(cookie_names, st.text())
def test_a_serialized_cookie_reads_back_as_its_value(name: str, value: str) -> None:
    line = serialize_cookie(name, value)
    pair = line.split(";", 1)[0]
    note(line)
    assert pair == f"{name}={quote(value, safe=_URI_COMPONENT_SAFE)}"
    assert RequestCookies(pair).get(name) == Cookie(name, value)
    beside = f"{name}x=1; {pair}; x{name}=2"
    assert RequestCookies(beside).get(name) == Cookie(name, value)


@given(st.lists(st.tuples(cookie_names, st.text()), max_size=5), cookie_names, st.text())
def test_response_cookies_read_back_what_was_set_and_keep_one_line_per_name(
    earlier: list[tuple[str, str]], name: str, value: str
) -> None:
    headers = Headers()
    cookies = ResponseCookies(headers)
    for other, other_value in earlier:
        cookies.set(other, other_value)
    cookies.set(name, value, http_only=True)
    assert cookies.get(name) == Cookie(name, value)
    names = [c.name for c in cookies.get_all()]
    assert len(names) == len(set(names)) == len(headers.get_all("set-cookie"))
    cookies.delete(name)
    assert cookies.get(name) == Cookie(name, "")


@given(
    st.lists(
        st.one_of(
            st.tuples(cookie_names, st.text()).map(lambda p: f"{p[0]}={quote(p[1], safe='')}"),
            cookie_names,
        ),
        max_size=6,
    )
)
def test_a_cookie_header_reads_as_next_reads_it(pairs: list[str]) -> None:
    """Values percent-decoded, the last duplicate wins, a bare name reads as "true"."""
    header = "; ".join(pairs)
    expected: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        expected[name] = (decode_uri_component(value) or "") if sep else "true"
    cookies = RequestCookies(header)
    assert {c.name: c.value for c in cookies} == expected
    assert len(cookies) == len(expected)


_COOKIE_TEXT = st.one_of(
    st.text(),
    st.lists(st.sampled_from([*'a=;% "', "%41", "%C3%A9", "%E9", "%ZZ", "%", "=="])).map("".join),
)


@given(_COOKIE_TEXT)
def test_any_cookie_header_parses_without_raising_and_as_next_does(header: str) -> None:
    cookies = RequestCookies(header)
    assert {c.name: c.value for c in cookies} == next_parse_cookie(header)
    for cookie in cookies:
        assert cookies.has(cookie.name)
        assert cookies.get(cookie.name) == cookie
