"""Handle: what answers a request once the project is built (the pipeline, the front half)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from approutes.request_context import RequestState
    from approutes.web.response import Response

__all__ = ["Handle"]


class Handle(Protocol):
    """What answers a request once it is built: the pipeline, the front half, a broken project."""

    def handle(self, state: RequestState) -> Awaitable[Response]:
        """Answer the request of `state` (raising at once, or when awaited)."""
        ...

    def redirect(self, state: RequestState, response: Response) -> Response:
        """Answer a non-canonical path: its 308 `response`, or what replaces it."""
        ...

    @property
    def finish(self) -> Callable[[RequestState, Response], None] | None:
        """What decorates every response, error responses included; None for nothing."""
        ...
