"""One set of request metrics for all the worker processes of `approutes start --workers N`."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import TYPE_CHECKING

from approutes.observability import MULTIPROCESS_VARIABLE
from approutes.project.env_files import load_env_files
from approutes.settings.model import load_settings

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["share_metrics_between_workers"]


def share_metrics_between_workers(root: Path, *, dev: bool) -> str | None:
    """Give the workers a new `PROMETHEUS_MULTIPROC_DIR` if the project at `root` has metrics.

    Call it before the project is first loaded in this process: prometheus-client decides at
    import whether it writes to that folder (granian forks its workers from this process).
    The folder is removed when this process exits. One set by the user is kept and left
    alone (a process manager that clears it between runs).

    Returns:
        The folder made, or None when there is nothing to share or it is the user's.

    Raises:
        SettingsError: the project's settings are not valid.
    """
    if MULTIPROCESS_VARIABLE in os.environ:
        return None
    load_env_files(root, "development" if dev else "production")
    if load_settings(root).metrics_path is None:
        return None
    folder = tempfile.mkdtemp(prefix="approutes-metrics-")
    os.environ[MULTIPROCESS_VARIABLE] = folder
    atexit.register(_remove, folder, os.getpid())
    return folder


def _remove(folder: str, owner: int) -> None:
    # NOTE: a forked worker that ran atexit hooks must not remove the server's folder.
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)
