"""One contract, every store: memory, files (in tmp_path) and a real redis-server."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import anyio
import pytest
from tests.redis_server import flush_redis, redis_url  # noqa: F401 - redis_url is a fixture

from approutes.cache.file_store import FileStore
from approutes.cache.memory_store import MemoryStore
from approutes.cache.redis_store import RedisStore
from approutes.cache.store import CacheEntry, CacheStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "file", "redis"])
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def open_store(
    store_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[[], CacheStore]:
    """Make another store of the kind under test, sharing what that kind shares."""
    if store_kind == "memory":
        shared = MemoryStore()
        return lambda: shared
    if store_kind == "file":
        return lambda: FileStore(tmp_path / "cache")
    url: str = request.getfixturevalue("redis_url")
    flush_redis(url)
    return lambda: RedisStore(url)


@pytest.fixture
async def store(open_store: Callable[[], CacheStore]) -> AsyncIterator[CacheStore]:
    opened = open_store()
    yield opened
    await opened.close()


def entry(
    value: bytes = b'{"ok":true}',
    tags: tuple[str, ...] = (),
    *,
    created: float | None = None,
    revalidate: float | None = None,
) -> CacheEntry:
    return CacheEntry(value, tags, time.time() if created is None else created, revalidate)


async def test_an_entry_set_is_got_back_unchanged(store: CacheStore) -> None:
    stored = entry(b"body", ("posts", "_N_T_/api/posts"), revalidate=60.0)
    await store.set("/api/posts", stored)
    assert await store.get("/api/posts") == stored


async def test_an_entry_without_revalidate_keeps_none(store: CacheStore) -> None:
    stored = entry(b"", ())
    await store.set("k", stored)
    got = await store.get("k")
    assert got == stored
    assert got is not None
    assert got.revalidate is None


async def test_a_key_never_set_is_missing(store: CacheStore) -> None:
    assert await store.get("/never") is None


async def test_set_replaces_the_previous_entry(store: CacheStore) -> None:
    await store.set("k", entry(b"first", ("a",)))
    second = entry(b"second", ("b",))
    await store.set("k", second)
    assert await store.get("k") == second


async def test_keys_are_distinct(store: CacheStore) -> None:
    await store.set("/a", entry(b"a"))
    await store.set("/b", entry(b"b"))
    assert [await store.get("/a"), await store.get("/b")] == [entry_of(b"a"), entry_of(b"b")]


def entry_of(value: bytes) -> object:
    """Compare by value only (created differs between calls)."""
    return _ValueIs(value)


class _ValueIs:
    def __init__(self, value: bytes) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CacheEntry) and other.value == self.value

    __hash__ = None  # type: ignore[assignment]


async def test_invalidating_a_tag_hides_the_entries_carrying_it_only(store: CacheStore) -> None:
    await store.set("/posts", entry(b"p", ("posts", "all")))
    await store.set("/users", entry(b"u", ("users", "all")))
    await store.set("/plain", entry(b"x"))
    await store.invalidate_tags(["posts"])
    assert await store.get("/posts") is None
    assert await store.get("/users") == entry_of(b"u")
    assert await store.get("/plain") == entry_of(b"x")


async def test_invalidating_several_tags_at_once(store: CacheStore) -> None:
    await store.set("/a", entry(b"a", ("ta",)))
    await store.set("/b", entry(b"b", ("tb",)))
    await store.set("/c", entry(b"c", ("tc",)))
    await store.invalidate_tags(("ta", "tb"))
    assert [await store.get(k) for k in ("/a", "/b")] == [None, None]
    assert await store.get("/c") == entry_of(b"c")


async def test_invalidating_no_tags_changes_nothing(store: CacheStore) -> None:
    await store.set("/a", entry(b"a", ("ta",)))
    await store.invalidate_tags([])
    assert await store.get("/a") == entry_of(b"a")


async def test_an_entry_made_after_the_invalidation_is_visible(store: CacheStore) -> None:
    await store.set("/posts", entry(b"old", ("posts",)))
    await store.invalidate_tags(["posts"])
    fresh = entry(b"new", ("posts",), created=time.time() + 1.0)
    await store.set("/posts", fresh)
    assert await store.get("/posts") == fresh


async def test_an_entry_made_before_the_invalidation_stays_hidden_when_set_later(
    store: CacheStore,
) -> None:
    # A render that started before revalidate_tag() must not resurrect old data.
    started = time.time() - 5.0
    await store.invalidate_tags(["posts"])
    await store.set("/posts", entry(b"rendered from old data", ("posts",), created=started))
    assert await store.get("/posts") is None


async def test_invalidations_are_seen_by_another_store_on_the_same_backend(
    open_store: Callable[[], CacheStore],
) -> None:
    writer, reader = open_store(), open_store()
    try:
        await writer.set("/posts", entry(b"p", ("posts",)))
        assert await reader.get("/posts") == entry_of(b"p")
        await reader.invalidate_tags(["posts"])
        assert await writer.get("/posts") is None
    finally:
        await writer.close()
        await reader.close()


async def test_marking_a_tag_stale_serves_its_entries_stale_and_leaves_the_rest(
    store: CacheStore,
) -> None:
    made = time.time() - 1.0
    await store.set("/posts", entry(b"p", ("posts",), created=made, revalidate=3600.0))
    await store.set("/users", entry(b"u", ("users",), created=made, revalidate=3600.0))
    await store.invalidate_tags(["posts"], stale=True)

    posts, users = await store.get("/posts"), await store.get("/users")

    assert posts is not None
    assert (posts.value, posts.tags, posts.created) == (b"p", ("posts",), made)
    assert posts.is_stale(time.time())
    assert users is not None
    assert not users.is_stale(time.time())


async def test_an_entry_made_after_the_stale_mark_is_fresh(store: CacheStore) -> None:
    await store.invalidate_tags(["posts"], stale=True)
    fresh = entry(b"new", ("posts",), created=time.time() + 1.0, revalidate=3600.0)
    await store.set("/posts", fresh)
    assert await store.get("/posts") == fresh


async def test_stale_marks_are_seen_by_another_store_and_expiry_still_wins(
    open_store: Callable[[], CacheStore],
) -> None:
    writer, reader = open_store(), open_store()
    try:
        await writer.set("/posts", entry(b"p", ("posts",), created=time.time() - 1.0))
        await reader.invalidate_tags(["posts"], stale=True)
        marked = await writer.get("/posts")
        assert marked is not None
        assert marked.is_stale(time.time())
        await reader.invalidate_tags(["posts"])
        assert await writer.get("/posts") is None
    finally:
        await writer.close()
        await reader.close()


async def test_a_stale_entry_is_still_returned(store: CacheStore) -> None:
    made = time.time() - 120.0
    stale = entry(b"stale", ("t",), created=made, revalidate=60.0)
    await store.set("/s", stale)
    got = await store.get("/s")
    assert got == stale
    assert got is not None
    assert got.is_stale(time.time())
    assert not got.is_stale(made + 59.0)


async def test_the_lock_is_taken_once_until_released(store: CacheStore) -> None:
    assert await store.acquire("/posts", ttl=30.0)
    assert not await store.acquire("/posts", ttl=30.0)
    assert await store.acquire("/other", ttl=30.0)
    await store.release("/posts")
    assert await store.acquire("/posts", ttl=30.0)
    await store.release("/posts")
    await store.release("/other")


async def test_the_lock_is_free_again_after_its_ttl(store: CacheStore) -> None:
    assert await store.acquire("/slow", ttl=0.05)
    assert not await store.acquire("/slow", ttl=30.0)
    deadline = time.monotonic() + 5.0
    while not await store.acquire("/slow", ttl=30.0):
        assert time.monotonic() < deadline, "the expired lock was never free again"
        await anyio.sleep(0.01)
    await store.release("/slow")


async def test_releasing_a_lock_not_held_is_harmless(store: CacheStore) -> None:
    await store.release("/nobody")
    assert await store.acquire("/nobody", ttl=30.0)


async def test_the_lock_is_shared_with_another_store_on_the_same_backend(
    open_store: Callable[[], CacheStore],
) -> None:
    first, second = open_store(), open_store()
    try:
        assert await first.acquire("/k", ttl=30.0)
        assert not await second.acquire("/k", ttl=30.0)
        await first.release("/k")
        assert await second.acquire("/k", ttl=30.0)
        await second.release("/k")
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("size", [0, 1, 1000, 300_000, 4 * 1024 * 1024], ids=str)
async def test_values_of_any_size_round_trip(store: CacheStore, size: int) -> None:
    value = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    await store.set("/big", entry(value))
    got = await store.get("/big")
    assert got is not None
    assert got.value == value


ODD_KEYS = [
    "",
    "/api/posts?page=2&sort=-date",
    'GET /api/users/[id] {"id": "42"}',
    "../../etc/passwd",
    "C:\\Windows\\win.ini",
    "ünïcødé/ключ/鍵/🎉",
    "line\nbreak\ttab\r\x00nul",
    "approutes:tags",
    "a" * 5000,
]


@pytest.mark.parametrize("key", ODD_KEYS, ids=lambda key: repr(key)[:30])
async def test_keys_with_odd_characters_are_kept_apart(store: CacheStore, key: str) -> None:
    await store.set(key, entry(key.encode("utf-8", "surrogatepass"), ("t",)))
    await store.set(key + "/", entry(b"neighbour"))
    got = await store.get(key)
    assert got is not None
    assert got.value == key.encode("utf-8", "surrogatepass")
    assert await store.acquire(key, ttl=30.0)
    assert not await store.acquire(key, ttl=30.0)
    await store.release(key)


async def test_tags_with_odd_characters_invalidate_exactly(store: CacheStore) -> None:
    tags = ("_N_T_/api/posts/[slug]", "ünï 🎉", "a,b", "", "x" * 300)
    for index, tag in enumerate(tags):
        await store.set(f"/{index}", entry(str(index).encode(), (tag, "shared")))
    await store.invalidate_tags(["ünï 🎉"])
    got = [await store.get(f"/{index}") for index in range(len(tags))]
    assert [g is None for g in got] == [False, True, False, False, False]
