"""The recorded Next.js behaviour in ../shared/conformance, against `approutes start`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, running_server

CONFORMANCE = REPO.parent / "shared" / "conformance"
EXPECTED_FAILURES = Path(__file__).with_name("expected_failures.txt")
_FAIL_LINE = re.compile(r"^FAIL (\S+) ")


def _expected_failures() -> set[str]:
    lines = EXPECTED_FAILURES.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_conformance_corpus_matches_the_expected_failure_list() -> None:
    assert (CONFORMANCE / "run_cases.py").is_file(), f"missing corpus at {CONFORMANCE}"
    with running_server(CONFORMANCE / "app") as base:
        result = subprocess.run(
            [sys.executable, str(CONFORMANCE / "run_cases.py"), "--base-url", base],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed, \d+ failed", summary), result.stdout + result.stderr
    failed = {m.group(1) for line in result.stdout.splitlines() if (m := _FAIL_LINE.match(line))}
    expected = _expected_failures()
    unexpected = sorted(failed - expected)
    fixed = sorted(expected - failed)
    details = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert not unexpected, "cases failing that should pass:\n" + "\n".join(
        line for line in details if any(f" {case} " in line for case in unexpected)
    )
    assert not fixed, f"cases now passing: remove them from {EXPECTED_FAILURES.name}: {fixed}"
