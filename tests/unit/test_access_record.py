"""The access record is a LogRecord any standard formatter or handler can use."""

from __future__ import annotations

import logging

from approutes.log import AccessRecord

EVERY_ATTRIBUTE = (
    "%(asctime)s %(created)f %(filename)s %(funcName)s %(levelname)s %(levelno)s %(lineno)d "
    "%(message)s %(module)s %(msecs)d %(name)s %(pathname)s %(process)s %(processName)s "
    "%(relativeCreated)d %(thread)s %(threadName)s"
)


def test_a_standard_formatter_finds_every_attribute() -> None:
    record = AccessRecord(("GET", "/api/x", 200, 1.25, 17), "abc")

    line = logging.Formatter(EVERY_ATTRIBUTE).format(record)

    assert " INFO 20 0 GET /api/x 200 1.2ms 17B " in line
    assert " approutes.access (unknown file) " in line


def test_it_carries_its_request_id_and_arguments() -> None:
    record = AccessRecord(("POST", "/api/y", 201, 0.5, 0), "req-1")

    assert record.getMessage() == "POST /api/y 201 0.5ms 0B"
    assert getattr(record, "request_id", None) == "req-1"
    assert record.levelno == logging.INFO
    assert record.exc_info is None
