"""Loggers by package, and the one-line access record ("GET /api/hello 200 in 2ms")."""

from __future__ import annotations

import logging

__all__ = ["access_log", "error_log", "log_access", "reload_log"]

access_log = logging.getLogger("approutes.access")
error_log = logging.getLogger("approutes.error")
reload_log = logging.getLogger("approutes.reload")


def log_access(method: str, path: str, status: int, millis: float) -> None:
    """Log one finished request."""
    access_log.info("%s %s %d in %dms", method, path, status, round(millis))
