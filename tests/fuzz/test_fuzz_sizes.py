"""Property tests for parse_size: "<n><unit>" strings, byte counts, and anything else."""

from __future__ import annotations

from fractions import Fraction
from math import floor
from typing import cast

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from approutes.settings.sizes import parse_size

_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
_SPACE = st.sampled_from(["", "", " ", "  ", "\t"])


def _any_case(draw: st.DrawFn, text: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c for c in text)


@st.composite
def sizes(draw: st.DrawFn) -> tuple[str, int]:
    """A size as people write it, and its number of bytes (units are powers of 1024)."""
    whole = draw(st.integers(0, 2**40))
    # Quarters are exact in binary, so the float arithmetic inside cannot round them.
    fraction = draw(st.sampled_from(["", ".0", ".5", ".25", ".75", ".00"]))
    unit = draw(st.sampled_from(list(_UNITS)))
    text = draw(_SPACE) + f"{whole}{fraction}" + draw(_SPACE) + _any_case(draw, unit)
    text += draw(_SPACE)
    return text, floor(Fraction(f"{whole}{fraction}") * _UNITS[unit])


@given(sizes())
def test_a_written_size_parses_to_its_byte_count(case: tuple[str, int]) -> None:
    text, expected = case
    assert parse_size(text) == expected


@given(st.integers(min_value=0))
def test_a_byte_count_is_itself(count: int) -> None:
    assert parse_size(count) == count


@given(st.integers(max_value=-1))
def test_a_negative_byte_count_is_refused(count: int) -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_size(count)


# Numbers with many digits: the float behind the parse reaches infinity past ~1e308.
_LONG_NUMBERS = st.builds(
    lambda head, zeros, unit: f"{head}{'0' * zeros}{unit}",
    st.integers(1, 99),
    st.sampled_from(range(0, 401, 5)),
    st.sampled_from(["", "b", "kb", "tb", ".5mb"]),
)
_ANYTHING = st.one_of(
    st.text(),
    st.text("0123456789.kmgtbKMGTB -+e_"),
    _LONG_NUMBERS,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@given(_ANYTHING)
@example("1" + "0" * 400)
@example("1" + "0" * 305 + "tb")
def test_anything_parses_or_raises_value_error(value: object) -> None:
    try:
        size = parse_size(cast("str", value))
    except (ValueError, TypeError):
        return
    assert isinstance(size, int)
    assert size >= 0
