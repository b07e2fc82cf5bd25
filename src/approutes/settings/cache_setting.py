"""The `cache` setting's accepted forms, checked when the settings load (nothing is opened).

```
(unset)                 dev: memory; otherwise files in <root>/.approutes/cache
"memory"                this process only
"filesystem"            <root>/.approutes/cache, shared by the machine's workers
"filesystem:<dir>"      <dir>, relative to the project root unless absolute
"redis://…", "rediss://…"   a Redis server shared by every instance
"off"                   keeps nothing
```
"""

from __future__ import annotations

import importlib.util
from urllib.parse import urlsplit

from approutes.log import redact_url

__all__ = ["ACCEPTED_FORMS", "accepted_forms", "check_redis_url", "check_store_setting"]

ACCEPTED_FORMS = (
    '"memory"',
    '"filesystem"',
    '"filesystem:<directory>"',
    '"redis://host:port/db"',
    '"rediss://host:port/db"',
    '"off"',
)
"""The values the `cache` setting accepts, as an error message lists them."""


def check_store_setting(value: str) -> None:
    """Check a `cache` setting value without opening anything (the settings loader calls it).

    Raises:
        ValueError: `value` is none of the accepted forms, is a Redis URL without a host or
            with a bad port, or names Redis while the `redis` package is not installed.

    >>> check_store_setting("filesystem:var/cache")
    >>> check_store_setting("mongodb://db")
    Traceback (most recent call last):
    ...
    ValueError: unknown cache store 'mongodb://db'; use one of "memory", "filesystem", \
"filesystem:<directory>", "redis://host:port/db", "rediss://host:port/db", "off"
    """
    if value in ("memory", "off", "filesystem"):
        return
    if value.startswith("filesystem:") and value != "filesystem:":
        return
    if value.startswith(("redis://", "rediss://")):
        _check_redis_url(value)
        return
    raise ValueError(f"unknown cache store {value!r}; {accepted_forms()}")


def check_redis_url(url: str, forms: str) -> None:
    """Refuse a `redis://` / `rediss://` URL without a host, or with a bad port.

    `forms` ends each message: the values the setting accepts ("use one of ...").

    Raises:
        ValueError: the URL cannot be a Redis server's.
    """
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid Redis URL {shown!r}: {exc}; {forms}") from None
    if not parts.hostname:
        raise ValueError(f"the Redis URL {shown!r} names no host; {forms}")
    if port == 0:
        raise ValueError(f"the Redis URL {shown!r} has port 0; {forms}")


def _check_redis_url(url: str) -> None:
    check_redis_url(url, accepted_forms())
    shown = redact_url(url)
    if importlib.util.find_spec("redis") is None:
        raise ValueError(
            f"the cache store {shown!r} needs the redis package: pip install 'approutes[redis]'"
        )


def accepted_forms() -> str:
    return "use one of " + ", ".join(ACCEPTED_FORMS)
