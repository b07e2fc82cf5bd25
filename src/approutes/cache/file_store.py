"""Internal: the cache store of one machine, files under `.approutes/cache` shared by workers.

```
<directory>/entries/<sha256 of key>   one encoded entry (entry_codec), replaced atomically
<directory>/tags/<sha256 of tag>      the time the tag was last invalidated, as text
<directory>/stale-tags/<sha256 of tag>  the time the tag was last marked stale, as text
<directory>/locks/<sha256 of key>     "<token> <expiry>" while a worker regenerates the key
```

Every write goes to a temporary file in the same folder and is renamed into place, so a
reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import time
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from approutes.cache.entry_codec import decode_entry, encode_entry, retention_seconds

if TYPE_CHECKING:
    from collections.abc import Iterable

    from approutes.cache.store import CacheEntry

__all__ = ["FileStore"]

# PERF: entries up to this size are read on the event loop (10-20 µs for 1 KB, tag checks
# included); larger ones in a worker thread, whose hand-off alone costs more than that.
# Writes always go to a thread: replacing a file costs ~150 µs on ext4 whatever its size.
_INLINE_LIMIT = 256 * 1024
_LOCK_TRIES = 3


class FileStore:
    """Keeps entries as files in `directory`, shared by every process on the machine.

    Entries survive restarts. Several worker processes may read, write, invalidate and lock at
    once; a damaged file reads as missing. Entries with `revalidate` read as missing after
    ten times it (at least a day), like the Redis store's expiry; nothing deletes their files
    until the key is written again (the folder is a cache: removing it is always safe).

    Args:
        directory: Where the files go; created on first write.

    Example:
        store = FileStore(project_root / ".approutes" / "cache")
    """

    def __init__(self, directory: Path | str) -> None:
        """Use `directory`, without touching the disk yet."""
        self.directory = Path(directory)
        self._entries = str(self.directory / "entries")
        self._tags = str(self.directory / "tags")
        self._stale_tags = str(self.directory / "stale-tags")
        self._locks = str(self.directory / "locks")
        self._held: dict[str, bytes] = {}

    def __repr__(self) -> str:
        """Name the directory."""
        return f"FileStore({str(self.directory)!r})"

    async def get(self, key: str) -> CacheEntry | None:
        """Return the entry under `key`, or None if missing, expired, invalidated or damaged."""
        path = f"{self._entries}/{_file_name(key)}"
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            size = os.fstat(fd).st_size
            data = _read_fd(fd, size) if size <= _INLINE_LIMIT else None
        finally:
            os.close(fd)
        if data is None:
            try:
                data = await asyncio.to_thread(_read_path, path)
            except FileNotFoundError:
                return None
        entry = decode_entry(data)
        if entry is None or self._is_gone(entry):
            return None
        return entry.turned_stale() if self._is_marked_stale(entry) else entry

    async def set(self, key: str, entry: CacheEntry) -> None:
        """Write `entry` under `key` atomically, replacing any other."""
        data = encode_entry(entry)
        await asyncio.to_thread(_write_atomically, self._entries, _file_name(key), data)

    async def invalidate_tags(
        self, tags: Iterable[str], now: float | None = None, *, stale: bool = False
    ) -> None:
        """Record `now` (default: now) as the invalidation time of `tags`, for every process.

        With `stale`, as the time they were marked stale.
        """
        stamp = repr(time.time() if now is None else now).encode()
        names = [_file_name(tag) for tag in tags]
        if names:
            folder = self._stale_tags if stale else self._tags
            await asyncio.to_thread(_write_tag_files, folder, names, stamp)

    async def acquire(self, key: str, ttl: float) -> bool:
        """Create the lock file of `key`; False while another process holds a lock not yet expired.

        A lock past its expiry (written in it; else its modification time plus `ttl`) is set
        aside and taken over, by exactly one of the processes that contend for it.
        """
        path = f"{self._locks}/{_file_name(key)}"
        for _ in range(_LOCK_TRIES):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileNotFoundError:
                Path(self._locks).mkdir(parents=True, exist_ok=True)
                continue
            except FileExistsError:
                if not _break_if_expired(path, ttl):
                    return False
                continue
            content = f"{secrets.token_hex(16)} {time.time() + ttl!r}".encode()
            try:
                os.write(fd, content)
            finally:
                os.close(fd)
            self._held[key] = content
            return True
        return False

    async def release(self, key: str) -> None:
        """Remove the lock file of `key` if it is still the one this store created."""
        content = self._held.pop(key, None)
        if content is not None:
            _remove_if_unchanged(f"{self._locks}/{_file_name(key)}", content)

    async def close(self) -> None:
        """Nothing to release: no file stays open between calls."""

    def _is_marked_stale(self, entry: CacheEntry) -> bool:
        for tag in entry.tags:
            marked = _read_tag_time(f"{self._stale_tags}/{_file_name(tag)}")
            if marked is not None and marked >= entry.created:
                return True
        return False

    def _is_gone(self, entry: CacheEntry) -> bool:
        keep = retention_seconds(entry)
        if keep is not None and time.time() - entry.created > keep:
            return True
        for tag in entry.tags:
            invalidated = _read_tag_time(f"{self._tags}/{_file_name(tag)}")
            if invalidated is not None and invalidated >= entry.created:
                return True
        return False


def _file_name(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _read_fd(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = os.read(fd, remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _read_path(path: str) -> bytes:
    return Path(path).read_bytes()


def _read_tag_time(path: str) -> float | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        text = os.read(fd, 64)
    finally:
        os.close(fd)
    try:
        return float(text)
    except ValueError:
        # NOTE: tag files are written atomically; one that does not parse was not written by
        # us, and reading it as "never invalidated" keeps a stray file from hiding entries.
        return None


def _write_tag_files(folder: str, names: list[str], stamp: bytes) -> None:
    for name in names:
        _write_atomically(folder, name, stamp)


def _write_atomically(folder: str, name: str, data: bytes) -> None:
    temporary = f"{folder}/.tmp-{secrets.token_hex(8)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(temporary, flags, 0o600)
    except FileNotFoundError:
        Path(folder).mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, f"{folder}/{name}")  # noqa: PTH105 - str paths, as everywhere here
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)  # noqa: PTH108
        raise


def _read_lock(path: str) -> tuple[bytes, float] | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        return os.read(fd, 256), os.fstat(fd).st_mtime
    finally:
        os.close(fd)


def _lock_expiry(content: bytes, mtime: float, ttl: float) -> float:
    try:
        _, expiry = content.split(b" ")
        return float(expiry)
    except ValueError:
        # A lock whose holder died between creating and writing it: its age decides.
        return mtime + ttl


def _break_if_expired(path: str, ttl: float) -> bool:
    """Remove the lock at `path` if it is past its expiry; True if the caller may retry."""
    seen = _read_lock(path)
    if seen is None:
        return True
    content, mtime = seen
    if _lock_expiry(content, mtime, ttl) > time.time():
        return False
    return _remove_if_unchanged(path, content)


def _remove_if_unchanged(path: str, content: bytes) -> bool:
    """Remove the lock file at `path` if it still holds `content`; True if it is gone.

    NOTE: reading then unlinking would race with a process that replaced the file in between.
    Renaming is atomic and only one process can move a given file, so the file is first moved
    aside, checked, and put back (unless a new lock appeared meanwhile) when it is not ours.
    """
    aside = f"{path}.{secrets.token_hex(8)}.aside"
    try:
        os.rename(path, aside)  # noqa: PTH104
    except FileNotFoundError:
        return True
    try:
        moved = _read_lock(aside)
        if moved is not None and moved[0] != content:
            with suppress(FileExistsError):
                os.link(aside, path)
            return False
        return True
    finally:
        with suppress(OSError):
            os.unlink(aside)  # noqa: PTH108
