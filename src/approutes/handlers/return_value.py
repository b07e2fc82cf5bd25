"""What a handler returned, as a Response: Response as is, dict/list as JSON, else an error."""

from __future__ import annotations

from approutes.web.response import NextResponse, Response

__all__ = ["HandlerReturnError", "to_response"]


class HandlerReturnError(Exception):
    """A handler returned something that is not a response; logged, answered 500."""

    def __init__(self, file: str, problem: str) -> None:
        """Name the route file and say what was returned."""
        self.file = file
        super().__init__(f"{file}: {problem}")


def to_response(value: object, file: str, method: str) -> Response:
    """Turn a handler's return value into a Response.

    Raises:
        HandlerReturnError: None, a middleware-only response, or an unsupported type.
    """
    if isinstance(value, Response):
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
