"""`approutes info`: versions, layout, settings and routes, for a bug report."""

from __future__ import annotations

import platform
import subprocess
from typing import TYPE_CHECKING

from tests.conftest import APPROUTES_BIN, make_project

from approutes import __version__

if TYPE_CHECKING:
    from pathlib import Path


def run_info(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(APPROUTES_BIN), "info", str(root)], capture_output=True, text=True, check=False
    )


def test_info_reports_versions_layout_settings_and_routes(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "src/app/api/hello/route.py": "def GET():\n    return {}\n",
            "src/pages/api/legacy.py": "def handler(req, res):\n    res.end()\n",
            "src/proxy.py": "def proxy(request):\n    return None\n",
            "approutes.toml": (
                'cache = "redis://user:s3cret@cache.internal:6379/0"\ntrailing_slash = true\n'
                'channels = "rediss://bus:s3cret@bus.internal:6380/0"\n'
            ),
        },
    )

    result = run_info(root)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"approutes {__version__}"
    assert lines[1].startswith(f"Python {platform.python_version()}")
    assert "uvicorn " in lines[2]
    assert "(src/ layout)" in lines[3]
    assert lines[4] == "Routes: 2 (1 app, 1 pages), src/proxy.py"
    assert "  trailing_slash = True" in lines
    assert "s3cret" not in result.stdout
    assert any(line.startswith("  cache = 'redis://") for line in lines)
    assert "  channels = 'rediss://bus:***@bus.internal:6380/0'" in lines


def test_info_on_a_broken_project_says_what_is_wrong(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/x/route.py": "raise RuntimeError('boom')\n"})

    result = run_info(root)

    assert result.returncode == 1
    assert "app/api/x/route.py" in result.stderr
