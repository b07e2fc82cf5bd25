"""How `approutes start` and `dev` log: one handler on standard error, in a chosen format.

Every logger goes through it: approutes' own (`approutes.access`, `approutes.error`, ...),
uvicorn's and granian's (their errors; their access logs stay off, approutes writes its
own), and any other library's or the project's warnings and errors. The same configuration
is given to the server, which applies it again in each worker process.

Formats:

- `text`: `2026-05-04T10:20:30.123Z INFO approutes.access GET /api/x 200 1.2ms 17B
  request_id=9f0c...`, a traceback on the lines below.
- `json`: one object per line, `time`, `level`, `logger`, `message`, `request_id` when the
  line was logged during a request, the access fields (`method`, `path`, `status`,
  `duration_ms`, `bytes`), and a traceback in one string field, `traceback`.
- `dev`: the message alone, coloured on a terminal (`GET /api/x 200 in 2ms`).
"""

from __future__ import annotations

import logging
import logging.config
import time
from typing import Any, Literal

from approutes.log import ACCESS_FIELDS
from approutes.request_context import CURRENT_STATE
from approutes.web.json_codec import dumps

__all__ = [
    "LOG_FORMATS",
    "JsonFormatter",
    "LogFormat",
    "RequestIdFilter",
    "TextFormatter",
    "configure_logging",
    "logging_config",
]

LogFormat = Literal["text", "json", "dev"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")
"""The formats `approutes start --log-format` offers (dev has its own)."""

_FORMATTERS = {
    "text": {"()": "approutes.cli.log_setup.TextFormatter"},
    "json": {"()": "approutes.cli.log_setup.JsonFormatter"},
}


class RequestIdFilter(logging.Filter):
    """Gives every record logged during a request that request's id (`record.request_id`).

    A record logged outside any request gets None; one that already has an id keeps it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the id; never drops a record."""
        if getattr(record, "request_id", None) is None:
            state = CURRENT_STATE.get()
            record.request_id = None if state is None else state.request_id
        return True


def _utc_time(record: logging.LogRecord) -> str:
    """`record`'s time as ISO 8601 in UTC, to the millisecond."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{stamp}.{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    """`<time> <LEVEL> <logger> <message> [request_id=<id>]`, then any traceback.

    >>> record = logging.LogRecord("approutes.access", logging.INFO, "", 0,
    ...                            "%s %s %d %.1fms %dB", ("GET", "/x", 200, 1.25, 7), None)
    >>> record.created, record.msecs, record.request_id = 0.0, 5.0, "abc"
    >>> TextFormatter().format(record)
    '1970-01-01T00:00:00.005Z INFO approutes.access GET /x 200 1.2ms 7B request_id=abc'
    """

    def format(self, record: logging.LogRecord) -> str:
        """Format one record (a traceback follows on its own lines)."""
        line = f"{_utc_time(record)} {record.levelname} {record.name} {record.getMessage()}"
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            line = f"{line} request_id={request_id}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        if record.stack_info:
            line = f"{line}\n{self.formatStack(record.stack_info)}"
        return line


class JsonFormatter(logging.Formatter):
    r"""One JSON object per record, on one line.

    >>> record = logging.LogRecord("approutes.access", logging.INFO, "", 0,
    ...                            "%s %s %d %.1fms %dB", ("GET", "/x", 200, 1.25, 7), None)
    >>> record.created, record.msecs, record.request_id = 0.0, 5.0, "abc"
    >>> import json
    >>> line = JsonFormatter().format(record)
    >>> "\n" in line
    False
    >>> json.loads(line)  # doctest: +NORMALIZE_WHITESPACE
    {'time': '1970-01-01T00:00:00.005Z', 'level': 'INFO', 'logger': 'approutes.access',
     'message': 'GET /x 200 1.2ms 7B', 'request_id': 'abc', 'method': 'GET', 'path': '/x',
     'status': 200, 'duration_ms': 1.25, 'bytes': 7}
    """

    def format(self, record: logging.LogRecord) -> str:
        """Format one record; a traceback becomes the one string field `traceback`."""
        entry: dict[str, Any] = {
            "time": _utc_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        if record.name == "approutes.access" and isinstance(record.args, tuple):
            entry.update(zip(ACCESS_FIELDS, record.args, strict=False))
            millis = entry.get("duration_ms")
            if isinstance(millis, float):
                entry["duration_ms"] = round(millis, 3)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return dumps(entry).decode()


def logging_config(log_format: LogFormat, *, colour: bool = False) -> dict[str, Any]:
    """The `logging.config.dictConfig` of approutes' servers, for `log_format`.

    uvicorn takes it as `log_config`, granian as `log_dictconfig` (its own loggers are
    named here, since granian replaces its defaults with these tables). `colour` is for the
    dev format on a terminal.
    """
    formatter = (
        {"()": "approutes.cli.console.DevLogFormatter", "colour": colour}
        if log_format == "dev"
        else _FORMATTERS[log_format]
    )
    quiet = {"level": "WARNING"}  # NOTE: the servers' start-up chatter; approutes says it once
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "approutes.cli.log_setup.RequestIdFilter"}},
        "formatters": {"approutes": formatter},
        "handlers": {
            "approutes": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "approutes",
                "filters": ["request_id"],
            }
        },
        "loggers": {
            "approutes": {"level": "INFO"},
            "uvicorn": quiet,
            "uvicorn.error": quiet,
            "uvicorn.access": quiet,
            "_granian": quiet,
            "granian.access": quiet,
        },
        # NOTE: every logger propagates here, so Python's last-resort handler (no time, no
        # level) never prints.
        "root": {"level": "WARNING", "handlers": ["approutes"]},
    }


def configure_logging(log_format: LogFormat, *, colour: bool = False) -> dict[str, Any]:
    """Apply `logging_config(log_format)` in this process and return it, for the server."""
    config = logging_config(log_format, colour=colour)
    logging.config.dictConfig(config)
    return config
