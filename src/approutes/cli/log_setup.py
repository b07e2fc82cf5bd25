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
from typing import TYPE_CHECKING, Any, Literal

from approutes.log import write_access_lines_with

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "LOG_FORMATS",
    "DirectAccessLines",
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

_ACCESS_MESSAGE = "%s %s %d %.1fms %dB"  # NOTE: log.py's record message, the same line

_FORMATTERS = {
    "text": {"()": "approutes.cli.log_setup.TextFormatter"},
    "json": {"()": "approutes.cli.log_setup.JsonFormatter"},
}


class RequestIdFilter(logging.Filter):
    """Gives every record logged during a request that request's id (`record.request_id`).

    A record logged outside any request gets None; one that already has an id keeps it.

    PERF: the request state is imported on the first record, not with this module: the
    supervisor of `approutes start` (`supervisor.py`) applies this configuration, serves no
    request, and its memory counts beside each worker's (`request_context` and what it
    imports: ~1.2 MiB).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the id; never drops a record."""
        if getattr(record, "request_id", None) is None:
            from approutes.request_context import CURRENT_STATE  # noqa: PLC0415 - see above

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
        return self.at(record.created, record.msecs)

    def at(self, created: float, msecs: float) -> str:
        second = int(created)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._stamp}.{int(msecs):03d}Z"


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

    def access_line(
        self, args: tuple[str, str, int, float, int], request_id: str | None, now: float
    ) -> str:
        """The line of an access record of `args` made at `now`, as `format` writes it."""
        line = f"{self.clock.at(now, (now - int(now)) * 1000)} INFO approutes.access "
        line += _ACCESS_MESSAGE % args
        return line if request_id is None else f"{line} request_id={request_id}"

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
        # NOTE: imported here, not with the module: the text format (and the supervisor that
        # uses it, see RequestIdFilter) does without the JSON codec (~1.3 MiB with orjson).
        from approutes.web.json_codec import dumps_log_line  # noqa: PLC0415

        super().__init__()
        self.clock = _UtcClock()
        self._dumps: Callable[[Any], bytes] = dumps_log_line

    def format(self, record: logging.LogRecord) -> str:
        """Format one record; a traceback becomes the one string field `traceback`."""
        args = record.args
        if record.name == "approutes.access" and isinstance(args, tuple) and len(args) == 5:
            return self._access(args, getattr(record, "request_id", None), self.clock.text(record))
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
        return self._dumps(entry).decode()

    def access_line(
        self, args: tuple[str, str, int, float, int], request_id: str | None, now: float
    ) -> str:
        """The line of an access record of `args` made at `now`, as `format` writes it."""
        return self._access(args, request_id, self.clock.at(now, (now - int(now)) * 1000))

    def _access(self, args: tuple[Any, ...], request_id: str | None, stamp: str) -> str:
        # PERF: the line of every request, in one literal (callgrind: 31k -> 24k instructions).
        method, path, status, millis, sent = args
        return self._dumps(
            {
                "time": stamp,
                "level": "INFO",
                "logger": "approutes.access",
                "message": _ACCESS_MESSAGE % args,
                "request_id": request_id,
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


class DirectAccessLines:
    """Writes access lines straight to approutes' handler, past logging's dispatch.

    PERF: a record, the logger tree, two filter passes, the handler's lock and the formatter's
    record lookups cost more than the rest of a trivial request (bench/RESULTS.md). When
    the root logger's only handler is the one `logging_config` made (a stream handler with
    approutes' text or JSON formatter and its request-id filter) and no handler or filter sits
    on `approutes` or `approutes.access`, nobody else would see an access record: the same
    line is formatted and written here, under the handler's lock. Anything else a project or
    library set up (another handler, a filter, a dev format) sends the line through logging.
    """

    __slots__ = ("_format", "_handler", "_loggers", "_root", "_state")

    def __init__(self) -> None:
        """Watch the root logger and approutes' loggers (the handler is found on first use)."""
        from approutes.request_context import CURRENT_STATE  # noqa: PLC0415 - RequestIdFilter

        self._state = CURRENT_STATE
        self._root = logging.getLogger()
        self._loggers = (logging.getLogger("approutes"), logging.getLogger("approutes.access"))
        self._handler: logging.StreamHandler[Any] | None = None
        self._format: Any = None

    def __call__(self, args: tuple[str, str, int, float, int], request_id: str | None) -> bool:
        """Write the line of `args`; False when logging must (see the class docstring)."""
        handlers = self._root.handlers
        handler = self._handler
        if len(handlers) != 1 or handlers[0] is not handler or handler is None:
            handler = self._adopt()
            if handler is None:
                return False
        for logger in self._loggers:
            if logger.handlers or logger.filters or not logger.propagate:
                return False
        if request_id is None:
            state = self._state.get()
            request_id = None if state is None else state.request_id
        line = self._format(args, request_id, time.time())
        with handler.lock:  # type: ignore[union-attr]  # a StreamHandler has its lock
            stream = handler.stream
            stream.write(line + handler.terminator)
            stream.flush()
        return True

    def _adopt(self) -> logging.StreamHandler[Any] | None:
        """The root's one handler, if it is approutes' own as `logging_config` made it."""
        self._handler = None
        handlers = self._root.handlers
        if len(handlers) != 1 or type(handlers[0]) is not logging.StreamHandler:
            return None
        handler = handlers[0]
        formatter = handler.formatter
        own_filters = [type(f) for f in handler.filters] == [RequestIdFilter]
        if not own_filters or handler.level > logging.INFO:
            return None
        if type(formatter) not in (TextFormatter, JsonFormatter):
            return None
        self._handler = handler
        self._format = formatter.access_line  # type: ignore[union-attr]
        return handler


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
    `worker_app.app_from_environment` calls `skip_unused_record_fields` there).
    """
    config = logging_config(log_format, colour=colour)
    logging.config.dictConfig(config)
    skip_unused_record_fields()
    return config


def skip_unused_record_fields() -> None:
    """Do not collect a record's caller, thread and process: these formats never show them.

    And write access lines past logging's dispatch while its handler is approutes' own
    (`DirectAccessLines`).

    PERF: 23k of the 87k instructions of an access line (callgrind); the settings are the
    ones the logging HOWTO's "Optimization" section names. A handler a project adds itself
    sees `(unknown file)` and no thread or process name in its records.
    """
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # NOTE: the HOWTO names this private attribute itself
    write_access_lines_with(DirectAccessLines())
