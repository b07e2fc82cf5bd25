"""Cache life profiles (Next's `cacheLife`): Next's seven, plus the project's `[cache_life]`.

```toml
[cache_life.blog]
stale = 3600        # seconds; optional
revalidate = 900    # seconds until stale; optional
expire = 86400      # seconds until it is gone; optional, longer than revalidate
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DEFAULT_PROFILES", "CacheLife", "parse_cache_life"]


@dataclass(frozen=True, slots=True)
class CacheLife:
    """How long a cached value lives.

    Attributes:
        stale: Seconds a client may use it without asking (sent, not enforced here).
        revalidate: Seconds until it is stale: served while one regeneration runs.
        expire: Seconds until it is gone: the next call computes it while the caller waits.
            None: never.
    """

    stale: float | None
    revalidate: float | None
    expire: float | None


DEFAULT_PROFILES: Mapping[str, CacheLife] = {
    # COMPAT(next): the presets of next/cache.d.ts (16.x), in seconds.
    "default": CacheLife(300, 900, None),
    "seconds": CacheLife(30, 1, 60),
    "minutes": CacheLife(300, 60, 3600),
    "hours": CacheLife(300, 3600, 86400),
    "days": CacheLife(300, 86400, 604800),
    "weeks": CacheLife(300, 604800, 2592000),
    "max": CacheLife(300, 2592000, None),
}

_FIELDS = ("stale", "revalidate", "expire")


def parse_cache_life(raw: object) -> dict[str, CacheLife]:
    """The profiles of a `[cache_life]` table, over Next's defaults (a name may replace one).

    Raises:
        ValueError: not a table of tables, an unknown field, a value that is not a number
            of seconds, or `expire` not longer than `revalidate`.

    >>> parse_cache_life({"blog": {"revalidate": 900, "expire": 86400}})["blog"]
    CacheLife(stale=None, revalidate=900.0, expire=86400.0)
    >>> parse_cache_life({"blog": {"revalidate": 900, "expire": 60}})
    Traceback (most recent call last):
    ...
    ValueError: cache_life.blog: expire (60) must be longer than revalidate (900)
    """
    if not isinstance(raw, dict):
        raise TypeError("cache_life must be a table of profiles: [cache_life.<name>]")
    profiles = dict(DEFAULT_PROFILES)
    for name, fields in raw.items():
        if not isinstance(fields, dict):
            raise TypeError(f"cache_life.{name} must be a table with {', '.join(_FIELDS)}")
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise ValueError(f"cache_life.{name}: unknown field(s) {', '.join(sorted(unknown))}")
        values = {key: _seconds(name, key, fields.get(key)) for key in _FIELDS}
        life = CacheLife(**values)
        if (
            life.expire is not None
            and life.revalidate is not None
            and life.expire <= life.revalidate
        ):
            raise ValueError(
                f"cache_life.{name}: expire ({fields['expire']}) must be longer than "
                f"revalidate ({fields['revalidate']})"
            )
        profiles[name] = life
    return profiles


def _seconds(profile: str, key: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"cache_life.{profile}.{key} must be a number of seconds, not {value!r}")
    return float(value)
