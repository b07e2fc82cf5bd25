"""The binary form of an entry: round trips, and refuses every cut or flipped byte."""

from __future__ import annotations

import pytest

from approutes.cache.entry_codec import decode_entry, encode_entry
from approutes.cache.store import CacheEntry

ENTRIES = [
    CacheEntry(b"", (), 0.0, None),
    CacheEntry(b"body", ("a",), 1_700_000_000.123456, 0.0),
    CacheEntry(b"\x00\xff" * 100, ("", "ünï 🎉", "x" * 1000), 1.5, 3600.0),
]


@pytest.mark.parametrize("entry", ENTRIES, ids=["empty", "zero-revalidate", "odd-tags"])
def test_an_entry_round_trips_exactly(entry: CacheEntry) -> None:
    assert decode_entry(encode_entry(entry)) == entry


def test_every_truncation_reads_as_nothing() -> None:
    data = encode_entry(CacheEntry(b"value", ("tag", "other"), 12.5, 60.0))
    assert [n for n in range(len(data)) if decode_entry(data[:n]) is not None] == []


def test_every_single_flipped_bit_reads_as_nothing() -> None:
    data = encode_entry(CacheEntry(b"value", ("tag", "other"), 12.5, 60.0))
    survivors = [
        (index, bit)
        for index in range(len(data))
        for bit in range(8)
        if decode_entry(data[:index] + bytes([data[index] ^ (1 << bit)]) + data[index + 1 :])
        is not None
    ]
    assert survivors == []


def test_too_many_tags_are_refused() -> None:
    with pytest.raises(ValueError, match="at most 65535 tags"):
        encode_entry(CacheEntry(b"", ("t",) * 70_000, 0.0, None))


def test_a_tag_too_long_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than 65535 bytes"):
        encode_entry(CacheEntry(b"", ("t" * 70_000,), 0.0, None))
