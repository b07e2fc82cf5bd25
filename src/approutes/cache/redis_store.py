"""Internal: the cache store shared by many instances, in Redis (redis-py's asyncio client).

```
approutes:entry:<key>   string: one encoded entry (entry_codec); expires when it has revalidate
approutes:tags          hash: tag -> time of its last invalidation
approutes:stale-tags    hash: tag -> time it was last marked stale
approutes:lock:<key>    string: the holder's token, SET NX PX ttl
```

`get` is one round trip: a Lua script reads the entry, pulls its tags out of the header and
reads their invalidation and stale-mark times from the two hashes. Redis Cluster is not
supported (the script touches keys that need not share a slot).
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from approutes.cache.entry_codec import MAGIC, decode_entry, encode_entry, retention_seconds
from approutes.log import redact_url

if TYPE_CHECKING:
    from collections.abc import Iterable

    import redis.asyncio
    from redis.commands.core import AsyncScript

    from approutes.cache.store import CacheEntry

__all__ = ["RedisStore"]

_PREFIX = b"approutes:"
_ENTRY = _PREFIX + b"entry:"
_LOCK = _PREFIX + b"lock:"
_TAGS = _PREFIX + b"tags"
_STALE_TAGS = _PREFIX + b"stale-tags"

# KEYS[1] entry, KEYS[2] the tags hash, KEYS[3] the stale-tags hash. Returns nil, or
# {entry, time of tag 1, ..., time of tag n, stale time of tag 1, ..., stale time of tag n}.
# The tag count sits at bytes 35-36 of the header, then each tag as u16 length + bytes.
_GET_SCRIPT = """
local v = redis.call('GET', KEYS[1])
if not v then return false end
if string.sub(v, 1, 5) ~= ARGV[1] or string.len(v) < 36 then return {v} end
local count = string.byte(v, 35) * 256 + string.byte(v, 36)
local tags = {}
local pos = 37
for i = 1, count do
  local hi, lo = string.byte(v, pos, pos + 1)
  if not lo then return {v} end
  local len = hi * 256 + lo
  tags[i] = string.sub(v, pos + 2, pos + 1 + len)
  pos = pos + 2 + len
end
local out = {v}
for h = 0, 1 do
  for first = 1, count, 500 do
    local last = math.min(first + 499, count)
    local times = redis.call('HMGET', KEYS[2 + h], unpack(tags, first, last))
    for i = first, last do out[1 + h * count + i] = times[i - first + 1] or false end
  end
end
return out
"""

# KEYS[1] the tags hash; ARGV[1] now, ARGV[2..] tags. Keeps the latest time per tag, so a
# server with a clock behind cannot move an invalidation back.
_INVALIDATE_SCRIPT = """
local now = tonumber(ARGV[1])
for i = 2, #ARGV do
  local seen = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
  if not seen or seen < now then redis.call('HSET', KEYS[1], ARGV[i], ARGV[1]) end
end
return 0
"""

# KEYS[1] the lock; ARGV[1] the token its holder set. Deletes only the holder's own lock.
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisStore:
    """Keeps entries in Redis, shared by every instance that uses the same server.

    Invalidations write one hash that every `get` reads in the same round trip, so they are
    seen by all instances at once. Entries with `revalidate` expire after ten times it (at
    least a day): stale ones stay readable for stale-while-revalidate until then.

    Args:
        url: `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS).
        connect_timeout: Seconds to wait for a connection, short so a down Redis fails fast.
        timeout: Seconds to wait for any answer.

    Raises:
        ModuleNotFoundError: the `redis` package is missing (install `approutes[redis]`).
        ValueError: `url` is not a Redis URL.

    Example:
        store = RedisStore("redis://cache.internal:6379/0")
    """

    def __init__(self, url: str, *, connect_timeout: float = 0.5, timeout: float = 1.0) -> None:
        """Make the client; it connects on first use."""
        self.url = url
        self._client = _make_client(url, connect_timeout, timeout)
        self._get_script: AsyncScript = self._client.register_script(_GET_SCRIPT)
        self._invalidate_script: AsyncScript = self._client.register_script(_INVALIDATE_SCRIPT)
        self._release_script: AsyncScript = self._client.register_script(_RELEASE_SCRIPT)
        self._held: dict[str, bytes] = {}

    def __repr__(self) -> str:
        """Name the server, without its password."""
        return f"RedisStore({redact_url(self.url)!r})"

    async def get(self, key: str) -> CacheEntry | None:
        """Return the entry under `key`, or None if missing, invalidated or unreadable."""
        reply = await self._get_script(
            keys=[_ENTRY + _key_bytes(key), _TAGS, _STALE_TAGS], args=[MAGIC]
        )
        if not reply:
            return None
        entry = decode_entry(reply[0])
        if entry is None:
            return None
        count = len(entry.tags)
        for stamp in reply[1 : 1 + count]:
            if stamp is not None and float(stamp) >= entry.created:
                return None
        for stamp in reply[1 + count :]:
            if stamp is not None and float(stamp) >= entry.created:
                return entry.turned_stale()
        return entry

    async def set(self, key: str, entry: CacheEntry) -> None:
        """Write `entry` under `key`, with an expiry when it has `revalidate`."""
        keep = retention_seconds(entry)
        expiry_ms = None if keep is None else max(1, round(keep * 1000))
        await self._client.set(_ENTRY + _key_bytes(key), encode_entry(entry), px=expiry_ms)

    async def invalidate_tags(
        self, tags: Iterable[str], now: float | None = None, *, stale: bool = False
    ) -> None:
        """Record `now` (default: now) as the invalidation time of `tags`, for every instance.

        With `stale`, as the time they were marked stale.
        """
        names = [tag.encode("utf-8", "surrogatepass") for tag in tags]
        if names:
            stamp = repr(time.time() if now is None else now)
            hash_key = _STALE_TAGS if stale else _TAGS
            await self._invalidate_script(keys=[hash_key], args=[stamp, *names])

    async def acquire(self, key: str, ttl: float) -> bool:
        """`SET lock token NX PX ttl`: True if this call took the lock of `key`."""
        token = secrets.token_hex(16).encode()
        taken = await self._client.set(
            _LOCK + _key_bytes(key), token, nx=True, px=max(1, round(ttl * 1000))
        )
        if taken:
            self._held[key] = token
            return True
        return False

    async def release(self, key: str) -> None:
        """Delete the lock of `key` if it is still the one this store took."""
        token = self._held.pop(key, None)
        if token is not None:
            await self._release_script(keys=[_LOCK + _key_bytes(key)], args=[token])

    async def close(self) -> None:
        """Close the client's connections."""
        await self._client.aclose()


def _key_bytes(key: str) -> bytes:
    return key.encode("utf-8", "surrogatepass")


def _make_client(url: str, connect_timeout: float, timeout: float) -> redis.asyncio.Redis:
    try:
        import redis.asyncio as redis_asyncio  # noqa: PLC0415 - optional, and only for redis://
        from redis.asyncio.retry import Retry  # noqa: PLC0415
        from redis.backoff import NoBackoff  # noqa: PLC0415
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "the redis:// cache store needs the redis package: pip install 'approutes[redis]'",
            name="redis",
        ) from exc
    # NOTE: one retry, at once: it reconnects a pooled connection that a Redis restart closed,
    # and costs little when the server is down (the wrapper then stops asking for a while).
    return redis_asyncio.Redis.from_url(
        url,
        socket_connect_timeout=connect_timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 1),
    )
