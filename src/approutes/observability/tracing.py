"""OpenTelemetry server spans: one per request, named by its route template.

The only importer of `opentelemetry`. The tracer comes from the global TracerProvider, which
the project's `instrumentation.py` sets in `register()`; until it does, OpenTelemetry's
no-op provider makes every span a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata
from typing import TYPE_CHECKING

from opentelemetry import context, propagate, trace
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import SpanKind, Status, StatusCode

if TYPE_CHECKING:
    from contextvars import Token

    from opentelemetry.context import Context

    from approutes.asgi.interface import Scope

__all__ = ["RequestSpan", "RequestTracer"]


class _AsgiHeaders(Getter[Iterable[tuple[bytes, bytes]]]):
    """Reads `traceparent`, `tracestate` and `baggage` off an ASGI scope's headers."""

    def get(self, carrier: Iterable[tuple[bytes, bytes]], key: str) -> list[str] | None:
        wanted = key.lower().encode("latin-1")
        found = [value.decode("latin-1") for name, value in carrier if name == wanted]
        return found or None

    def keys(self, carrier: Iterable[tuple[bytes, bytes]]) -> list[str]:
        return [name.decode("latin-1") for name, _ in carrier]


_GETTER = _AsgiHeaders()


class RequestTracer:
    """Starts the SERVER span of each request, a child of the caller's (`traceparent`)."""

    __slots__ = ("_tracer",)

    def __init__(self) -> None:
        """Trace through the global TracerProvider (set later by `register()` is fine)."""
        self._tracer = trace.get_tracer("approutes", _version())

    def start(self, scope: Scope, method: str) -> RequestSpan:
        """Start the span of the request `scope` and make it current until `RequestSpan.end`.

        Its name is `method` until the route is known: a request no route answers keeps it.
        A method outside the known ones (`_OTHER`) is named `HTTP`, as OpenTelemetry says.
        """
        parent = propagate.extract(scope["headers"], getter=_GETTER)
        name = "HTTP" if method == "_OTHER" else method
        span = self._tracer.start_span(
            name,
            context=parent,
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "url.path": scope["path"],
                "url.scheme": scope.get("scheme", "http"),
                "network.protocol.version": scope.get("http_version", "1.1"),
            },
        )
        if method == "_OTHER":
            span.set_attribute("http.request.method_original", scope["method"])
        token = context.attach(trace.set_span_in_context(span, parent))
        return RequestSpan(span, token, name)


class RequestSpan:
    """The span of one request, current in the request's context until `end`."""

    __slots__ = ("_name", "_span", "_token")

    def __init__(self, span: trace.Span, token: Token[Context], name: str) -> None:
        """Hold `span` (named `name`), made current by `token` (from `context.attach`)."""
        self._span = span
        self._token = token
        self._name = name

    def end(self, route: str | None, status: int | None, error: BaseException | None) -> None:
        """Name the span by `route`, record `status` (None: none was sent) and end it.

        A 5xx, or no response at all, marks the span as an error, recording `error`.
        """
        span = self._span
        if route is not None:
            span.update_name(f"{self._name} {route}")
            span.set_attribute("http.route", route)
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        if status is None or status >= 500:
            if error is not None:
                span.record_exception(error)
                span.set_attribute("error.type", type(error).__qualname__)
            else:
                span.set_attribute("error.type", str(status) if status else "_OTHER")
            span.set_status(Status(StatusCode.ERROR))
        span.end()
        context.detach(self._token)


def _version() -> str | None:
    """The installed version of approutes, for the tracer; None when it is not installed.

    NOTE: read from the metadata: importing `approutes.__version__` would run back up the layers.
    """
    try:
        return metadata.version("approutes")
    except metadata.PackageNotFoundError:
        return None
