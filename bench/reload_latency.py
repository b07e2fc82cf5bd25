"""Dev reload latency: a 100-route project, one route saved vs. lib/ saved (everything).

Usage: .venv/bin/python bench/reload_latency.py   (also run by `make bench`)
Prints the median of 20 reloads of each kind, in milliseconds.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from approutes import create_app
from approutes.dev.reloader import ProjectReloader
from approutes.route_loading import load_routes

ROUTES = 100
ROUTE = """
from approutes import NextRequest, NextResponse
from lib.shared import greeting

async def GET(request: NextRequest, context):
    return NextResponse.json({{"route": {n}, "greeting": greeting()}})
"""


def make_project(root: Path) -> None:
    (root / "lib").mkdir()
    (root / "lib" / "__init__.py").write_text("")
    (root / "lib" / "shared.py").write_text("def greeting():\n    return 'hi'\n")
    for n in range(ROUTES):
        folder = root / "app" / "api" / f"r{n}" / "[id]"
        folder.mkdir(parents=True)
        (folder / "route.py").write_text(ROUTE.format(n=n))


def timed(reload: ProjectReloader, changed: set[str]) -> float:
    started = time.perf_counter()
    asyncio.run(reload.reload(changed))
    return (time.perf_counter() - started) * 1e3


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder).resolve()
        make_project(root)
        app = create_app(root, dev=True)
        _, modules = load_routes(root)
        reloader = ProjectReloader(app, root, modules)
        route = str(root / "app" / "api" / "r7" / "[id]" / "route.py")
        lib = str(root / "lib" / "shared.py")
        one_route = [timed(reloader, {route}) for _ in range(20)]
        everything = [timed(reloader, {lib}) for _ in range(20)]
    print(f"dev reload, {ROUTES} routes: one route saved {statistics.median(one_route):.1f} ms, "
          f"lib/ saved (all re-imported) {statistics.median(everything):.1f} ms", file=sys.stdout)


if __name__ == "__main__":
    main()
