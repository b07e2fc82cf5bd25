"""`Query()`, `Header()` and `Use()`: where a typed handler parameter comes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Header", "Query", "Use"]


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


@dataclass(frozen=True, slots=True, repr=False)
class Use:
    """Marks a handler parameter as the value of a dependency, resolved before the handler runs.

    `dependency` is a function (`def` or `async def`), or a generator that yields once: the
    code after its `yield` runs after the response is sent, with the `after()` callbacks.
    Its own parameters are found at load as a handler's are: the request, the route's params
    by name, `Query()` and `Header()` parameters, and other dependencies. Each dependency
    runs at most once per request, however many parameters use it.

    A dependency that returns a Response (or raises an `HTTPError`, or calls
    `unauthorized()`) ends the request with that answer: the handler is not called.

    Example:
        async def current_user(request: NextRequest) -> User: ...

        async def GET(user: Annotated[User, Use(current_user)]):
            return {"name": user.name}

    Next.js: the `const session = await requireAuth(request); if (session instanceof
    NextResponse) return session` of the tutorials, without the check.
    """

    dependency: Callable[..., Any]

    def __repr__(self) -> str:
        # NOTE: short, for the signatures that load errors print.
        name = getattr(self.dependency, "__qualname__", None) or repr(self.dependency)
        return f"Use({name})"
