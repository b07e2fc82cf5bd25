"""Access lines written past logging's dispatch, only while nobody else would see the record."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from typing import TYPE_CHECKING, Any

import pytest

from approutes.cli.log_setup import configure_logging
from approutes.log import log_access, write_access_lines_with

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TEXT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO approutes\.access "
    r"GET /api/x 200 1\.2ms 17B request_id=abc$"
)


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], io.StringIO]]:
    """Configure approutes' logging onto a fresh standard error; logging restored after.

    NOTE: called in the test itself: pytest swaps its own capture into sys.stderr between a
    fixture's set-up and the test.
    """
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)

    def configure(log_format: str) -> io.StringIO:
        stream = io.StringIO()
        monkeypatch.setattr(sys, "stderr", stream)
        configure_logging(log_format)  # type: ignore[arg-type]
        return stream

    yield configure
    write_access_lines_with(None)
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name in ("approutes", "approutes.access"):
        logging.getLogger(name).filters.clear()
        logging.getLogger(name).handlers.clear()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_direct_line_is_the_line_logging_writes(
    configured: Any, log_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = configured(log_format)
    records: list[logging.LogRecord] = []
    access = logging.getLogger("approutes.access")
    real = access.handle

    def noting(record: logging.LogRecord) -> None:
        records.append(record)
        real(record)

    monkeypatch.setattr(access, "handle", noting)
    log_access("GET", "/api/x", 200, 1.25, 17, request_id="abc")  # direct
    assert records == []  # no record made, no dispatch
    extra = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(extra)
    log_access("GET", "/api/x", 200, 1.25, 17, request_id="abc")  # through logging
    assert len(records) == 1

    direct, logged = stderr.getvalue().splitlines()
    if log_format == "text":
        assert TEXT_LINE.match(direct), direct
        assert TEXT_LINE.match(logged), logged
    else:
        first, second = json.loads(direct), json.loads(logged)
        assert first.pop("time")[:4] == second.pop("time")[:4]
        assert first == second
        assert first["message"] == "GET /api/x 200 1.2ms 17B"


def test_a_handler_a_project_adds_still_gets_every_access_record(configured: Any) -> None:
    stderr = configured("text")
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logging.getLogger().addHandler(Keep())
    log_access("POST", "/api/y", 201, 0.5, 0, request_id="r1")

    assert [record.getMessage() for record in seen] == ["POST /api/y 201 0.5ms 0B"]
    assert "POST /api/y 201 0.5ms 0B request_id=r1" in stderr.getvalue()


def test_a_filter_on_the_access_logger_still_decides(configured: Any) -> None:
    stderr = configured("text")

    class DropHealth(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return "/health" not in record.getMessage()

    logging.getLogger("approutes.access").addFilter(DropHealth())
    log_access("GET", "/health", 200, 0.1, 2, request_id="h")
    log_access("GET", "/api/x", 200, 1.25, 17, request_id="abc")

    lines = stderr.getvalue().splitlines()
    assert len(lines) == 1
    assert TEXT_LINE.match(lines[0])


def test_the_access_level_turned_off_writes_nothing(configured: Any) -> None:
    stderr = configured("text")
    logging.getLogger("approutes.access").setLevel(logging.WARNING)
    try:
        log_access("GET", "/api/x", 200, 1.25, 17, request_id="abc")
    finally:
        logging.getLogger("approutes.access").setLevel(logging.NOTSET)
    assert stderr.getvalue() == ""
