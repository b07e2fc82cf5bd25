"""Observer: what the entrypoint calls around each request when tracing or metrics are on."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from approutes.errors import SettingsError
from approutes.web.response import Response

if TYPE_CHECKING:
    from collections.abc import Callable

    from approutes.asgi.interface import Message, Scope, Send
    from approutes.observability.metrics import RequestMetrics
    from approutes.observability.tracing import RequestSpan, RequestTracer
    from approutes.routing.route_table import RouteTable
    from approutes.settings.model import Settings

__all__ = ["Observation", "Observer", "method_name", "observer_for"]

# The methods of RFC 9110 (and PATCH); any other is "_OTHER", as OpenTelemetry's HTTP
# conventions say: a client must not be able to create a new series per made-up method.
_KNOWN_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE")
)


def method_name(method: str) -> str:
    """The method as traced and counted.

    >>> method_name("GET"), method_name("PROPFIND")
    ('GET', '_OTHER')
    """
    return method if method in _KNOWN_METHODS else "_OTHER"


def observer_for(settings: Settings, table: RouteTable) -> Observer | None:
    """The observer `settings` ask for (`tracing`, `metrics_path`), or None when both are off.

    Raises:
        SettingsError: `metrics_path` is also the URL of a route (naming the route file).
    """
    if not settings.tracing and settings.metrics_path is None:
        return None
    tracer = None
    if settings.tracing:
        from approutes.observability.tracing import RequestTracer  # noqa: PLC0415 - optional

        tracer = RequestTracer()
    metrics = None
    if settings.metrics_path is not None:
        _check_metrics_path(settings.metrics_path, settings.base_path, table)
        from approutes.observability.metrics import RequestMetrics  # noqa: PLC0415 - optional

        metrics = RequestMetrics()
    return Observer(tracer, metrics, settings.metrics_path or "")


def _check_metrics_path(path: str, base_path: str, table: RouteTable) -> None:
    route = table.route_at_setting_path(path, base_path)
    if route is not None:
        raise SettingsError(
            code="metrics-path-conflict",
            files=(route.file,),
            problem=(
                f"the setting metrics_path = {path!r} is also the URL of the route "
                f"{base_path}{route.pattern}"
            ),
            fix='choose another metrics_path (for example "/_approutes/metrics")',
        )


class Observer:
    """Traces and counts each request; answers the metrics scrape.

    `scrape_path` is the metrics path, "" when metrics are off (no request path is empty).
    """

    __slots__ = ("_metrics", "_tracer", "clock", "scrape_path")

    def __init__(
        self,
        tracer: RequestTracer | None,
        metrics: RequestMetrics | None,
        scrape_path: str,
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        """Trace with `tracer`, count into `metrics` (each optional)."""
        self._tracer = tracer
        self._metrics = metrics
        self.scrape_path = scrape_path
        self.clock = clock

    def begin(self, scope: Scope, send: Send) -> Observation:
        """Start observing the request of `scope`, whose response goes to `send`.

        The span (when tracing) is current from now on: spans the handler starts are its
        children. Send the response through `Observation.send`, then call `Observation.end`.
        """
        method = method_name(scope["method"])
        span = None if self._tracer is None else self._tracer.start(scope, method)
        return Observation(self, method, span, send, self.clock())

    def scrape(self, method: str) -> Response:
        """The answer to a request for the metrics path: the metrics to GET and HEAD."""
        if self._metrics is None or method not in ("GET", "HEAD"):
            return Response(None, status=405, headers={"allow": "GET, HEAD"})
        return self._metrics.scrape()

    def finish(self, observation: Observation, route: str, error: BaseException | None) -> None:
        """Name, record and end `observation`, answered by the route `route` ("" for none)."""
        status = observation.status
        if observation.span is not None:
            observation.span.end(route or None, status, error)
        if self._metrics is not None:
            ended = observation.sent if observation.sent is not None else self.clock()
            seconds = ended - observation.started
            self._metrics.record(observation.method, route, status or 500, seconds)


class Observation:
    """One request being observed: its span, its start, the status it was answered."""

    __slots__ = ("_send", "method", "observer", "sent", "span", "started", "status")

    def __init__(
        self, observer: Observer, method: str, span: RequestSpan | None, send: Send, started: float
    ) -> None:
        """Observe for `observer` a request of `method` started at `started`."""
        self.observer = observer
        self.method = method
        self.span = span
        self._send = send
        self.started = started
        self.status: int | None = None
        self.sent: float | None = None

    async def send(self, message: Message) -> None:
        """Send `message` to the server, noting the response's status and when it ends."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif not message.get("more_body", False):
            await self._send(message)
            # NOTE: the duration ends with the body, before any after() callback runs.
            self.sent = self.observer.clock()
            return
        await self._send(message)

    def end(self, route_pattern: str, error: BaseException | None) -> None:
        """The response is sent (or never will be): record the request as answered.

        `route_pattern` is the template of the route that answered ("" for none); `error`,
        what the request raised, is recorded on the span if it became a 5xx.
        """
        self.observer.finish(self, route_pattern, error)
