"""Imports run down the layers of ARCHITECTURE.md, never back up: no import cycle can form.

Every package and top-level module of `approutes` has a layer below. A file may import its
own unit and the units of lower layers only, whether the import runs at start-up, inside a
function, or for type checking alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "approutes"

# Bottom to top; units on one line share a layer and must not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "log"),
    ("web",),
    ("request_context", "navigation"),
    ("error_responses", "headers", "server", "auth"),
    ("routing", "rules", "static"),
    ("error_reporting",),
    ("settings",),
    ("project",),
    ("typed_params",),
    ("route_modules",),
    ("handlers",),
    ("cache",),
    ("pages", "middleware"),
    ("pipeline",),
    ("asgi",),
    ("observability",),
    ("openapi", "build"),
    ("front", "route_loading"),
    ("assemble",),
    ("dev",),
    ("app",),
    ("websocket_testing",),
    ("testing", "adapters", "cli"),
    ("__init__", "__main__"),
)
LAYER = {unit: level for level, units in enumerate(LAYERS) for unit in units}
TEMPLATE = "cli/project_template"


def _unit(file: Path) -> str:
    return file.relative_to(SRC).with_suffix("").parts[0]


def _imported_units(file: Path) -> set[str]:
    tree = ast.parse(file.read_text(encoding="utf-8"))
    units: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "approutes":
                units.update(alias.name for alias in node.names)
            elif node.module.startswith("approutes."):
                units.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            units.update(
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("approutes.")
            )
    return units


def _sources() -> list[Path]:
    return sorted(f for f in SRC.rglob("*.py") if TEMPLATE not in f.relative_to(SRC).as_posix())


def test_every_unit_has_a_layer() -> None:
    units = {_unit(file) for file in _sources()}

    assert sorted(units - set(LAYER)) == []
    assert sorted(set(LAYER) - units) == []


@pytest.mark.parametrize("layer", LAYERS, ids=lambda units: "+".join(units))
def test_imports_run_down_the_layers(layer: tuple[str, ...]) -> None:
    offenders = []
    for file in _sources():
        unit = _unit(file)
        if unit not in layer:
            continue
        for name in sorted(_imported_units(file) - {unit, "__version__"}):
            if LAYER.get(name, -1) >= LAYER[unit]:
                where = "beside it" if LAYER.get(name) == LAYER[unit] else "above it"
                offenders.append(f"{file.relative_to(SRC)} imports approutes.{name} ({where})")
    assert not offenders, "\n".join(offenders)


def test_only_the_assembler_imports_the_pipeline() -> None:
    importers = sorted(
        file.relative_to(SRC).as_posix()
        for file in _sources()
        if "pipeline" in _imported_units(file)
    )

    assert importers == ["assemble.py"]
