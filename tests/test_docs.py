"""The user documentation builds strictly, names every public name and lists every error page."""

from __future__ import annotations

import importlib
import importlib.util
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


# --- no page says a shipped feature does not exist -----------------------------------------

# A feature's names in prose, and the module whose presence shows it ships.
SHIPPED_FEATURES = {
    r"OpenAPI|Swagger|docs UI|API docs": "approutes.openapi.document",
    r"Pages Router|pages/api": "approutes.pages",
    r"WebSockets?": "approutes.web.websocket",
    r"middleware\.py|proxy\.py": "approutes.middleware.runner",
    r"typed handlers?|typed param": "approutes.typed_params",
    r"channels|publish/subscribe": "approutes.channels",
    r"metrics|tracing|OpenTelemetry": "approutes.observability",
    r"Redis": "approutes.cache",
}
NOT_YET = re.compile(
    r"(?:does|do) not exist yet|(?:is|are) planned|not yet (?:supported|implemented|available)"
    r"|not (?:supported|implemented|available) yet|coming soon|(?:is|are) being built"
    r"|(?:will|to) be added later|on the roadmap",
    re.IGNORECASE,
)


def stale_claims(text: str) -> list[str]:
    """The sentences of `text` that say a shipped feature is missing (planned, not yet...)."""
    shipped = [
        re.compile(rf"\b(?:{names})\b", re.IGNORECASE)
        for names, module in SHIPPED_FEATURES.items()
        if importlib.util.find_spec(module) is not None
    ]
    prose = re.sub(r"\s+", " ", text)
    sentences = re.split(r"(?<=[.!?])\s+", prose)
    return [
        sentence
        for sentence in sentences
        if NOT_YET.search(sentence) and any(name.search(sentence) for name in shipped)
    ]


@pytest.mark.parametrize(
    "old",
    [
        pytest.param(
            "OpenAPI output from typed handlers is planned; it does not exist yet.",
            id="validation-md",
        ),
        pytest.param(
            "approutes is at version 0.1. The Pages Router (`pages/api`) is being built; OpenAPI\n"
            "    output is planned but does not exist yet.",
            id="index-md",
        ),
    ],
)
def test_stale_claims_are_found_in_the_pages_old_text(old: str) -> None:
    assert stale_claims(f"Some text before.\n\n{old}\n\nMore text after.") != []


def test_a_planned_feature_that_does_not_ship_is_not_a_stale_claim() -> None:
    assert stale_claims("GraphQL support is planned; it does not exist yet.") == []


@pytest.mark.parametrize(
    "page",
    [*sorted(DOCS.rglob("*.md")), REPO / "README.md"],
    ids=lambda page: str(page.relative_to(REPO)),
)
def test_no_page_says_a_shipped_feature_does_not_exist(page: Path) -> None:
    assert stale_claims(page.read_text(encoding="utf-8")) == []
