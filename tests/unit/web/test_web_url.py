"""URLSearchParams (WHATWG) and NextURL."""

from __future__ import annotations

import pytest

from approutes.web.url import NextURL, URLSearchParams

# --- URLSearchParams: parsing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "items"),
    [
        pytest.param("?q=a&q=b&tag=x", [("q", "a"), ("q", "b"), ("tag", "x")], id="repeats-kept"),
        pytest.param("q=a", [("q", "a")], id="no-leading-question-mark"),
        pytest.param("name=Ada+Lovelace", [("name", "Ada Lovelace")], id="plus-is-space"),
        pytest.param("a%20b=c%20d", [("a b", "c d")], id="percent-20-in-key-and-value"),
        pytest.param("x=%ZZ", [("x", "%ZZ")], id="invalid-escape-kept-literally"),
        pytest.param("x=100%", [("x", "100%")], id="lone-percent-kept"),
        pytest.param("x=%FF", [("x", "\ufffd")], id="invalid-utf8-replaced"),
        pytest.param("a=1;b=2", [("a", "1;b=2")], id="semicolon-is-not-a-separator"),
        pytest.param("flag", [("flag", "")], id="bare-key-is-empty-string"),
        pytest.param("flag=", [("flag", "")], id="key-with-equals-and-no-value"),
        pytest.param("=x", [("", "x")], id="empty-key-allowed"),
        pytest.param("a=b=c", [("a", "b=c")], id="first-equals-splits"),
        pytest.param("a=1&&b=2&", [("a", "1"), ("b", "2")], id="empty-pairs-skipped"),
        pytest.param("Q=1&q=2", [("Q", "1"), ("q", "2")], id="keys-case-sensitive"),
        pytest.param("", [], id="empty"),
        pytest.param("?", [], id="lone-question-mark"),
        pytest.param("k=%C3%A9", [("k", "é")], id="utf8-decoded"),
    ],
)
def test_search_params_parse_like_whatwg(query: str, items: list[tuple[str, str]]) -> None:
    assert list(URLSearchParams(query).items()) == items


def test_get_returns_first_value_and_get_all_every_value() -> None:
    params = URLSearchParams("q=a&tag=x&q=b")
    assert params.get("q") == "a"
    assert params.get_all("q") == ["a", "b"]
    assert params.get("missing") is None
    assert params.get_all("missing") == []
    assert params.has("tag")
    assert not params.has("TAG")


def test_keys_values_iteration_and_len_include_repeats() -> None:
    params = URLSearchParams("q=a&tag=x&q=b")
    assert list(params.keys()) == ["q", "tag", "q"]
    assert list(params.values()) == ["a", "x", "b"]
    assert list(params) == ["q", "tag", "q"]
    assert len(params) == 3


def test_search_params_from_mapping_and_pairs() -> None:
    assert list(URLSearchParams({"a": "1", "b": "2"}).items()) == [("a", "1"), ("b", "2")]
    assert list(URLSearchParams([("a", "1"), ("a", "2")]).items()) == [("a", "1"), ("a", "2")]
    assert len(URLSearchParams()) == 0


def test_set_replaces_all_entries_at_the_first_position() -> None:
    params = URLSearchParams("a=1&b=2&a=3")
    params.set("a", "x")
    assert list(params.items()) == [("a", "x"), ("b", "2")]
    params.set("c", "new")
    assert list(params.items()) == [("a", "x"), ("b", "2"), ("c", "new")]


def test_append_and_delete() -> None:
    params = URLSearchParams("a=1")
    params.append("a", "2")
    params.append("b", "3")
    assert params.get_all("a") == ["1", "2"]
    params.delete("a")
    assert list(params.items()) == [("b", "3")]


def test_items_is_a_snapshot_safe_to_append_to_during_iteration() -> None:
    params = URLSearchParams("a=1&b=2")
    for key, value in params.items():
        params.append(key, value)
    assert list(params.items()) == [("a", "1"), ("b", "2"), ("a", "1"), ("b", "2")]


def test_search_params_compare_by_entries() -> None:
    assert URLSearchParams("a=1&b=2") == URLSearchParams([("a", "1"), ("b", "2")])
    assert URLSearchParams("a=1&b=2") != URLSearchParams("b=2&a=1")


