"""Internal: the binary form of a CacheEntry that the file and Redis stores keep.

Layout (big-endian), a fixed 36-byte header, the tags, then the value:

```
magic "ARCE" | version 1 | flags (bit 0: has revalidate) | created f64 | revalidate f64
| crc32 of all the other bytes u32 | value length u64 | tag count u16
| per tag: length u16 + UTF-8 bytes | value bytes
```

A file cut short, a foreign file or flipped bits decode to None, never to an exception: the
length and the checksum must match. The Redis store's Lua reads the tags at fixed offsets, so
the header must not change shape without a new magic or version.

>>> entry = CacheEntry(b"hello", ("a", "b"), 100.0, None)
>>> decode_entry(encode_entry(entry)) == entry
True
>>> decode_entry(encode_entry(entry)[:-1]) is None
True
"""

from __future__ import annotations

import struct
import zlib

from approutes.cache.store import CacheEntry

__all__ = ["MAGIC", "decode_entry", "encode_entry", "retention_seconds"]

MAGIC = b"ARCE\x01"
"""The first bytes of every encoded entry: format name and version."""

_HEADER = struct.Struct(">5sBddIQH")
_BEFORE_CHECKSUM = struct.Struct(">5sBdd")
_CHECKSUM = struct.Struct(">I")
_AFTER_CHECKSUM = struct.Struct(">QH")
_CHECKSUM_AT = _BEFORE_CHECKSUM.size
_AFTER_AT = _CHECKSUM_AT + _CHECKSUM.size
_TAG_LENGTH = struct.Struct(">H")
_HAS_REVALIDATE = 1
_MAX_TAGS = 0xFFFF
_MIN_RETENTION = 86_400.0


def encode_entry(entry: CacheEntry) -> bytes:
    """Serialise `entry` into the layout of the module docstring.

    Raises:
        ValueError: more than 65,535 tags, or a tag longer than 65,535 UTF-8 bytes.
    """
    if len(entry.tags) > _MAX_TAGS:
        raise ValueError(f"a cache entry carries at most {_MAX_TAGS} tags")
    parts: list[bytes] = []
    for tag in entry.tags:
        raw = tag.encode("utf-8", "surrogatepass")
        if len(raw) > _MAX_TAGS:
            raise ValueError(f"cache tag longer than {_MAX_TAGS} bytes: {tag[:40]!r}...")
        parts.append(_TAG_LENGTH.pack(len(raw)))
        parts.append(raw)
    tags = b"".join(parts)
    flags = 0 if entry.revalidate is None else _HAS_REVALIDATE
    before = _BEFORE_CHECKSUM.pack(MAGIC, flags, entry.created, entry.revalidate or 0.0)
    after = _AFTER_CHECKSUM.pack(len(entry.value), len(entry.tags))
    checksum = zlib.crc32(entry.value, zlib.crc32(tags, zlib.crc32(after, zlib.crc32(before))))
    return b"".join((before, _CHECKSUM.pack(checksum), after, tags, entry.value))


def decode_entry(data: bytes) -> CacheEntry | None:
    """Read back what `encode_entry` wrote; None for anything damaged, short or foreign."""
    if len(data) < _HEADER.size or not data.startswith(MAGIC):
        return None
    _, flags, created, revalidate, checksum, value_length, tag_count = _HEADER.unpack_from(data)
    if flags & ~_HAS_REVALIDATE:
        return None
    position = _HEADER.size
    tags: list[str] = []
    try:
        for _ in range(tag_count):
            (length,) = _TAG_LENGTH.unpack_from(data, position)
            position += _TAG_LENGTH.size
            raw = data[position : position + length]
            if len(raw) != length:
                return None
            tags.append(raw.decode("utf-8", "surrogatepass"))
            position += length
    except (struct.error, UnicodeDecodeError):
        return None
    if position + value_length != len(data):
        return None
    view = memoryview(data)
    if zlib.crc32(view[_AFTER_AT:], zlib.crc32(view[:_CHECKSUM_AT])) != checksum:
        return None
    return CacheEntry(
        value=data[position:],
        tags=tuple(tags),
        created=created,
        revalidate=revalidate if flags & _HAS_REVALIDATE else None,
    )


def retention_seconds(entry: CacheEntry) -> float | None:
    """How long a shared store keeps `entry`: None (until replaced) without `revalidate`.

    NOTE: stale entries are still served (stale-while-revalidate), so they are kept well past
    `revalidate`: ten times it, and at least a day; only junk nobody asks for goes.

    >>> retention_seconds(CacheEntry(b"", (), 0.0, 60.0))
    86400.0
    >>> retention_seconds(CacheEntry(b"", (), 0.0, 86400.0))
    864000.0
    """
    if entry.revalidate is None:
        return None
    return max(entry.revalidate * 10, _MIN_RETENTION)
