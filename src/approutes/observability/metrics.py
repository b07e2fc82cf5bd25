"""Prometheus request metrics: a counter and a duration histogram per method, route and status.

The only importer of `prometheus_client`. With several worker processes `approutes start`
sets `PROMETHEUS_MULTIPROC_DIR` before any worker starts: each worker then writes its numbers
to files there, and whichever worker answers the scrape adds up those of every worker.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, values
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from approutes.observability import MULTIPROCESS_VARIABLE
from approutes.web.response import Response

__all__ = ["RequestMetrics"]

_LABELS = ("method", "route", "status")


class RequestMetrics:
    """The request metrics of one server, and their Prometheus text.

    Example (in one process):
        >>> metrics = RequestMetrics()
        >>> metrics.record("GET", "/api/users/[id]", 200, 0.004)
        >>> text = metrics.scrape().body.decode()
        >>> print(next(line for line in text.splitlines() if line.startswith("approutes_req")))
        approutes_requests_total{method="GET",route="/api/users/[id]",status="200"} 1.0
    """

    __slots__ = ("_children", "_duration", "_multiprocess_dir", "_registry", "_requests")

    def __init__(self) -> None:
        """Create the metrics; in multiprocess mode when `PROMETHEUS_MULTIPROC_DIR` is set."""
        # NOTE: prometheus-client chose where values live when it was first imported; a
        # variable set only later (in this process) does not make it write files.
        in_files = values.ValueClass is not values.MutexValue
        self._multiprocess_dir = os.environ.get(MULTIPROCESS_VARIABLE) if in_files else None
        # NOTE: a registry of our own, not prometheus-client's global one: an application
        # created twice in a process (tests, a reload) does not register the names twice.
        self._registry = CollectorRegistry(auto_describe=False)
        self._requests = Counter(
            "approutes_requests",
            "HTTP requests answered, by method, route template and status.",
            _LABELS,
            registry=self._registry,
        )
        self._duration = Histogram(
            "approutes_request_duration_seconds",
            "Time from the request to the end of its response body, in seconds.",
            _LABELS,
            registry=self._registry,
        )
        # PERF: the labelled children by (method, route, status): one dict lookup a request
        # instead of prometheus-client's label validation and locked lookup.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request of `method` to `route` answered `status` in `seconds`."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            labels = (method, route, str(status))
            children = (self._requests.labels(*labels), self._duration.labels(*labels))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def scrape(self) -> Response:
        """The metrics in Prometheus' text format, as the response to a scrape."""
        if self._multiprocess_dir is None:
            text = generate_latest(self._registry)
        else:
            registry = CollectorRegistry(auto_describe=False)
            MultiProcessCollector(registry, path=self._multiprocess_dir)  # type: ignore[no-untyped-call]
            text = generate_latest(registry)
        return Response(
            text, headers={"content-type": CONTENT_TYPE_LATEST, "cache-control": "no-store"}
        )
