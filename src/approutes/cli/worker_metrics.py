"""One set of request metrics for all the worker processes of `approutes start --workers N`."""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

from approutes.cli.supervisor import remove_at_exit
from approutes.observability import MULTIPROCESS_VARIABLE
from approutes.project.env_files import load_env_files
from approutes.settings.model import load_settings

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["share_metrics_between_workers"]


def share_metrics_between_workers(root: Path, *, dev: bool) -> str | None:
    """Give the workers a new `PROMETHEUS_MULTIPROC_DIR` if the project at `root` has metrics.

    Call it before the project is first loaded in this process: prometheus-client decides at
    import whether it writes to that folder. The folder is removed when this process exits,
    or the supervisor it becomes (`supervisor.SupervisorPlan.metrics_folder`). One set by the
    user is kept and left alone (a process manager that clears it between runs).

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
    remove_at_exit(folder)  # NOTE: and by the supervisor, which this process becomes
    return folder