# --- URLSearchParams: serialisation -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "serialised"),
    [
        pytest.param("flag", "flag=", id="bare-key-gets-equals"),
        pytest.param("q=a%20b", "q=a+b", id="percent-20-becomes-plus"),
        pytest.param("q=a+b", "q=a+b", id="plus-round-trips"),
        pytest.param("a=1;b=2", "a=1%3Bb%3D2", id="semicolon-and-equals-escaped"),
        pytest.param("q=a&q=b", "q=a&q=b", id="repeats-kept"),
        pytest.param("k=%C3%A9", "k=%C3%A9", id="utf8-escaped"),
        pytest.param("k=*-._", "k=*-._", id="whatwg-safe-punctuation-kept"),
        pytest.param("k=~!'()", "k=%7E%21%27%28%29", id="other-punctuation-escaped"),
        pytest.param("k=a/b?c", "k=a%2Fb%3Fc", id="slash-and-question-mark-escaped"),
        pytest.param("x=%ZZ", "x=%25ZZ", id="literal-percent-escaped"),
        pytest.param("?", "", id="lone-question-mark-is-empty"),
    ],
)
def test_search_params_serialise_like_whatwg(query: str, serialised: str) -> None:
    assert str(URLSearchParams(query)) == serialised


# --- NextURL ------------------------------------------------------------------------------


def test_next_url_parts() -> None:
    url = NextURL("http://localhost:3000/api/search?q=a&q=b")
    assert url.protocol == "http:"
    assert url.hostname == "localhost"
    assert url.port == "3000"
    assert url.host == "localhost:3000"
    assert url.origin == "http://localhost:3000"
    assert url.pathname == "/api/search"
    assert url.search == "?q=a&q=b"
    assert url.search_params.get_all("q") == ["a", "b"]
    assert url.href == "http://localhost:3000/api/search?q=a&q=b"
    assert str(url) == url.href


def test_pathname_keeps_the_request_percent_escapes() -> None:
    url = NextURL("http://localhost:3000/api/url/a%20b/%C3%A9")
    assert url.pathname == "/api/url/a%20b/%C3%A9"
    assert url.href == "http://localhost:3000/api/url/a%20b/%C3%A9"


@pytest.mark.parametrize(
    ("href", "port", "host", "origin"),
    [
        pytest.param("http://example.com:80/", "", "example.com", "http://example.com", id="80"),
        pytest.param(
            "https://example.com:443/", "", "example.com", "https://example.com", id="443"
        ),
        pytest.param("http://example.com/", "", "example.com", "http://example.com", id="none"),
        pytest.param(
            "http://example.com:443/",
            "443",
            "example.com:443",
            "http://example.com:443",
            id="443-is-not-default-for-http",
        ),
        pytest.param(
            "https://example.com:8443/",
            "8443",
            "example.com:8443",
            "https://example.com:8443",
            id="custom-https-port",
        ),
    ],
)
def test_port_is_a_string_and_empty_for_the_scheme_default(
    href: str, port: str, host: str, origin: str
) -> None:
    url = NextURL(href)
    assert url.port == port
    assert url.host == host
    assert url.origin == origin


@pytest.mark.parametrize(
    ("href", "search"),
    [
        pytest.param("http://h/x?flag", "?flag=", id="bare-key-re-serialised"),
        pytest.param("http://h/x?q=a%20b", "?q=a+b", id="space-as-plus"),
        pytest.param("http://h/x?a=1;b=2", "?a=1%3Bb%3D2", id="semicolon-escaped"),
        pytest.param("http://h/x?", "", id="lone-question-mark"),
        pytest.param("http://h/x", "", id="no-query"),
    ],
)
def test_search_is_re_serialised_from_search_params(href: str, search: str) -> None:
    assert NextURL(href).search == search


def test_empty_path_reads_as_slash() -> None:
    assert NextURL("http://localhost:3000").pathname == "/"
    assert NextURL("http://localhost:3000?a=1").href == "http://localhost:3000/?a=1"


def test_changing_pathname_and_search_params_updates_href() -> None:
    url = NextURL("http://localhost:3000/api/a?x=1")
    url.pathname = "/api/b"
    url.search_params.append("y", "2 3")
    assert url.href == "http://localhost:3000/api/b?x=1&y=2+3"
    url.search = "?z=9"
    assert url.search_params.get("z") == "9"
    assert url.href == "http://localhost:3000/api/b?z=9"


def test_fragment_is_kept_in_href() -> None:
    url = NextURL("http://localhost:3000/a?b=1#top")
    assert url.hash == "#top"
    assert url.href == "http://localhost:3000/a?b=1#top"


def test_clone_is_an_equal_but_independent_copy() -> None:
    url = NextURL("https://example.com/api/x?a=1")
    copy = url.clone()
    assert copy.href == url.href
    copy.pathname = "/api/y"
    copy.search_params.set("a", "2")
    assert url.href == "https://example.com/api/x?a=1"
    assert copy.href == "https://example.com/api/y?a=2"


def test_clone_keeps_the_base_path_once() -> None:
    url = NextURL("http://localhost:3000/api/x", base_path="/docs")
    assert url.href == "http://localhost:3000/docs/api/x"
    assert url.clone().href == url.href


def test_ipv6_host_keeps_its_brackets() -> None:
    url = NextURL("http://[::1]:3000/p")
    assert url.host == "[::1]:3000"
    assert url.origin == "http://[::1]:3000"
    assert url.clone().href == "http://[::1]:3000/p"
