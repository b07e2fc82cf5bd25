"""CORS from the `[cors]` setting: preflights answered, responses marked, for listed origins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from approutes.web.response import Response

if TYPE_CHECKING:
    from approutes.rules.cors_table import CorsSettings
    from approutes.web.request import NextRequest

__all__ = ["CorsPolicy"]

# Request headers a browser sends cross-origin without asking (the CORS-safelisted ones).
_SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language", "content-type"})


class CorsPolicy:
    """Applies one `CorsSettings` to requests and responses."""

    __slots__ = ("_any_origin", "_settings")

    def __init__(self, settings: CorsSettings) -> None:
        """Follow `settings`."""
        self._settings = settings
        self._any_origin = "*" in settings.allow_origins

    def preflight(self, request: NextRequest) -> Response | None:
        """Answer a preflight from an allowed origin (204); None for any other request.

        A preflight from an origin not listed, or asking for a method or header not
        allowed, goes on to the route like any OPTIONS request, and gets no CORS headers.
        """
        if request.method != "OPTIONS":
            return None
        headers = request.headers
        origin = headers.get("origin")
        method = headers.get("access-control-request-method")
        if origin is None or method is None or not self._allows(origin):
            return None
        settings = self._settings
        listed = headers.get("access-control-request-headers") or ""
        asked = [name for name in (h.strip().lower() for h in listed.split(",")) if name]
        if method.upper() not in settings.allow_methods or not all(map(self._allows_header, asked)):
            return None
        response = Response(None, status=204, headers={"vary": "Origin"})
        self._mark(response, origin)
        response.headers.set("access-control-allow-methods", ", ".join(settings.allow_methods))
        if asked:
            response.headers.set("access-control-allow-headers", ", ".join(asked))
        response.headers.set("access-control-max-age", str(settings.max_age))
        return response

    def decorate(self, request: NextRequest, response: Response) -> None:
        """Mark `response` readable by the request's origin when that origin is allowed.

        A preflight is left alone: `preflight` answered it, or it was refused.
        """
        if request.method == "OPTIONS" and request.headers.has("access-control-request-method"):
            return
        response.headers.append("vary", "Origin")
        origin = request.headers.get("origin")
        if origin is None or not self._allows(origin):
            return
        self._mark(response, origin)
        if self._settings.expose_headers:
            response.headers.set(
                "access-control-expose-headers", ", ".join(self._settings.expose_headers)
            )

    def _allows(self, origin: str) -> bool:
        return self._any_origin or origin in self._settings.allow_origins

    def _allows_header(self, name: str) -> bool:
        allowed = self._settings.allow_headers
        return name in _SAFELISTED_HEADERS or "*" in allowed or name in allowed

    def _mark(self, response: Response, origin: str) -> None:
        headers = response.headers
        if self._any_origin and not self._settings.allow_credentials:
            headers.set("access-control-allow-origin", "*")
        else:
            headers.set("access-control-allow-origin", origin)
        if self._settings.allow_credentials:
            headers.set("access-control-allow-credentials", "true")
