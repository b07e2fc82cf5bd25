"""Which GET responses of a route are cached, for how long, and with which headers.

Next.js 15 semantics: GET is dynamic by default; `dynamic = "force-static"`,
`revalidate = N > 0` or `generate_static_params()` cache the response per pathname, rendered
with an empty request. A `dynamic = "auto"` route that reads request data in that render
bails out: it is served per request, as Next's dynamic bail-out does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from approutes.route_modules.segment_config import SegmentConfig

__all__ = ["ONE_YEAR", "RequestReads", "RouteCachePolicy", "cache_policy_for"]

ONE_YEAR = 31_536_000

RequestReads = Literal["bail-out", "error", "empty"]


@dataclass(frozen=True, slots=True)
class RouteCachePolicy:
    """How one route's GET responses are cached.

    Attributes:
        revalidate: Seconds until a cached response turns stale; None: until invalidated.
        tags: The route's `tags` (for `revalidate_tag`).
        request_reads: What reading request data does in a render without a request:
            `"bail-out"` (`dynamic = "auto"`: the route becomes dynamic, as in Next),
            `"error"` (`dynamic = "error"`), `"empty"` (`force-static`: empty values).
        cache_control: The `Cache-Control` value Next sends for such a response.
    """

    revalidate: float | None
    tags: tuple[str, ...]
    request_reads: RequestReads
    cache_control: str


def cache_policy_for(config: SegmentConfig) -> RouteCachePolicy | None:
    """The caching of a route with `config`, or None when its GET is dynamic.

    >>> from approutes.route_modules.segment_config import SegmentConfig
    >>> cache_policy_for(SegmentConfig(dynamic="force-static")).cache_control
    's-maxage=31536000'
    >>> cache_policy_for(SegmentConfig(revalidate=60)).cache_control
    's-maxage=60, stale-while-revalidate=31535940'
    >>> cache_policy_for(SegmentConfig(revalidate=0, dynamic="force-static")) is None
    True
    """
    revalidate = config.revalidate
    if config.dynamic == "force-dynamic" or (revalidate is not False and revalidate == 0):
        return None
    # COMPAT(next): generate_static_params makes the route static (rule 42).
    if config.dynamic == "auto" and revalidate is False and config.generate_static_params is None:
        return None
    if revalidate is False:
        return RouteCachePolicy(None, config.tags, _reads(config), f"s-maxage={ONE_YEAR}")
    seconds = int(revalidate) if float(revalidate).is_integer() else revalidate
    control = f"s-maxage={seconds}, stale-while-revalidate={ONE_YEAR - seconds}"
    return RouteCachePolicy(float(revalidate), config.tags, _reads(config), control)


def _reads(config: SegmentConfig) -> RequestReads:
    if config.dynamic == "error":
        return "error"
    return "empty" if config.dynamic == "force-static" else "bail-out"
