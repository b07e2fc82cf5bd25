"""RedisStore against a real redis-server: shared invalidations, locks, expiry, outages."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import pytest
import redis.asyncio
from tests.conftest import free_port
from tests.redis_server import flush_redis, running_redis_server

from approutes.cache.redis_store import RedisStore
from approutes.cache.resilient import ResilientStore
from approutes.cache.store import CacheEntry

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with running_redis_server() as url:
        yield url


@pytest.fixture
def url(server_url: str) -> str:
    flush_redis(server_url)
    return server_url


@pytest.fixture
async def two_stores(url: str) -> AsyncIterator[tuple[RedisStore, RedisStore]]:
    first, second = RedisStore(url), RedisStore(url)
    yield first, second
    await first.close()
    await second.close()


@pytest.fixture
async def raw(url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(url)
    yield client
    await client.aclose()


def entry(value: bytes, tags: tuple[str, ...] = (), revalidate: float | None = None) -> CacheEntry:
    return CacheEntry(value, tags, time.time(), revalidate)


async def test_an_invalidation_on_one_instance_is_seen_by_the_other_at_once(
    two_stores: tuple[RedisStore, RedisStore],
) -> None:
    first, second = two_stores
    await first.set("/posts", entry(b"posts", ("posts",)))
    await first.set("/users", entry(b"users", ("users",)))
    assert await second.get("/posts") is not None
    await second.invalidate_tags(["posts"])
    assert await first.get("/posts") is None
    assert await first.get("/users") is not None
    fresh = CacheEntry(b"new", ("posts",), time.time() + 1.0, None)
    await second.set("/posts", fresh)
    assert await first.get("/posts") == fresh


async def test_twenty_tasks_on_two_clients_race_for_a_lock_and_exactly_one_wins(
    two_stores: tuple[RedisStore, RedisStore],
) -> None:
    first, second = two_stores
    for key in (f"/race/{n}" for n in range(5)):
        results = await asyncio.gather(
            *((first if n % 2 else second).acquire(key, ttl=30.0) for n in range(20))
        )
        assert results.count(True) == 1


async def test_release_deletes_only_the_holders_own_lock(
    two_stores: tuple[RedisStore, RedisStore],
) -> None:
    first, second = two_stores
    assert await first.acquire("/k", ttl=0.05)
    await asyncio.sleep(0.1)
    assert await second.acquire("/k", ttl=30.0)
    await first.release("/k")
    assert not await first.acquire("/k", ttl=30.0)
    await second.release("/k")
    assert await first.acquire("/k", ttl=30.0)


async def test_entries_with_revalidate_expire_long_after_they_turn_stale(
    url: str, raw: redis.asyncio.Redis
) -> None:
    store = RedisStore(url)
    day_ms = 86_400_000
    await store.set("/minute", entry(b"m", revalidate=60.0))
    await store.set("/week", entry(b"w", revalidate=7 * 86_400.0))
    await store.set("/forever", entry(b"f"))
    assert day_ms - 5000 < await raw.pttl(b"approutes:entry:/minute") <= day_ms
    assert 70 * day_ms - 5000 < await raw.pttl(b"approutes:entry:/week") <= 70 * day_ms
    assert await raw.pttl(b"approutes:entry:/forever") == -1
    stale = CacheEntry(b"stale", (), time.time() - 3600, 60.0)
    await store.set("/stale", stale)
    assert await store.get("/stale") == stale
    await store.close()


async def test_keys_live_under_the_approutes_prefix(url: str, raw: redis.asyncio.Redis) -> None:
    store = RedisStore(url)
    await store.set("/k", entry(b"v", ("t",)))
    await store.invalidate_tags(["t"])
    assert await store.acquire("/k", ttl=30.0)
    keys = sorted(await raw.keys("*"))
    assert keys == [b"approutes:entry:/k", b"approutes:lock:/k", b"approutes:tags"]
    assert await raw.hkeys(b"approutes:tags") == [b"t"]
    await store.close()


async def test_an_invalidation_time_never_moves_back(url: str, raw: redis.asyncio.Redis) -> None:
    later = time.time() + 3600
    await raw.hset(b"approutes:tags", b"t", repr(later))
    store = RedisStore(url)
    await store.invalidate_tags(["t"])
    assert float(await raw.hget(b"approutes:tags", b"t") or 0) == later
    await store.close()


async def test_an_entry_with_hundreds_of_tags_is_checked_against_all(url: str) -> None:
    store = RedisStore(url)
    tags = tuple(f"tag-{n}" for n in range(1200))
    await store.set("/many", entry(b"v", tags))
    assert await store.get("/many") is not None
    await store.invalidate_tags(["tag-1150"])
    assert await store.get("/many") is None
    await store.close()


async def test_a_foreign_value_under_an_entry_key_reads_as_missing(
    url: str, raw: redis.asyncio.Redis
) -> None:
    await raw.set(b"approutes:entry:/junk", b"not an entry")
    await raw.set(b"approutes:entry:/short", b"ARCE\x01\x00")
    store = RedisStore(url)
    assert await store.get("/junk") is None
    assert await store.get("/short") is None
    await store.close()


async def test_a_down_redis_degrades_to_no_cache_with_one_warning_then_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="approutes.cache")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    store = ResilientStore(RedisStore(url), url, retry_after=0.0)

    async def use_the_down_store() -> None:
        for _ in range(5):
            assert await store.get("/k") is None
            await store.set("/k", entry(b"v"))
            assert await store.acquire("/k", ttl=5.0)
            await store.invalidate_tags(["t"])
            await store.release("/k")

    # NOTE: the deadline is a hang guard (a call waiting on a connect timeout), not the subject.
    await asyncio.wait_for(use_the_down_store(), timeout=20)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"cache store {url} unreachable; serving without cache: ")

    with running_redis_server(port):
        await store.set("/k", entry(b"back"))
        got = await store.get("/k")
        assert got is not None
        assert got.value == b"back"
        assert await store.acquire("/k", ttl=5.0)
        assert not await store.acquire("/k", ttl=5.0)
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert infos == [f"cache store {url} is back; caching again"]
    await store.close()


async def test_a_restarted_redis_is_used_again_without_a_new_store(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    store = ResilientStore(RedisStore(url), url, retry_after=0.0)
    with running_redis_server(port):
        await store.set("/k", entry(b"one"))
        assert await store.get("/k") is not None
    assert await store.get("/k") is None
    with running_redis_server(port):
        assert await store.get("/k") is None  # a fresh server: empty
        await store.set("/k", entry(b"two"))
        got = await store.get("/k")
        assert got is not None
        assert got.value == b"two"
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    await store.close()
