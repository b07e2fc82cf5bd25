"""Property tests for the Pages Router's parsers: `req.query` and `req.cookies`."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from hypothesis import given
from hypothesis import strategies as st

from approutes.pages.cookies import parse_cookies
from approutes.pages.querystring import QueryValue, parse_querystring

_QUERY_TEXT = st.one_of(
    st.text(),
    st.lists(st.sampled_from([*"a=&+% ", "%41", "%C3%A9", "%E9", "%ZZ", "%", "=="])).map("".join),
)
_COOKIE_TEXT = st.one_of(
    st.text(),
    st.lists(st.sampled_from([*'a=;% "\t', "%41", "%C3%A9", "%E9", "%ZZ", "=="])).map("".join),
)
cookie_names = st.from_regex(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}", fullmatch=True)


@given(_QUERY_TEXT)
def test_any_query_string_parses_without_raising(text: str) -> None:
    for key, value in parse_querystring(text).items():
        assert isinstance(key, str)
        assert isinstance(value, str) or all(isinstance(v, str) for v in value)


@given(st.lists(st.tuples(st.text(), st.text()), max_size=8))
def test_an_encoded_query_parses_back_with_repeats_as_lists(pairs: list[tuple[str, str]]) -> None:
    expected: dict[str, QueryValue] = {}
    for key, value in pairs:
        seen = expected.get(key)
        if seen is None:
            expected[key] = value
        elif isinstance(seen, list):
            seen.append(value)
        else:
            expected[key] = [seen, value]
    assert parse_querystring(urlencode(pairs)) == expected


@given(_COOKIE_TEXT)
def test_any_cookie_header_parses_without_raising(header: str) -> None:
    for key, value in parse_cookies(header).items():
        assert isinstance(key, str)
        assert isinstance(value, str)


@given(st.lists(st.tuples(cookie_names, st.text()), max_size=6))
def test_encoded_cookies_parse_back_and_the_first_duplicate_wins(
    pairs: list[tuple[str, str]],
) -> None:
    header = "; ".join(f"{name}={quote(value, safe='')}" for name, value in pairs)
    expected: dict[str, str] = {}
    for name, value in pairs:
        expected.setdefault(name, value)
    assert parse_cookies(header) == expected
