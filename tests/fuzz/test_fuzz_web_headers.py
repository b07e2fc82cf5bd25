"""Property tests for Headers against a reference: a dict of lists with lower-case keys."""

from __future__ import annotations

import re
from typing import Literal, TypeAlias

import pytest
from hypothesis import example, given, note
from hypothesis import strategies as st

from approutes.web.headers import Headers

_SURROGATES: Literal["Cs"] = "Cs"
_CONTROLS = "".join(chr(c) for c in range(32) if c != 9) + "\x7f"
_NAMES = ["Vary", "vary", "VARY", "X-A", "x-a", "Set-Cookie", "set-cookie", "Content-Type"]
header_names = st.one_of(
    st.sampled_from(_NAMES), st.from_regex(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,6}", fullmatch=True)
)
# Header values may hold a tab but no other control character (C0 or DEL), and only Latin-1.
header_values = st.text(
    st.characters(
        exclude_categories=(_SURROGATES,), exclude_characters=_CONTROLS, max_codepoint=0xFF
    ),
    max_size=8,
)
wide_values = st.tuples(
    header_values,
    st.characters(min_codepoint=0x100, exclude_categories=(_SURROGATES,)),
    header_values,
).map("".join)
bad_values = st.tuples(
    header_values, st.sampled_from(["\r", "\n", "\r\n", "\x00", "\x1f", "\x7f"]), header_values
).map("".join)

Op: TypeAlias = tuple[str, str, str]
operations = st.one_of(
    st.tuples(st.just("append"), header_names, header_values),
    st.tuples(st.just("set"), header_names, header_values),
    st.tuples(st.just("delete"), header_names, st.just("")),
)


class ReferenceHeaders:
    """What Headers should do: a dict (insertion-ordered) of lists, keys lower-cased."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in pairs:
            self.append(name, value)

    def append(self, name: str, value: str) -> None:
        self.values.setdefault(name.lower(), []).append(value)

    def set(self, name: str, value: str) -> None:
        self.values.pop(name.lower(), None)
        self.values[name.lower()] = [value]

    def delete(self, name: str) -> None:
        self.values.pop(name.lower(), None)

    def items(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for key, values in self.values.items():
            if key == "set-cookie":
                out.extend((key, v) for v in values)
            else:
                out.append((key, ", ".join(values)))
        return out


def apply(target: Headers | ReferenceHeaders, op: Op) -> None:
    kind, name, value = op
    if kind == "append":
        target.append(name, value)
    elif kind == "set":
        target.set(name, value)
    else:
        target.delete(name)


def assert_same(headers: Headers, reference: ReferenceHeaders, names: list[str]) -> None:
    for name in [*names, *_NAMES]:
        values = reference.values.get(name.lower(), [])
        assert headers.get_all(name) == values
        assert headers.get(name) == (", ".join(values) if values else None)
        assert headers.has(name) == bool(values)
        assert (name in headers) == bool(values)
    assert headers.keys() == list(reference.values)
    assert list(headers) == list(reference.values)
    assert len(headers) == len(reference.values)
    assert headers.items() == reference.items()
    assert headers.values() == [v for _, v in reference.items()]


@given(st.lists(st.tuples(header_names, header_values), max_size=4), st.lists(operations))
def test_headers_behave_like_a_case_insensitive_dict_of_lists(
    initial: list[tuple[str, str]], ops: list[Op]
) -> None:
    headers = Headers(initial)
    reference = ReferenceHeaders(initial)
    names = [name for name, _ in initial] + [name for _, name, _ in ops]
    assert_same(headers, reference, names)
    for op in ops:
        note(f"{op!r}")
        apply(headers, op)
        apply(reference, op)
        assert_same(headers, reference, names)
    assert Headers(headers).raw() == headers.raw()


@given(
    st.lists(st.tuples(header_names, header_values), max_size=4),
    st.sampled_from(["append", "set"]),
    header_names,
    bad_values,
)
@example(initial=[("a", "1")], kind="set", name="a", value="\n")
def test_a_value_with_a_control_character_is_refused_and_changes_nothing(
    initial: list[tuple[str, str]], kind: str, name: str, value: str
) -> None:
    headers = Headers(initial)
    before = list(headers.raw())
    try:
        apply(headers, (kind, name, value))
    except ValueError:
        pass
    else:
        raise AssertionError(f"{kind}({name!r}, {value!r}) accepted a line break")
    assert headers.raw() == before


@given(
    st.lists(st.tuples(header_names, header_values), max_size=4),
    st.sampled_from(["append", "set"]),
    header_names,
    wide_values,
)
def test_a_value_outside_latin_1_is_refused_naming_the_header_and_changes_nothing(
    initial: list[tuple[str, str]], kind: str, name: str, value: str
) -> None:
    headers = Headers(initial)
    before = list(headers.raw())
    with pytest.raises(ValueError, match=f"header {re.escape(name.lower())} .* outside Latin-1"):
        apply(headers, (kind, name, value))
    assert headers.raw() == before


@given(st.text(st.characters(exclude_categories=(_SURROGATES,), exclude_characters=_CONTROLS)))
def test_a_location_is_sent_as_ascii_keeping_what_was_ascii(target: str) -> None:
    try:
        sent = Headers({"Location": "/" + target}).get("location") or ""
    except ValueError:
        return  # NOTE: only a host IDNA refuses; a path is always encoded
    assert sent.isascii()
    if target.isascii():
        assert sent == "/" + target
