"""The cache store setting: which store each value opens, and the values refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from approutes.cache.file_store import FileStore
from approutes.cache.memory_store import MemoryStore
from approutes.cache.redis_store import RedisStore
from approutes.cache.resilient import ResilientStore
from approutes.cache.store import CacheEntry
from approutes.cache.store_url import NullStore, store_from_setting
from approutes.settings.cache_setting import check_store_setting

pytestmark = pytest.mark.anyio

ROOT = Path("/srv/project")


def opened(value: str | None, *, dev: bool = False) -> ResilientStore:
    store = store_from_setting(value, ROOT, dev=dev)
    assert isinstance(store, ResilientStore)
    return store


def test_unset_is_files_under_the_project_in_production() -> None:
    store = opened(None)
    assert isinstance(store.inner, FileStore)
    assert store.inner.directory == ROOT / ".approutes" / "cache"


def test_unset_is_memory_in_dev() -> None:
    assert isinstance(opened(None, dev=True).inner, MemoryStore)


@pytest.mark.parametrize(
    ("value", "directory"),
    [
        ("filesystem", ROOT / ".approutes" / "cache"),
        ("filesystem:var/cache", ROOT / "var" / "cache"),
        ("filesystem:/tmp/shared-cache", Path("/tmp/shared-cache")),
    ],
    ids=["default", "relative", "absolute"],
)
def test_filesystem_values_name_the_folder(value: str, directory: Path) -> None:
    store = opened(value, dev=True)
    assert isinstance(store.inner, FileStore)
    assert store.inner.directory == directory
    assert store.name == str(directory)


def test_memory_is_memory_in_production_too() -> None:
    assert isinstance(opened("memory").inner, MemoryStore)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("rediss://app:s3cret@cache.internal:6380", "rediss://app:***@cache.internal:6380"),
        ("redis://:s3cret@localhost", "redis://:***@localhost"),
    ],
)
async def test_redis_urls_open_a_redis_store_named_without_its_password(
    url: str, name: str
) -> None:
    store = opened(url)
    assert isinstance(store.inner, RedisStore)
    assert store.name == name
    assert "s3cret" not in repr(store)
    await store.close()


async def test_off_keeps_nothing_and_never_locks() -> None:
    store = opened("off")
    assert isinstance(store.inner, NullStore)
    await store.set("/k", CacheEntry(b"v", (), 0.0, None))
    assert await store.get("/k") is None
    assert await store.acquire("/k", ttl=5.0)
    assert await store.acquire("/k", ttl=5.0)
    await store.invalidate_tags(["t"])
    await store.release("/k")
    await store.close()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "unknown cache store ''"),
        ("Memory", "unknown cache store 'Memory'"),
        ("files", "unknown cache store 'files'"),
        ("filesystem:", "unknown cache store 'filesystem:'"),
        ("memcached://localhost", "unknown cache store 'memcached://localhost'"),
        ("redis://", "names no host"),
        ("redis://:pw@", "names no host"),
        ("redis://cache:port", "invalid Redis URL 'redis://cache:port'"),
        ("redis://cache:70000", "invalid Redis URL"),
    ],
)
def test_other_values_are_refused_listing_the_accepted_forms(value: str, problem: str) -> None:
    for check in (check_store_setting, lambda v: store_from_setting(v, ROOT, dev=False)):
        with pytest.raises(ValueError, match="use one of") as refused:
            check(value)
        message = str(refused.value)
        assert problem in message
        for form in ('"memory"', '"filesystem"', '"filesystem:<directory>"', "redis://", '"off"'):
            assert form in message
        assert "pw" not in message


@pytest.mark.parametrize(
    "value",
    ["memory", "filesystem", "filesystem:x", "off", "redis://h", "rediss://u:p@h:1/2"],
)
def test_accepted_values_pass_the_check(value: str) -> None:
    check_store_setting(value)
