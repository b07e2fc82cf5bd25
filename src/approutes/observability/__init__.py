"""Internal: the traces and metrics of each request (OpenTelemetry, Prometheus).

Nothing here is imported unless the project turns tracing or metrics on: the entrypoint holds
an `Observer` only then, and tests `self.observer is not None` once per request otherwise.
"""

__all__ = ["MULTIPROCESS_VARIABLE"]

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus-client's variable: the folder where each worker process writes its numbers.

NOTE: here, not in `metrics.py`: it must be set before `prometheus_client` is first imported.
"""
