"""RouteModule: an app route file, loaded and checked; LoadedRoute, either router's route."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from approutes.route_modules.cache_policy import RouteCachePolicy
    from approutes.route_modules.method_table import MethodTable
    from approutes.route_modules.pages_module import PagesModule
    from approutes.route_modules.segment_config import SegmentConfig

__all__ = ["LoadedRoute", "RouteModule"]


@dataclass(frozen=True, slots=True)
class RouteModule:
    """A loaded `app/**/route.py`: its method table, segment config and cache policy."""

    file: str
    methods: MethodTable
    config: SegmentConfig
    cache: RouteCachePolicy | None = None

    @property
    def takes_socket(self) -> bool:
        """Whether its GET takes WebSocket upgrades (a `WebSocket` parameter)."""
        get = self.methods.handlers.get("GET")
        return get is not None and get.takes_socket


LoadedRoute: TypeAlias = "RouteModule | PagesModule"
"""What a route file loads into: an App Router module or a pages/api module."""
