"""FileStore: shared by processes on one machine, atomic writes, locks that expire."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING

import anyio
import pytest

from approutes.cache.file_store import FileStore
from approutes.cache.store import CacheEntry

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.anyio

CONTENDER = textwrap.dedent(
    """
    import asyncio, pathlib, sys, time
    from approutes.cache.file_store import FileStore

    directory, ready, go, keys, ttl = sys.argv[1:]

    async def main():
        store = FileStore(directory)
        pathlib.Path(ready).touch()
        while not pathlib.Path(go).exists():
            time.sleep(0.0002)
        won = [key for key in keys.split(",") if await store.acquire(key, float(ttl))]
        print(",".join(won))

    asyncio.run(main())
    """
)

WRITER = textwrap.dedent(
    """
    import asyncio, sys, time
    from approutes.cache.file_store import FileStore
    from approutes.cache.store import CacheEntry

    directory, name, rounds = sys.argv[1:]

    async def main():
        store = FileStore(directory)
        for i in range(int(rounds)):
            marker = f"{name}{i:07d}".encode()
            size = 40_000 if i % 2 else 40  # 320 kB (a worker thread) and 320 B (inline)
            await store.set("/hot", CacheEntry(marker * size, ("hot",), time.time(), 60.0))

    asyncio.run(main())
    """
)


def entry(value: bytes = b"body", tags: tuple[str, ...] = ()) -> CacheEntry:
    return CacheEntry(value, tags, time.time(), None)


def run_contenders(directory: Path, keys: list[str], processes: int, ttl: float) -> list[str]:
    """Let `processes` separate interpreters race for `keys` at once; return what each won."""
    go = directory.parent / "go"
    ready = [directory.parent / f"ready-{n}" for n in range(processes)]
    args = [",".join(keys), str(ttl)]
    running = [
        subprocess.Popen(
            [sys.executable, "-c", CONTENDER, *(str(a) for a in (directory, r, go)), *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        for r in ready
    ]
    deadline = time.monotonic() + 60
    while not all(r.exists() for r in ready):
        assert time.monotonic() < deadline, "the contenders never got ready"
        time.sleep(0.01)
    go.touch()
    outputs = [process.communicate(timeout=60)[0].strip() for process in running]
    assert [process.returncode for process in running] == [0] * processes
    go.unlink()
    for r in ready:
        r.unlink()
    return outputs


def the_only_file(folder: Path) -> Path:
    (found,) = [path for path in folder.iterdir() if not path.name.startswith(".")]
    return found


def test_processes_racing_for_the_same_locks_win_each_exactly_once(tmp_path: Path) -> None:
    keys = [f"/api/posts/{n}" for n in range(300)]
    outputs = run_contenders(tmp_path / "cache", keys, processes=3, ttl=30.0)
    won = [key for output in outputs for key in output.split(",") if key]
    assert sorted(won) == sorted(keys)


async def test_a_lock_left_by_a_dead_process_is_taken_over_by_exactly_one(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "cache"
    go = tmp_path  # exists already: the holder takes its lock at once, then exits
    holder = subprocess.run(
        [
            sys.executable,
            "-c",
            CONTENDER,
            str(directory),
            str(tmp_path / "ready"),
            str(go),
            "/stale",
            "1.0",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert holder.stdout.strip() == "/stale"
    assert not await FileStore(directory).acquire("/stale", ttl=30.0)
    await anyio.sleep(1.1)
    outputs = run_contenders(directory, ["/stale", "/fresh"], processes=3, ttl=30.0)
    won = [key for output in outputs for key in output.split(",") if key]
    assert sorted(won) == ["/fresh", "/stale"]


async def test_a_lock_file_its_holder_never_wrote_expires_by_its_age(tmp_path: Path) -> None:
    first, second = FileStore(tmp_path), FileStore(tmp_path)
    assert await first.acquire("/k", ttl=30.0)
    lock = the_only_file(tmp_path / "locks")
    lock.write_bytes(b"")  # as if the holder died between creating and writing it
    assert not await second.acquire("/k", ttl=10.0)
    an_hour_ago = time.time() - 3600
    os.utime(lock, (an_hour_ago, an_hour_ago))
    assert await second.acquire("/k", ttl=10.0)


async def test_releasing_after_the_ttl_keeps_the_new_holders_lock(tmp_path: Path) -> None:
    slow, other, third = FileStore(tmp_path), FileStore(tmp_path), FileStore(tmp_path)
    assert await slow.acquire("/k", ttl=0.05)
    await anyio.sleep(0.1)
    assert await other.acquire("/k", ttl=30.0)
    await slow.release("/k")
    assert not await third.acquire("/k", ttl=30.0)
    await other.release("/k")
    assert await third.acquire("/k", ttl=30.0)
    assert [p.name for p in (tmp_path / "locks").iterdir() if ".aside" in p.name] == []


def _truncate(data: bytes) -> bytes:
    return data[:-1]


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def _flip_a_header_byte(data: bytes) -> bytes:
    return data[:10] + bytes([data[10] ^ 0x80]) + data[11:]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[:20],
        _truncate,
        lambda data: data + b"junk",
        _flip_last_byte,
        _flip_a_header_byte,
        lambda data: b"\x00" * len(data),
        lambda data: b"ARCE\x01" + b"\xff" * 64,
    ],
    ids=[
        "empty",
        "header-only",
        "truncated",
        "extra-bytes",
        "flipped-value",
        "flipped-header",
        "zeros",
        "garbage-after-magic",
    ],
)
async def test_a_damaged_entry_file_reads_as_missing(tmp_path: Path, damage: object) -> None:
    assert callable(damage)
    store = FileStore(tmp_path)
    await store.set("/k", entry(b"x" * 100, ("tag",)))
    path = the_only_file(tmp_path / "entries")
    path.write_bytes(damage(path.read_bytes()))
    assert await store.get("/k") is None


async def test_a_damaged_tag_file_does_not_hide_entries(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    await store.invalidate_tags(["t"])
    the_only_file(tmp_path / "tags").write_bytes(b"not a time")
    await store.set("/k", CacheEntry(b"v", ("t",), time.time() - 60, None))
    assert await store.get("/k") is not None


async def test_entries_and_invalidations_survive_a_new_store_on_the_same_folder(
    tmp_path: Path,
) -> None:
    before = FileStore(tmp_path)
    kept = entry(b"kept", ("keep",))
    await before.set("/kept", kept)
    await before.set("/dropped", entry(b"dropped", ("drop",)))
    await before.invalidate_tags(["drop"])
    await before.close()
    after = FileStore(tmp_path)
    assert await after.get("/kept") == kept
    assert await after.get("/dropped") is None


async def test_nothing_is_created_on_disk_before_the_first_write(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "cache")
    assert await store.get("/k") is None
    assert not (tmp_path / "cache").exists()
    await store.set("/k", entry())
    assert (tmp_path / "cache" / "entries").is_dir()


async def test_entries_expire_after_ten_times_revalidate_but_at_least_a_day(
    tmp_path: Path,
) -> None:
    store = FileStore(tmp_path)
    day = 86_400.0
    now = time.time()
    cases = {
        "/minute-old-2h": CacheEntry(b"", (), now - 2 * 3600, 60.0),
        "/minute-old-2d": CacheEntry(b"", (), now - 2 * day, 60.0),
        "/day-old-9d": CacheEntry(b"", (), now - 9 * day, day),
        "/day-old-11d": CacheEntry(b"", (), now - 11 * day, day),
        "/forever-old-1y": CacheEntry(b"", (), now - 365 * day, None),
    }
    for key, value in cases.items():
        await store.set(key, value)
    kept = [key for key in cases if await store.get(key) is not None]
    assert kept == ["/minute-old-2h", "/day-old-9d", "/forever-old-1y"]


async def test_readers_never_see_a_partial_entry_while_two_processes_write(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "cache"
    store = FileStore(directory)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(directory), name, "400"])
        for name in ("A", "B")
    ]
    reads: list[CacheEntry | None] = []
    while any(writer.poll() is None for writer in writers):
        reads.append(await store.get("/hot"))
    assert [writer.wait(timeout=60) for writer in writers] == [0, 0]
    reads.append(await store.get("/hot"))
    complete = [read for read in reads if read is not None]
    assert len(complete) > 10, f"only {len(complete)} of {len(reads)} reads saw an entry"
    for read in complete:
        marker = read.value[:8]
        assert marker[:1] in (b"A", b"B")
        assert read.value == marker * (len(read.value) // 8)
        assert len(read.value) in (320, 320_000)
        assert read.tags == ("hot",)
    assert [p.name for p in (directory / "entries").iterdir()] == [
        p.name for p in [the_only_file(directory / "entries")]
    ], "temporary files were left behind"
