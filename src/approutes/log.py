"""Loggers by package, and the one access record per request.

Nothing here configures logging: `approutes start` and `dev` do (`cli/log_setup.py`); an app
served another way logs through whatever the host program configured.
"""

from __future__ import annotations

import logging

__all__ = [
    "ACCESS_FIELDS",
    "access_log",
    "error_log",
    "log_access",
    "reload_log",
    "server_log",
]

access_log = logging.getLogger("approutes.access")
error_log = logging.getLogger("approutes.error")
reload_log = logging.getLogger("approutes.reload")
server_log = logging.getLogger("approutes.server")

ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "bytes")
"""What the arguments of an access record are, in order (the JSON format's field names)."""

_ACCESS_MESSAGE = "%s %s %d %.1fms %dB"


def log_access(
    method: str, path: str, status: int, millis: float, sent: int, request_id: str | None = None
) -> None:
    """Log one finished request: its method, path, status, duration and body bytes sent.

    The request id is the current request's (added by the handler's filter), or `request_id`
    for a request refused before it had a state.

    PERF: one logger call; the line is formatted only if a handler emits it.
    """
    if request_id is None:
        access_log.info(_ACCESS_MESSAGE, method, path, status, millis, sent)
    else:
        extra = {"request_id": request_id}
        access_log.info(_ACCESS_MESSAGE, method, path, status, millis, sent, extra=extra)
