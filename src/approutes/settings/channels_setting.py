"""The `channels` setting: where `approutes.channels` messages travel (nothing is opened here).

```
"memory"                    this process only (the default)
"redis"                     the Redis server of the `cache` setting
"redis://…", "rediss://…"   a Redis server shared by every instance
"unix://<socket path>"      a Redis server on a local socket
```
"""

from __future__ import annotations

from urllib.parse import urlsplit

from approutes.errors import MissingExtraError
from approutes.log import redact_url
from approutes.settings.cache_setting import check_redis_url

__all__ = ["CHANNELS_FORMS", "channels_backend", "check_channels_setting"]

CHANNELS_FORMS = '"memory", "redis", "redis://host:port/db", "rediss://…" or "unix:///path.sock"'
"""The values the `channels` setting accepts, as an error message lists them."""


def check_channels_setting(value: str) -> None:
    """Check a `channels` value on its own (the settings loader calls it).

    `"redis"` is checked against the `cache` setting by `channels_backend`.

    Raises:
        ValueError: `value` is none of the accepted forms, or a URL without a host or path.
        MissingExtraError: a Redis form while the `redis` package is not installed.

    >>> check_channels_setting("memory")
    >>> check_channels_setting("kafka://bus")
    Traceback (most recent call last):
    ...
    ValueError: unknown channels backend 'kafka://bus'; use "memory", "redis", \
"redis://host:port/db", "rediss://…" or "unix:///path.sock"
    """
    if value == "memory":
        return
    if value == "redis":
        pass
    elif value.startswith(("redis://", "rediss://")):
        check_redis_url(value, f"use {CHANNELS_FORMS}")
    elif value.startswith("unix://"):
        if not urlsplit(value).path:
            raise ValueError(f"the URL {value!r} names no socket path; use {CHANNELS_FORMS}")
    else:
        raise ValueError(f"unknown channels backend {value!r}; use {CHANNELS_FORMS}")
    MissingExtraError.check(f"channels = {redact_url(value)!r}", module="redis", extra="redis")


def channels_backend(value: str, cache: str | None) -> str:
    """What `channels = value` means with this `cache` setting: `"memory"` or a Redis URL.

    Raises:
        ValueError: `value` is `"redis"` while `cache` is not a Redis URL.

    >>> channels_backend("redis", "redis://cache:6379/0")
    'redis://cache:6379/0'
    >>> channels_backend("redis", "filesystem")
    Traceback (most recent call last):
    ...
    ValueError: "redis" means the Redis server of the cache setting, and cache = 'filesystem' \
is not a Redis URL; set cache = "redis://..." or give channels a Redis URL
    """
    if value != "redis":
        return value
    if cache is None or not cache.startswith(("redis://", "rediss://")):
        shown = "is not set" if cache is None else f"= {redact_url(cache)!r} is not a Redis URL"
        raise ValueError(
            f'"redis" means the Redis server of the cache setting, and cache {shown}; '
            'set cache = "redis://..." or give channels a Redis URL'
        )
    return cache
