"""Internal: the traces and metrics of each request (OpenTelemetry, Prometheus).

Nothing here is imported unless the project turns tracing or metrics on: the entrypoint holds
an `Observer` only then, and tests `self.observer is not None` once per request otherwise.
"""

__all__: list[str] = []
