"""RouteContext and Params: what a handler learns about the route it answers."""

from __future__ import annotations

from typing import NamedTuple, TypeAlias

__all__ = ["Params", "RouteContext"]

Params: TypeAlias = dict[str, str | list[str]]
"""A route's dynamic values: `str` for `[id]`, `list[str]` for `[...path]`."""


class RouteContext(NamedTuple):
    """The second argument of a handler.

    Attributes:
        params: The route's dynamic values: `str` for `[id]`, `list[str]` for `[...path]`;
            an optional catch-all with no segments has no key.

    Next.js: `params` is a plain dict here, not a promise.
    """

    params: Params
