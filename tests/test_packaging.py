"""pyproject.toml: the version is written once, and every 0.x dependency has an upper bound."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import approutes

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
_LOWER = re.compile(r">=\s*([0-9]+)")


def _requirements() -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    return [*project["dependencies"], *(r for group in extras.values() for r in group)]


def test_the_version_is_written_once_in_the_package() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]

    assert "version" not in project
    assert "version" in project["dynamic"]
    assert importlib.metadata.version("approutes") == approutes.__version__


def test_every_0x_dependency_has_an_upper_bound() -> None:
    unbounded = []
    for requirement in _requirements():
        spec = requirement.split(";")[0]
        lower = _LOWER.search(spec)
        if lower is not None and lower.group(1) == "0" and "<" not in spec:
            unbounded.append(requirement)

    assert unbounded == []
