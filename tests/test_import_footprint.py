"""`import approutes` stays light: servers, reloaders and validators load only when used."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pydantic", "uvicorn", "granian", "watchfiles", "click", "httpx", "redis", "jwt")


def test_importing_approutes_loads_no_optional_heavy_module() -> None:
    code = f"import sys, approutes; print([m for m in {HEAVY!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
