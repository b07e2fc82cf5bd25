"""`Query()` and `Header()`: where a typed handler parameter comes from."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Header", "Query"]


@dataclass(frozen=True, slots=True)
class Query:
    """Marks a handler parameter as read from the search params.

    `Annotated[int, Query()]` reads `?limit=...` into `limit: int`; `alias` names the
    search param when it differs. A pydantic model, `Annotated[Filters, Query()]`, takes its
    fields from the search params. A `list[str]` parameter gets every repeated value.

    Example:
        async def GET(q: Annotated[str, Query()] = "", limit: Annotated[int, Query()] = 10):
            ...
    """

    alias: str | None = None


@dataclass(frozen=True, slots=True)
class Header:
    """Marks a handler parameter as read from a request header.

    The header's name is the parameter's, with `_` as `-` (`user_agent` reads `User-Agent`),
    or `alias`.

    Example:
        async def GET(x_api_key: Annotated[str, Header()]):
            ...
    """

    alias: str | None = None
