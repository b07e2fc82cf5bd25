"""Hypothesis profiles for the property tests under tests/fuzz.

`ci` (the default, what `make test` runs): a bounded, derandomized number of examples, so
the run is deterministic and takes seconds. `fuzz` (`make fuzz`, or `HYPOTHESIS_PROFILE=fuzz`):
thousands of random examples per property. Neither keeps an example database in the work
tree; a failure prints its shrunk example (and a `@reproduce_failure` blob under `fuzz`), to
pin with `@example(...)`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import hypothesis.core
import pytest
from hypothesis import settings
from hypothesis.vendor import pretty

if TYPE_CHECKING:
    from collections.abc import Sequence

# NOTE: the schemathesis pytest plugin (installed for tests/server, where it runs as a
# command) swaps Hypothesis's printer for one that prints nothing, so a failing property
# would report `Failing test case: test_x(case=, ...)`. Put the real one back.
if getattr(hypothesis.core, "RepresentationPrinter", None) is not pretty.RepresentationPrinter:
    setattr(hypothesis.core, "RepresentationPrinter", pretty.RepresentationPrinter)  # noqa: B010

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
)
settings.register_profile(
    "fuzz",
    max_examples=5000,
    deadline=None,
    database=None,
    print_blob=True,
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: Sequence[pytest.Item]) -> None:
    """Under `fuzz`, lift pytest-timeout's limit (120 s) off these tests: a long search and
    its shrinking must be allowed to finish, or the failing example is lost."""
    if PROFILE == "ci":
        return
    for item in items:
        if item.path.is_relative_to(_HERE):
            item.add_marker(pytest.mark.timeout(0))
