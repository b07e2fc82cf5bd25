"""`approutes dev` on a real socket: saving a cached route serves its new body at once."""

from __future__ import annotations

import time
import urllib.request
from typing import TYPE_CHECKING

from tests.conftest import make_project, running_server

if TYPE_CHECKING:
    from pathlib import Path

STATIC = """
dynamic = "force-static"

def GET():
    return {{"body": "{name}"}}
"""


def _get(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers["x-approutes-cache"]


def test_dev_serves_a_saved_force_static_route_afresh(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/api/static/route.py": STATIC.format(name="old")})
    with running_server(root, command="dev") as base:
        url = base + "/api/static"
        assert [_get(url), _get(url)] == [(b'{"body":"old"}', "MISS"), (b'{"body":"old"}', "HIT")]
        (root / "app/api/static/route.py").write_text(STATIC.format(name="new"))
        deadline = time.monotonic() + 15
        while (answer := _get(url))[0] != b'{"body":"new"}':
            assert time.monotonic() < deadline, f"still {answer} after the save"
            time.sleep(0.05)
        assert answer[1] == "MISS"
        assert _get(url) == (b'{"body":"new"}', "HIT")
