"""What a handler returned, as a Response: Response as is, dict/list as JSON, else an error."""

from __future__ import annotations

from approutes.errors import HandlerReturnError
from approutes.web.response import NextResponse, Response

__all__ = ["to_response"]


def to_response(value: object, file: str, method: str) -> Response:
    """Turn a handler's return value into a Response.

    Raises:
        HandlerReturnError: None, a middleware-only response, or an unsupported type.
    """
    if isinstance(value, Response):
        if value.type == "error":
            raise HandlerReturnError(
                file, f"{method} returned Response.error(), a network error, which has no answer"
            )
        if value.middleware_action is not None:
            raise HandlerReturnError(
                file,
                f"{method} returned NextResponse.{value.middleware_action.kind}(), which only "
                "middleware may return",
            )
        return value
    if isinstance(value, dict | list):
        return NextResponse.json(value)
    if value is None:
        raise HandlerReturnError(
            file, f"{method} returned None; return a Response (e.g. NextResponse.json(...))"
        )
    raise HandlerReturnError(
        file,
        f"{method} returned a {type(value).__name__}; return a Response, a dict or a list",
    )
