"""ResilientStore: a store that fails degrades to no cache, warns once, and comes back."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import anyio
import pytest

from approutes.cache.file_store import FileStore
from approutes.cache.resilient import ResilientStore
from approutes.cache.store import CacheEntry

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.anyio


def entry() -> CacheEntry:
    return CacheEntry(b"v", ("t",), time.time(), None)


def broken_file_store(tmp_path: Path) -> tuple[FileStore, Path]:
    """A real FileStore whose folder is a plain file: every call raises NotADirectoryError."""
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    return FileStore(blocker), blocker


def messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "approutes.cache" and record.levelno == level
    ]


async def test_a_failing_store_degrades_every_call_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inner, blocker = broken_file_store(tmp_path)
    store = ResilientStore(inner, str(blocker), retry_after=0.0)
    with pytest.raises(NotADirectoryError):
        await inner.get("/k")
    for _ in range(3):
        await store.set("/k", entry())
        assert await store.get("/k") is None
        await store.invalidate_tags(["t"])
        assert await store.acquire("/k", ttl=5.0)
        assert await store.acquire("/k", ttl=5.0)
        await store.release("/k")
    await store.close()
    (warning,) = messages(caplog, logging.WARNING)
    assert warning.startswith(f"cache store {blocker} unreachable; serving without cache: ")
    assert "NotADirectoryError" in warning
    assert store.is_down


async def test_the_store_is_used_again_once_it_works_and_that_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="approutes.cache")
    inner, blocker = broken_file_store(tmp_path)
    store = ResilientStore(inner, "files", retry_after=0.0)
    assert await store.get("/k") is None
    blocker.unlink()
    await store.set("/k", entry())
    assert await store.get("/k") is not None
    assert await store.acquire("/k", ttl=5.0)
    assert not await store.acquire("/k", ttl=5.0)
    assert not store.is_down
    assert messages(caplog, logging.INFO) == ["cache store files is back; caching again"]
    assert len(messages(caplog, logging.WARNING)) == 1


async def test_a_new_outage_warns_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    inner, blocker = broken_file_store(tmp_path)
    store = ResilientStore(inner, "files", retry_after=0.0)
    await store.get("/k")
    blocker.unlink()
    await store.get("/k")
    blocker.write_text("broken again")
    await store.get("/k")
    assert len(messages(caplog, logging.WARNING)) == 2


async def test_after_a_failure_the_store_is_left_alone_for_retry_after(
    tmp_path: Path,
) -> None:
    inner, blocker = broken_file_store(tmp_path)
    store = ResilientStore(inner, "files", retry_after=0.2)
    await store.get("/k")
    blocker.unlink()
    await inner.set("/k", entry())
    assert await store.get("/k") is None, "asked the store again before retry_after"
    deadline = time.monotonic() + 5.0
    while await store.get("/k") is None:
        assert time.monotonic() < deadline, "never asked the store again"
        await anyio.sleep(0.02)
    assert not store.is_down


async def test_a_working_store_is_passed_through(tmp_path: Path) -> None:
    store = ResilientStore(FileStore(tmp_path), "files")
    stored = entry()
    await store.set("/k", stored)
    assert await store.get("/k") == stored
    await store.invalidate_tags(["t"])
    assert await store.get("/k") is None
    assert await store.acquire("/k", ttl=5.0)
    assert not await store.acquire("/k", ttl=5.0)
    await store.release("/k")
    assert await store.acquire("/k", ttl=5.0)
    assert repr(store) == f"ResilientStore(FileStore({str(tmp_path)!r}))"
