"""Schemathesis against the example project on uvicorn, from its `approutes openapi` document.

The only check is `not_a_server_error`: whatever a client sends, within or outside the
document, the example answers without a 5xx. A fixed seed and a few examples per operation
keep the run reproducible and short.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import APPROUTES_BIN, server_process

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "basic"
SCHEMATHESIS_BIN = Path(sys.executable).parent / "st"
BUDGET_SECONDS = 60
STREAMING_PATH = "/api/clock"


def test_example_project_answers_no_server_error(tmp_path: Path) -> None:
    env = {
        "DATABASE_PATH": str(tmp_path / "test.sqlite3"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "NO_COLOR": "1",
    }
    spec = tmp_path / "openapi.json"
    subprocess.run(
        [str(APPROUTES_BIN), "openapi", str(EXAMPLE), "-o", str(spec)],
        env={**os.environ, **env},
        capture_output=True,
        check=True,
        timeout=60,
    )

    with server_process(EXAMPLE, "--server", "uvicorn", env=env) as (base, _):
        result = subprocess.run(
            [
                str(SCHEMATHESIS_BIN),
                "run",
                str(spec),
                "--url",
                base,
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "10",
                "--seed",
                "1",
                "--workers",
                "1",
                "--request-timeout",
                "10",
                # NOTE: /api/clock streams one event a second for ?count seconds: slow, not broken.
                "--exclude-path",
                STREAMING_PATH,
            ],
            cwd=tmp_path,  # NOTE: hypothesis keeps its example database in the working folder
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=BUDGET_SECONDS,
            check=False,
        )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Server error" not in output
    paths = json.loads(spec.read_text())["paths"]
    operations = sum(len(item) for path, item in paths.items() if path != STREAMING_PATH)
    tested = re.search(r"Tested: (\d+)", output)
    assert tested is not None, output
    assert int(tested.group(1)) == operations
