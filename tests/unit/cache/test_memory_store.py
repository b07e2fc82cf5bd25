"""MemoryStore: least recently used entries go first, by count and by bytes."""

from __future__ import annotations

import time

import pytest

from approutes.cache.memory_store import MemoryStore
from approutes.cache.store import CacheEntry

pytestmark = pytest.mark.anyio


def entry(value: bytes) -> CacheEntry:
    return CacheEntry(value, (), time.time(), None)


async def keys_kept(store: MemoryStore, keys: str) -> str:
    return "".join([key for key in keys if await store.get(key) is not None])


async def test_the_least_recently_used_entry_goes_when_there_are_too_many() -> None:
    store = MemoryStore(max_entries=3)
    for key in "abc":
        await store.set(key, entry(key.encode()))
    await store.get("a")  # a is now the most recently used, b the least
    await store.set("d", entry(b"d"))
    assert len(store) == 3
    assert await keys_kept(store, "abcd") == "acd"


async def test_replacing_an_entry_counts_as_a_use() -> None:
    store = MemoryStore(max_entries=2)
    await store.set("a", entry(b"1"))
    await store.set("b", entry(b"1"))
    await store.set("a", entry(b"2"))
    await store.set("c", entry(b"1"))
    assert await keys_kept(store, "abc") == "ac"


async def test_the_least_recently_used_entries_go_when_values_outgrow_max_bytes() -> None:
    store = MemoryStore(max_bytes=10)
    await store.set("a", entry(b"aaaa"))
    await store.set("b", entry(b"bbbb"))
    await store.get("a")
    await store.set("c", entry(b"cccc"))
    assert await keys_kept(store, "abc") == "ac"
    assert store.size_bytes == 8
    await store.set("d", entry(b"dddddddd"))
    assert await keys_kept(store, "abcd") == "d"
    assert store.size_bytes == 8


async def test_replacing_an_entry_recounts_its_bytes() -> None:
    store = MemoryStore(max_bytes=10)
    await store.set("a", entry(b"aaaaaaaa"))
    await store.set("a", entry(b"a"))
    await store.set("b", entry(b"bbbbbbbbb"))
    assert await keys_kept(store, "ab") == "ab"
    assert store.size_bytes == 10


async def test_a_value_larger_than_max_bytes_is_not_kept_and_evicts_nothing() -> None:
    store = MemoryStore(max_bytes=10)
    await store.set("small", entry(b"s"))
    await store.set("huge", entry(b"x" * 11))
    assert await store.get("huge") is None
    assert await store.get("small") is not None
    assert store.size_bytes == 1


async def test_an_invalidated_entry_gives_its_bytes_back() -> None:
    store = MemoryStore()
    await store.set("a", CacheEntry(b"12345", ("t",), time.time() - 1, None))
    await store.invalidate_tags(["t"])
    assert await store.get("a") is None
    assert store.size_bytes == 0
    assert len(store) == 0


@pytest.mark.parametrize(("entries", "size"), [(0, 1), (1, 0), (-1, 5)])
def test_bounds_must_be_positive(entries: int, size: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        MemoryStore(max_entries=entries, max_bytes=size)
