"""The user documentation builds strictly, names every public name and lists every error page."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mkdocs.config import load_config

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
CONFIG = REPO / "mkdocs.yml"
MKDOCS = Path(sys.executable).parent / "mkdocs"

PUBLIC_MODULES = (
    "approutes",
    "approutes.auth",
    "approutes.cache",
    "approutes.channels",
    "approutes.headers",
    "approutes.navigation",
    "approutes.server",
    "approutes.testing",
)


def _docs_text() -> str:
    return "\n".join(page.read_text(encoding="utf-8") for page in sorted(DOCS.rglob("*.md")))


def _nav_pages(entry: object) -> list[str]:
    """Every page path in a mkdocs nav entry (a path, a {title: entry} dict, or a list)."""
    if isinstance(entry, str):
        return [entry]
    if isinstance(entry, dict):
        return [page for value in entry.values() for page in _nav_pages(value)]
    if isinstance(entry, list):
        return [page for item in entry for page in _nav_pages(item)]
    return []


def _error_pages() -> list[str]:
    return sorted(p.name for p in (DOCS / "errors").glob("*.md") if p.name != "index.md")


def test_docs_build_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--config-file", str(CONFIG), "--site-dir", str(site)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    assert (site / "index.html").is_file()


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_is_in_the_docs(module_name: str) -> None:
    text = _docs_text()
    names: list[str] = list(importlib.import_module(module_name).__all__)
    missing = [name for name in names if not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)]
    assert not missing, f"{module_name} exports names the docs never mention: {missing}"


def test_every_error_page_is_in_the_nav() -> None:
    config = load_config(config_file=str(CONFIG))
    in_nav = set(_nav_pages(config["nav"]))
    missing = [name for name in _error_pages() if f"errors/{name}" not in in_nav]
    assert not missing, f"add these to the 'Error reference' nav of mkdocs.yml: {missing}"
    assert "errors/index.md" in in_nav


def test_every_error_page_is_listed_on_the_error_index() -> None:
    index = (DOCS / "errors" / "index.md").read_text(encoding="utf-8")
    missing = [name for name in _error_pages() if f"]({name})" not in index]
    assert not missing, f"add these to docs/errors/index.md: {missing}"
