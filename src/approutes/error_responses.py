"""The single place an exception becomes a JSON error response; logs unexpected ones once."""

from __future__ import annotations

import sys
import traceback
from typing import Any

from approutes.errors import HTTPError
from approutes.log import error_log
from approutes.web.json_codec import dumps
from approutes.web.response import Response

__all__ = ["error_response", "is_uncaught", "json_error"]

_NO_STORE = "no-store"


def json_error(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    """Build a framework error response: JSON, `Cache-Control: no-store`."""
    response = Response(dumps(body), status=status, headers=headers)
    response.headers.set("content-type", "application/json")
    response.headers.set("cache-control", _NO_STORE)
    return response


def error_response(exc: Exception, *, dev: bool, route_file: str = "") -> Response:
    """Answer `exc` as DESIGN §7 says.

    HTTPError keeps its status and message; an uncaught pydantic ValidationError is a 400
    listing its issues; anything else is a 500 logged once with its traceback and route file,
    with `detail` and `traceback` in the body only in dev.
    """
    if isinstance(exc, HTTPError):
        return json_error(exc.status, {"error": exc.message}, exc.headers)
    issues = _validation_issues(exc)
    if issues is not None:
        return json_error(400, {"error": "Invalid input", "issues": issues})
    where = f" in {route_file}" if route_file else ""
    error_log.error("unhandled %s%s", type(exc).__name__, where, exc_info=exc)
    body: dict[str, Any] = {"error": "Internal Server Error"}
    if dev:
        body["detail"] = f"{type(exc).__name__}: {exc}"
        body["traceback"] = traceback.format_exception(exc)
    return json_error(500, body)


def is_uncaught(exc: Exception) -> bool:
    """Whether `exc` is answered 500 as an unhandled error (not an HTTPError, not invalid input)."""
    return not isinstance(exc, HTTPError) and _validation_issues(exc) is None


def _validation_issues(exc: Exception) -> list[dict[str, Any]] | None:
    # NOTE: no import: if pydantic was never imported, exc cannot be one of its errors.
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(exc, pydantic.ValidationError):
        return None
    return [
        {"path": list(issue["loc"]), "message": issue["msg"], "code": issue["type"]}
        for issue in exc.errors(include_url=False)
    ]
