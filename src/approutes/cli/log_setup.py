"""How `approutes start` and `dev` log: one handler on standard error, in a chosen format.

Every logger goes through it: approutes' own (`approutes.access`, `approutes.error`, ...),
uvicorn's and granian's (warnings and errors; their access logs stay off, approutes writes
its own), and the project's and other libraries' (from INFO up). The same configuration
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

from approutes.request_context import CURRENT_STATE
from approutes.web.json_codec import dumps_log_line

__all__ = [
    "LOG_FORMATS",
    "JsonFormatter",
    "LogFormat",
    "RequestIdFilter",
    "TextFormatter",
    "configure_logging",
    "logging_config",
    "skip_unused_record_fields",
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


class _UtcClock:
    """Record times as ISO 8601 in UTC, to the millisecond.

    PERF: `time.strftime` costs ~9k instructions (callgrind), a tenth of a whole access
    line; it runs once a second here, not once a line. A race between threads at worst
    computes the same text twice.

    >>> _UtcClock().text(logging.makeLogRecord({"created": 86400.25, "msecs": 250.0}))
    '1970-01-02T00:00:00.250Z'
    """

    __slots__ = ("_second", "_stamp")

    def __init__(self) -> None:
        self._second = -1
        self._stamp = ""

    def text(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._stamp}.{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    """`<time> <LEVEL> <logger> <message> [request_id=<id>]`, then any traceback.

    >>> record = logging.LogRecord("approutes.access", logging.INFO, "", 0,
    ...                            "%s %s %d %.1fms %dB", ("GET", "/x", 200, 1.25, 7), None)
    >>> record.created, record.msecs, record.request_id = 0.0, 5.0, "abc"
    >>> TextFormatter().format(record)
    '1970-01-01T00:00:00.005Z INFO approutes.access GET /x 200 1.2ms 7B request_id=abc'
    """

    def __init__(self) -> None:
        """A formatter with its own clock."""
        super().__init__()
        self.clock = _UtcClock()

    def format(self, record: logging.LogRecord) -> str:
        """Format one record (a traceback follows on its own lines)."""
        line = f"{self.clock.text(record)} {record.levelname} {record.name} {record.getMessage()}"
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

    def __init__(self) -> None:
        """A formatter with its own clock."""
        super().__init__()
        self.clock = _UtcClock()

    def format(self, record: logging.LogRecord) -> str:
        """Format one record; a traceback becomes the one string field `traceback`."""
        args = record.args
        if record.name == "approutes.access" and isinstance(args, tuple) and len(args) == 5:
            # PERF: the line of every request, in one literal (callgrind: 31k -> 24k instructions).
            method, path, status, millis, sent = args
            return dumps_log_line(
                {
                    "time": self.clock.text(record),
                    "level": record.levelname,
                    "logger": "approutes.access",
                    "message": record.getMessage(),
                    "request_id": getattr(record, "request_id", None),
                    "method": method,
                    "path": path,
                    "status": status,
                    # PERF: round(x, 3) costs 4.5k instructions, this a few hundred.
                    "duration_ms": int(millis * 1000 + 0.5) / 1000
                    if isinstance(millis, float)
                    else millis,
                    "bytes": sent,
                }
            ).decode()
        entry: dict[str, Any] = {
            "time": self.clock.text(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return dumps_log_line(entry).decode()


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
        # level) never prints. INFO: a project's own `log.info(...)` lines are shown, as a
        # server's log should; a chatty library is quieted with its logger's level.
        "root": {"level": "INFO", "handlers": ["approutes"]},
    }


def configure_logging(log_format: LogFormat, *, colour: bool = False) -> dict[str, Any]:
    """Apply `logging_config(log_format)` in this process and return it, for the server.

    Also stops each record from collecting what no format here shows: the calling file
    and line, the thread, the process (a server's worker applies the returned config, and
    `app_from_environment` calls `skip_unused_record_fields` there).
    """
    config = logging_config(log_format, colour=colour)
    logging.config.dictConfig(config)
    skip_unused_record_fields()
    return config


def skip_unused_record_fields() -> None:
    """Do not collect a record's caller, thread and process: these formats never show them.

    PERF: 23k of the 87k instructions of an access line (callgrind); the settings are the
    ones the logging HOWTO's "Optimization" section names. A handler a project adds itself
    sees `(unknown file)` and no thread or process name in its records.
    """
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # NOTE: the HOWTO names this private attribute itself
