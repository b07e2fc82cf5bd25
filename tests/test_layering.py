"""Imports follow the layering of ARCHITECTURE.md: each station knows only what it must."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "approutes"

# package -> approutes packages/modules it must not import
FORBIDDEN = {
    "routing": ("web", "asgi", "route_modules", "handlers", "request_context", "pipeline"),
    "web": ("routing", "asgi", "request_context", "pipeline", "route_modules", "handlers"),
    "route_modules": ("asgi", "handlers", "pipeline"),
    "handlers": ("asgi", "routing", "pipeline"),
    "settings": ("web", "asgi", "routing", "route_modules", "handlers", "pipeline"),
    "asgi": ("routing.trie", "route_modules", "handlers", "pipeline", "cli", "dev"),
    "cli": ("pipeline", "asgi.send", "handlers", "routing.trie"),
    "adapters": ("pipeline", "handlers", "routing", "route_modules", "stages"),
    "pages": ("asgi", "pipeline", "cli", "dev"),
}


def _imports(file: Path) -> set[str]:
    tree = ast.parse(file.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name.removeprefix("approutes.") for name in found if name.startswith("approutes.")}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_none_of_its_forbidden_neighbours(package: str) -> None:
    offenders = []
    for file in sorted((SRC / package).rglob("*.py")):
        for name in _imports(file):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[package]):
                offenders.append(f"{file.relative_to(SRC)} imports approutes.{name}")
    assert not offenders, "\n".join(offenders)


def test_only_the_assembler_imports_the_pipeline() -> None:
    importers = sorted(
        file.relative_to(SRC).as_posix()
        for file in SRC.rglob("*.py")
        if "pipeline" in _imports(file)
    )
    assert importers == ["project/assemble.py"]
