"""Loggers by package, and the one access record per request.

Nothing here configures logging: `approutes start` and `dev` do (`cli/log_setup.py`); an app
served another way logs through whatever the host program configured.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

__all__ = [
    "ACCESS_FIELDS",
    "AccessRecord",
    "AccessWriter",
    "access_log",
    "error_log",
    "log_access",
    "redact_url",
    "reload_log",
    "server_log",
    "write_access_lines_with",
]

access_log = logging.getLogger("approutes.access")
error_log = logging.getLogger("approutes.error")
reload_log = logging.getLogger("approutes.reload")
server_log = logging.getLogger("approutes.server")

ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "bytes")
"""What the arguments of an access record are, in order (the JSON format's field names)."""

_ACCESS_MESSAGE = "%s %s %d %.1fms %dB"
_LOADED = time.time()


class AccessRecord(logging.LogRecord):
    """The log record of one request: a `LogRecord` with only what an access line has.

    PERF: `LogRecord.__init__` looks up the caller's file, thread, process and task for every
    record; an access line has none of them worth knowing, and that work cost as much as the
    rest of the line (callgrind). Here they are fixed values, set with one dict copy, so
    any handler or formatter (which read `record.__dict__`) finds every standard attribute.
    """

    def __init__(self, args: tuple[str, str, int, float, int], request_id: str | None) -> None:
        """One request's record; `args` are `ACCESS_FIELDS`' values."""
        # NOTE: LogRecord.__init__ is skipped on purpose (the class docstring says why).
        now = time.time()
        # PERF: a copy of a whole dict is a block copy; update() inserts key by key.
        self.__dict__ = fields = _FIXED_FIELDS.copy()
        fields["args"] = args
        fields["created"] = now
        fields["msecs"] = (now - int(now)) * 1000
        fields["relativeCreated"] = (now - _LOADED) * 1000
        fields["request_id"] = request_id


_FIXED_FIELDS = {
    "name": "approutes.access",
    "msg": _ACCESS_MESSAGE,
    "levelname": "INFO",
    "levelno": logging.INFO,
    "pathname": "(unknown file)",
    "filename": "(unknown file)",
    "module": "Unknown module",
    "lineno": 0,
    "funcName": "(unknown function)",
    "exc_info": None,
    "exc_text": None,
    "stack_info": None,
    "thread": None,
    "threadName": None,
    "processName": None,
    "process": None,
    "taskName": None,
}


class AccessWriter(Protocol):
    """Writes an access line itself, when logging would only hand it to one known handler."""

    def __call__(self, args: tuple[str, str, int, float, int], request_id: str | None) -> bool:
        """Write the line of `args` (`ACCESS_FIELDS`); False to leave it to logging."""
        ...


_writer: AccessWriter | None = None


def write_access_lines_with(writer: AccessWriter | None) -> None:
    """Let `writer` write access lines (`approutes start` and its workers); None: logging."""
    global _writer  # one per process, set when the server configures its logging
    _writer = writer


def log_access(
    method: str, path: str, status: int, millis: float, sent: int, request_id: str | None = None
) -> None:
    """Log one finished request: its method, path, status, duration and body bytes sent.

    The request id is the current request's (added by the handler's filter), or `request_id`
    for a request refused before it had a state.

    PERF: one record handed to the logger (its level, filters and handlers apply as to any
    record); formatted only if a handler emits it. Under `approutes start`, whose one handler
    is known, a writer set by `write_access_lines_with` writes the same line without the
    record and logging's dispatch, while no other handler or filter would see it.
    """
    if access_log.isEnabledFor(logging.INFO):
        args = (method, path, status, millis, sent)
        writer = _writer
        if writer is None or not writer(args, request_id):
            access_log.handle(AccessRecord(args, request_id))


def redact_url(url: str) -> str:
    """Return `url` with its password replaced by `***`, for messages and logs.

    >>> redact_url("redis://:s3cret@cache:6379/0")
    'redis://:***@cache:6379/0'
    >>> redact_url("rediss://app:s3cret@cache")
    'rediss://app:***@cache'
    >>> redact_url("redis://token@cache")
    'redis://***@cache'
    >>> redact_url("redis://localhost:6379")
    'redis://localhost:6379'
    """
    scheme, separator, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not separator or not at:
        return url
    user, colon, _ = credentials.partition(":")
    return f"{scheme}://{user}:***@{host}" if colon else f"{scheme}://***@{host}"
