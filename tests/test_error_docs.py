"""Every configuration error code points at a page that exists."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_every_error_code_has_a_docs_page() -> None:
    codes = {
        match
        for file in (REPO / "src" / "approutes").rglob("*.py")
        for match in re.findall(r'code="([a-z-]+)"', file.read_text(encoding="utf-8"))
    }
    assert codes, "no error codes found"
    missing = sorted(c for c in codes if not (REPO / "docs" / "errors" / f"{c}.md").is_file())
    assert not missing, f"codes without docs/errors/<code>.md: {missing}"
