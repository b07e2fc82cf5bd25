"""Schemathesis, with all its checks, against the example project served by `approutes start`.

The document is the one the server itself serves (the `openapi_path` setting), so what is
tested is what a client downloads. Every check runs (Schemathesis's default): no 5xx, status
codes, content types, response headers and bodies conform to the document, valid data is
accepted and invalid data refused, methods not in the document answer 405, stateful
sequences. A signed-in session (its token as a bearer token) lets `/api/me` be tested past
its 401; without it, or with a made-up one, the check `ignored_auth` expects the 401. A fixed
seed and a few examples per operation keep the run reproducible and short enough for
`make test`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
from tests.conftest import server_process

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "basic"
SCHEMATHESIS_BIN = Path(sys.executable).parent / "st"
BUDGET_SECONDS = 90
STREAMING_PATH = "/api/clock"

# NOTE: the two operations whose contract the document cannot state, each with why.
CONFIG = """
# POST /api/upload reads a multipart form from the request: the document leaves its body
# undescribed, so a request without a file is "valid" to Schemathesis and answered 400.
[[operations]]
include-path = "/api/upload"
checks.positive_data_acceptance.enabled = false

# A pages/api handler answers every method, as in Next.js (here TRACE too): the document lists
# the five usual ones, so "405 for a method not in the document" does not apply.
[[operations]]
include-path = "/api/legacy/hello"
checks.unsupported_method.enabled = false
"""


def test_the_served_example_conforms_to_its_document_under_every_check(tmp_path: Path) -> None:
    env = {
        "DATABASE_PATH": str(tmp_path / "test.sqlite3"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "AUTH_SECRET": "a-test-secret-of-at-least-thirty-two-bytes",
        "APPROUTES_OPENAPI_PATH": "/openapi.json",
        "NO_COLOR": "1",
    }
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")

    with server_process(EXAMPLE, "--server", "uvicorn", env=env) as (base, _):
        document = httpx.get(f"{base}/openapi.json").json()
        login = httpx.post(f"{base}/api/login", json={"email": "ada@example.com"})
        session = login.cookies["session"]
        result = subprocess.run(
            [
                str(SCHEMATHESIS_BIN),
                "--config-file",
                str(config),
                "run",
                f"{base}/openapi.json",
                "--url",
                base,
                "--header",
                f"Authorization: Bearer {session}",
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
    assert "Authentication failed" not in output  # /api/me was tested signed in too
    operations = sum(
        len(item) for path, item in document["paths"].items() if path != STREAMING_PATH
    )
    tested = re.search(r"Tested: (\d+)", output)
    assert tested is not None, output
    assert int(tested.group(1)) == operations
