"""parse_size: byte sizes as people write them."""

from __future__ import annotations

import pytest

from approutes.settings.sizes import parse_size


@pytest.mark.parametrize(
    ("value", "size"),
    [
        pytest.param("1mb", 1_048_576, id="1mb-is-1024-squared"),
        pytest.param("1kb", 1024, id="1kb"),
        pytest.param("4 MB", 4 * 1024**2, id="space-and-upper-case"),
        pytest.param("  10KB  ", 10 * 1024, id="surrounding-space"),
        pytest.param("1gb", 1024**3, id="gb"),
        pytest.param("1tb", 1024**4, id="tb"),
        pytest.param("100b", 100, id="bytes-unit"),
        pytest.param("512", 512, id="number-string-is-bytes"),
        pytest.param("1.5kb", 1536, id="fraction"),
        pytest.param("0", 0, id="zero-string"),
        pytest.param(512, 512, id="int"),
        pytest.param(0, 0, id="zero-int"),
    ],
)
def test_parse_size_counts_bytes(value: str | int, size: int) -> None:
    assert parse_size(value) == size


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("lots", id="words"),
        pytest.param("-1kb", id="negative-string"),
        pytest.param(-1, id="negative-int"),
        pytest.param("1pb", id="unknown-unit"),
        pytest.param("1 m b", id="split-unit"),
        pytest.param("kb", id="unit-without-number"),
        pytest.param("1e3", id="exponent"),
        pytest.param(True, id="bool"),
    ],
)
def test_parse_size_refuses_what_is_not_a_size(value: str | int) -> None:
    with pytest.raises(ValueError, match=r"size|negative"):
        parse_size(value)
