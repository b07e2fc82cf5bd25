"""`start --workers N` gives its workers one folder for their metrics, only when it is needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import make_project

from approutes.cli.worker_metrics import share_metrics_between_workers

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@pytest.fixture(autouse=True)
def no_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    # NOTE: set first, so that the variable is removed again after the test whatever it sets.
    monkeypatch.setenv(VARIABLE, "")
    monkeypatch.delenv(VARIABLE)


def test_a_project_with_metrics_gets_a_new_empty_folder(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"approutes.toml": 'metrics_path = "/metrics"\n'})

    folder = share_metrics_between_workers(root, dev=False)

    assert folder is not None
    assert os.environ[VARIABLE] == folder
    assert list(Path(folder).iterdir()) == []


def test_a_project_whose_env_file_sets_metrics_gets_one_too(tmp_path: Path) -> None:
    root = make_project(tmp_path, {".env": "APPROUTES_METRICS_PATH=/metrics\n"})

    try:
        assert share_metrics_between_workers(root, dev=False) is not None
    finally:
        os.environ.pop("APPROUTES_METRICS_PATH", None)


def test_a_project_without_metrics_gets_nothing(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/a/route.py": "def GET():\n    return {}\n"})

    assert share_metrics_between_workers(root, dev=False) is None
    assert VARIABLE not in os.environ


def test_a_folder_the_user_set_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path, {"approutes.toml": 'metrics_path = "/metrics"\n'})
    monkeypatch.setenv(VARIABLE, str(tmp_path / "mine"))

    assert share_metrics_between_workers(root, dev=False) is None
    assert os.environ[VARIABLE] == str(tmp_path / "mine")
