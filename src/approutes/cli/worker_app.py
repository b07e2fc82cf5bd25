"""The app each worker of `approutes start` serves: the project the command named.

`serve` writes what a worker needs into the environment (the variables below) before it hands
over to the supervisor; granian, and uvicorn with several workers, call `app_from_environment`
in each worker they start.

PERF: a module of its own, so that a worker imports none of the command's own modules (click,
the supervisor's plan, the server options): 6 ms of each worker's start-up.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING

from approutes.app import create_app
from approutes.build.manifest import StaleManifestWarning
from approutes.cli.gc_tuning import tune_gc_for_serving
from approutes.cli.going_away import close_sockets_before_granian_stops
from approutes.cli.log_setup import skip_unused_record_fields

if TYPE_CHECKING:
    from approutes.asgi.entrypoint import AsgiEntrypoint

__all__ = [
    "ACCESS_LOG_VARIABLE",
    "DEV_VARIABLE",
    "GRACEFUL_VARIABLE",
    "ROOT_VARIABLE",
    "app_from_environment",
]

ROOT_VARIABLE = "_APPROUTES_SERVE_ROOT"
"""The project folder."""
DEV_VARIABLE = "_APPROUTES_SERVE_DEV"
""""1" under `approutes dev`."""
ACCESS_LOG_VARIABLE = "_APPROUTES_SERVE_ACCESS_LOG"
""""1" to log a line per request."""
GRACEFUL_VARIABLE = "_APPROUTES_SERVE_GRACEFUL_TIMEOUT"
"""Seconds the requests in flight get once the worker is told to stop."""


def app_from_environment() -> AsgiEntrypoint:
    """Factory the server's workers call: the project named by the serving process."""
    dev = os.environ.get(DEV_VARIABLE) == "1"
    with warnings.catch_warnings():
        # NOTE: the serving process said it once already (`serve`); not once per worker.
        warnings.simplefilter("ignore", StaleManifestWarning)
        app = create_app(os.environ[ROOT_VARIABLE], dev=dev)
    app.access_log = dev or os.environ.get(ACCESS_LOG_VARIABLE) == "1"
    close_sockets_before_granian_stops(app, int(os.environ[GRACEFUL_VARIABLE]))
    skip_unused_record_fields()  # NOTE: a spawned worker starts with logging's defaults
    if not dev:
        tune_gc_for_serving()
    return app
