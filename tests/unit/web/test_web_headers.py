"""Headers: case-insensitive, multi-valued, read-only on a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from approutes.web.headers import HeaderLines, Headers, extend_headers, header_value

if TYPE_CHECKING:
    from collections.abc import Callable


def test_names_are_case_insensitive() -> None:
    headers = Headers({"Content-Type": "text/plain"})
    assert headers.get("content-type") == "text/plain"
    assert headers.get("CONTENT-TYPE") == "text/plain"
    assert headers.has("Content-type")
    assert "CONTENT-TYPE" in headers
    assert headers.keys() == ["content-type"]


def test_absent_header_reads_as_none() -> None:
    headers = Headers()
    assert headers.get("x-missing") is None
    assert headers.get_all("x-missing") == []
    assert not headers.has("x-missing")
    assert "x-missing" not in headers
    assert 42 not in headers


def test_get_joins_repeated_values_and_get_all_keeps_them_apart() -> None:
    headers = Headers([("Accept", "text/html"), ("X-Other", "1"), ("accept", "application/json")])
    assert headers.get("accept") == "text/html, application/json"
    assert headers.get_all("ACCEPT") == ["text/html", "application/json"]


def test_set_replaces_every_value() -> None:
    headers = Headers([("vary", "a"), ("vary", "b")])
    headers.set("Vary", "c")
    assert headers.get_all("vary") == ["c"]


def test_append_keeps_existing_values() -> None:
    headers = Headers({"vary": "a"})
    headers.append("VARY", "b")
    assert headers.get("vary") == "a, b"


def test_delete_removes_every_value() -> None:
    headers = Headers([("vary", "a"), ("Vary", "b"), ("x", "1")])
    headers.delete("VARY")
    assert not headers.has("vary")
    assert headers.keys() == ["x"]


def test_items_join_repeats_but_keep_set_cookie_lines_apart() -> None:
    headers = Headers()
    headers.append("Vary", "a")
    headers.append("Set-Cookie", "a=1")
    headers.append("vary", "b")
    headers.append("set-cookie", "b=2")
    assert headers.items() == [
        ("vary", "a, b"),
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
    ]
    assert headers.get_all("set-cookie") == ["a=1", "b=2"]


def test_iteration_and_len_give_each_name_once_in_first_seen_order() -> None:
    headers = Headers([("B", "1"), ("a", "2"), ("b", "3")])
    assert list(headers) == ["b", "a"]
    assert len(headers) == 2
    assert headers.values() == ["1, 3", "2"]


def test_raw_keeps_every_line_with_lower_case_names() -> None:
    headers = Headers([("X-A", "1"), ("x-a", "2")])
    assert headers.raw() == [("x-a", "1"), ("x-a", "2")]


def test_copy_of_headers_is_independent() -> None:
    original = Headers({"x": "1"})
    copy = Headers(original)
    copy.set("x", "2")
    assert original.get("x") == "1"
    assert copy.get("x") == "2"


def test_values_are_converted_to_str() -> None:
    headers = Headers({"content-length": 12})  # type: ignore[arg-type]
    assert headers.get("content-length") == "12"


def test_request_headers_from_asgi_are_lower_case_and_latin1() -> None:
    headers = Headers.from_asgi([(b"Host", b"localhost"), (b"X-Name", "café".encode("latin-1"))])
    assert headers.get("host") == "localhost"
    assert headers.get("x-name") == "café"
    assert headers.keys() == ["host", "x-name"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda h: h.set("x", "2"), id="set"),
        pytest.param(lambda h: h.append("x", "2"), id="append"),
        pytest.param(lambda h: h.delete("x"), id="delete"),
    ],
)
def test_request_headers_are_read_only(change: Callable[[Headers], None]) -> None:
    headers = Headers.from_asgi([(b"x", b"1")])
    with pytest.raises(TypeError, match="read-only"):
        change(headers)
    assert headers.get_all("x") == ["1"]


def test_a_copy_of_request_headers_is_writable() -> None:
    copy = Headers(Headers.from_asgi([(b"x", b"1")]))
    copy.set("x", "2")
    assert copy.get("x") == "2"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("a\r\nSet-Cookie: evil=1", id="crlf"),
        pytest.param("a\nb", id="lf"),
        pytest.param("a\rb", id="cr"),
    ],
)
def test_header_values_with_line_breaks_are_refused(value: str) -> None:
    headers = Headers()
    with pytest.raises(ValueError, match="line break"):
        headers.set("x", value)
    with pytest.raises(ValueError, match="line break"):
        headers.append("x", value)
    with pytest.raises(ValueError, match="line break"):
        Headers({"x": value})
    with pytest.raises(ValueError, match="line break"):
        Headers([("x", value)])
    assert not headers.has("x")


# --- names checked once; lines checked once -------------------------------------------------


@pytest.mark.parametrize("name", ["x a", "x:y", "", "x\r\n", "café"])
def test_a_bad_name_is_refused_every_time_with_the_same_error(name: str) -> None:
    headers = Headers()
    errors = []
    for _ in range(3):
        with pytest.raises(ValueError, match="is not a valid HTTP token") as caught:
            headers.set(name, "1")
        errors.append(str(caught.value))
    assert errors == [f"header name {name!r} is not a valid HTTP token"] * 3
    assert headers.raw() == []


def test_a_name_checked_once_is_still_lower_cased_in_any_spelling() -> None:
    headers = Headers()
    headers.set("X-Checked-Once", "1")
    headers.append("X-CHECKED-ONCE", "2")
    headers.set("x-checked-once", "3")
    assert headers.raw() == [("x-checked-once", "3")]


def test_names_from_requests_cannot_grow_the_checked_names_without_bound() -> None:
    from approutes.web import headers as module  # noqa: PLC0415 - its private bound

    headers = Headers()
    for number in range(module._CHECKED_NAMES_LIMIT + 500):
        headers.append(f"x-echo-{number}", "1")
    assert len(module._CHECKED_NAMES) <= module._CHECKED_NAMES_LIMIT
    headers.append("x-past-the-bound", "1")  # still checked, still accepted
    with pytest.raises(ValueError, match="not a valid HTTP token"):
        headers.append("x past the bound", "1")


def test_set_replaces_the_lines_of_its_name_wherever_they_are() -> None:
    headers = Headers([("x", "1"), ("y", "2"), ("x", "3")])
    headers.set("X", "4")
    headers.set("z", "5")
    assert headers.raw() == [("y", "2"), ("x", "4"), ("z", "5")]


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        pytest.param("plain ~!", "plain ~!", id="ascii"),
        pytest.param("a\tb", "a\tb", id="tab"),
        pytest.param("José", "José", id="latin-1"),
    ],
)
def test_header_value_keeps_printable_text_and_tabs(value: str, sent: str) -> None:
    assert header_value("x", value) == sent


@pytest.mark.parametrize(
    ("value", "error"),
    [
        pytest.param("a\x01b", "contains a control character", id="control"),
        pytest.param("a\x7fb", "contains a control character", id="delete"),
        pytest.param("a\x00", "contains a control character", id="nul"),
        pytest.param("Ā", "outside Latin-1", id="wide"),
    ],
)
def test_header_value_refuses_control_characters_and_wide_text(value: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        header_value("x", value)


def test_header_lines_are_checked_as_append_checks_them() -> None:
    with pytest.raises(ValueError, match="not a valid HTTP token"):
        HeaderLines.check([("x a", "1")])
    with pytest.raises(ValueError, match="line break"):
        HeaderLines.check([("x", "a\nb")])
    lines = HeaderLines.check([("X-A", "1"), ("Location", "/café")], replace=["X-A"])
    assert lines.text == (("x-a", "1"), ("location", "/caf%C3%A9"))
    assert lines.encoded == ((b"x-a", b"1"), (b"location", b"/caf%C3%A9"))
    assert lines.replaces == {"x-a"}


def test_extend_headers_replaces_only_the_names_it_is_told_to() -> None:
    headers = Headers([("vary", "Accept"), ("x-a", "0"), ("x-b", "0")])
    lines = HeaderLines.check([("vary", "Origin"), ("x-a", "1")], replace=["x-a"])
    extend_headers(headers, lines)
    assert headers.raw() == [("vary", "Accept"), ("x-b", "0"), ("vary", "Origin"), ("x-a", "1")]
