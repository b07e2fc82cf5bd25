"""`import approutes` stays light: servers, reloaders and validators load only when used."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

HEAVY = ("pydantic", "uvicorn", "granian", "watchfiles", "click", "httpx", "redis", "jwt")


def test_importing_approutes_loads_no_optional_heavy_module() -> None:
    code = f"import sys, approutes; print([m for m in {HEAVY!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_an_app_without_tracing_or_metrics_loads_neither_library(tmp_path: Path) -> None:
    route = tmp_path / "app" / "api" / "hello" / "route.py"
    route.parent.mkdir(parents=True)
    route.write_text("async def GET():\n    return {}\n")
    libraries = ("opentelemetry", "prometheus_client")
    code = (
        f"import sys, approutes; app = approutes.create_app({str(tmp_path)!r}); "
        f"print([m for m in {libraries!r} if m in sys.modules], app.observer)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[] None"
