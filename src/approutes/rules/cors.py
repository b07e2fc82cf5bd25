"""CORS from the `[cors]` setting: preflights answered, responses marked, for listed origins."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING

from approutes.web.headers import HeaderLines
from approutes.web.request import scope_header
from approutes.web.response import Response, add_header_lines

if TYPE_CHECKING:
    from approutes.rules.cors_table import CorsSettings
    from approutes.web.request import NextRequest

__all__ = ["CorsPolicy"]

# Request headers a browser sends cross-origin without asking (the CORS-safelisted ones).
_SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language", "content-type"})
_ALLOW_ORIGIN = "access-control-allow-origin"
_ALLOW_CREDENTIALS = "access-control-allow-credentials"
_EXPOSE_HEADERS = "access-control-expose-headers"


class CorsPolicy:
    """Applies one `CorsSettings` to requests and responses."""

    __slots__ = ("_any_mark", "_any_origin", "_marks", "_settings", "_unmarked")

    def __init__(self, settings: CorsSettings) -> None:
        """Follow `settings`; the lines of each answer are checked and encoded here, once."""
        self._settings = settings
        self._any_origin = "*" in settings.allow_origins
        # PERF: what `decorate` adds is built once per origin: a request pays a look-up and
        # an extend (building request.headers and checking each line was ~16% of bench S8).
        self._unmarked = HeaderLines.check([("vary", "Origin")])
        self._any_mark: HeaderLines | None = None
        self._marks: dict[bytes, HeaderLines] = {}
        # NOTE: lines that cannot be checked are left out: an origin no request can send, or
        # lines `_lines_for` builds (and refuses) per request, as they always were.
        if self._any_origin and not settings.allow_credentials:
            with suppress(ValueError):
                self._any_mark = self._mark_lines("*")
        for origin in () if self._any_origin else settings.allow_origins:
            try:
                self._marks[origin.encode("latin-1")] = self._mark_lines(origin)
            except ValueError:  # UnicodeEncodeError too
                continue

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

        Every answer varies on `Origin`. A preflight is left alone: `preflight` answered it,
        or it was refused.
        """
        if (
            request.method == "OPTIONS"
            and scope_header(request, b"access-control-request-method") is not None
        ):
            return
        origin = scope_header(request, b"origin")
        lines = self._unmarked if origin is None else self._lines_for(origin)
        add_header_lines(response, lines)

    def _lines_for(self, origin: bytes) -> HeaderLines:
        """What an answer to `origin` gets: `Vary`, and the CORS headers when it is allowed."""
        if self._any_mark is not None:
            return self._any_mark
        found = self._marks.get(origin)
        if found is not None:
            return found
        text = origin.decode("latin-1")
        if self._allows(text):
            # NOTE: credentials for any origin (refused by parse_cors), or a listed origin
            # whose lines `__init__` could not check: checked here, raising as before.
            return self._mark_lines(text)
        return self._unmarked

    def _mark_lines(self, origin: str) -> HeaderLines:
        """`Vary` then the CORS headers for `origin`, as `decorate` adds them."""
        settings = self._settings
        lines = [("vary", "Origin")]
        if self._any_origin and not settings.allow_credentials:
            lines.append((_ALLOW_ORIGIN, "*"))
        else:
            lines.append((_ALLOW_ORIGIN, origin))
        if settings.allow_credentials:
            lines.append((_ALLOW_CREDENTIALS, "true"))
        if settings.expose_headers:
            lines.append((_EXPOSE_HEADERS, ", ".join(settings.expose_headers)))
        return HeaderLines.check(lines, replace=[name for name, _ in lines[1:]])

    def _allows(self, origin: str) -> bool:
        return self._any_origin or origin in self._settings.allow_origins

    def _allows_header(self, name: str) -> bool:
        allowed = self._settings.allow_headers
        return name in _SAFELISTED_HEADERS or "*" in allowed or name in allowed

    def _mark(self, response: Response, origin: str) -> None:
        headers = response.headers
        if self._any_origin and not self._settings.allow_credentials:
            headers.set(_ALLOW_ORIGIN, "*")
        else:
            headers.set(_ALLOW_ORIGIN, origin)
        if self._settings.allow_credentials:
            headers.set(_ALLOW_CREDENTIALS, "true")
