"""What middleware decided, as typed values: answer now, rewrite, or go on.

SECURITY: the decision travels as these values, never as headers on a response a client
could also send (the lesson of CVE-2025-29927).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from approutes.web.headers import Headers
    from approutes.web.response import Response

__all__ = ["Continue", "Outcome", "Respond", "Rewrite"]


@dataclass(frozen=True, slots=True)
class Respond:
    """Middleware answered the request itself (a redirect, a 401, any response)."""

    response: Response


@dataclass(frozen=True, slots=True)
class Rewrite:
    """Serve the request as `url` (same origin); `response_headers` go on the answer.

    `request_headers` replace the headers of those names the route sees.
    """

    url: str
    response_headers: Headers
    request_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Continue:
    """Go on to the route, with `request_headers` replaced and `response_headers` added."""

    request_headers: tuple[tuple[str, str], ...]
    response_headers: Headers


Outcome: TypeAlias = "Respond | Rewrite | Continue"
