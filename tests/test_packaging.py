"""pyproject.toml: the version is written once, and every 0.x dependency has an upper bound."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import approutes

if TYPE_CHECKING:
    from typing import Any

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
_LOWER = re.compile(r">=\s*([0-9]+)")


def _pyproject() -> dict[str, Any]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def _requirements() -> list[str]:
    pyproject = _pyproject()
    project = pyproject["project"]
    extras = project.get("optional-dependencies", {})
    groups = pyproject.get("dependency-groups", {})
    return [
        *project["dependencies"],
        *(r for group in extras.values() for r in group),
        *(r for group in groups.values() for r in group if isinstance(r, str)),
    ]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()


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


def test_the_core_dependencies_are_what_start_needs_on_one_server() -> None:
    core = {_name(r) for r in _pyproject()["project"]["dependencies"]}

    assert core == {
        "click",
        "httptools",
        "orjson",
        "pydantic",
        "pyjwt",
        "python-dotenv",
        "python-multipart",
        "uvicorn",
        "uvloop",
    }


def test_uvloop_and_httptools_are_asked_for_only_where_they_install() -> None:
    markers = {
        _name(r): r.partition(";")[2].strip() for r in _pyproject()["project"]["dependencies"]
    }

    assert "sys_platform != 'win32'" in markers["uvloop"]
    assert "sys_platform != 'win32'" in markers["httptools"]


def test_each_optional_piece_has_an_extra_named_for_it() -> None:
    extras = _pyproject()["project"]["optional-dependencies"]
    brings = {extra: {_name(r) for r in requirements} for extra, requirements in extras.items()}

    assert brings["granian"] == {"granian"}
    assert brings["redis"] == {"redis"}
    assert brings["aws"] == {"mangum"}
    assert brings["testing"] == {"httpx", "pytest"}
    assert brings["dev"] == {"watchfiles", "httpx", "pytest"}
    assert brings["otel"] == {"opentelemetry-api", "opentelemetry-sdk"}
    assert brings["metrics"] == {"prometheus-client"}
