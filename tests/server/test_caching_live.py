"""Caching through real server processes: Next's headers over HTTP, one Redis shared by two
instances, one regeneration under a stampede across workers, the filesystem store shared by
the workers of one machine (DESIGN §8).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.conftest import make_project, server_process
from tests.live_server import wait_until
from tests.redis_server import flush_redis, redis_url  # noqa: F401 - redis_url is a fixture

from approutes.cache.route_cache import route_key
from approutes.cache.store_url import store_from_setting

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

ONE_YEAR = 31_536_000
COUNTER_VARIABLE = "CACHE_TEST_COUNTER"

COUNTED_ROUTE = """
import os
import time
from pathlib import Path

from approutes import NextResponse

{config}


def GET():
    counter = Path(os.environ["CACHE_TEST_COUNTER"])
    with counter.open("a") as file:
        file.write(f"{{os.getpid()}}\\n")
    time.sleep({delay})
    return NextResponse.json({{"render": len(counter.read_text().splitlines())}})
"""

TIMESTAMP_ROUTE = """
import time

{config}


async def GET():
    return {{"now": time.time_ns()}}
"""

REVALIDATE_ROUTE = """
from approutes.cache import revalidate_path, revalidate_tag


async def POST(request):
    data = await request.json()
    if "path" in data:
        await revalidate_path(data["path"])
    if "tag" in data:
        await revalidate_tag(data["tag"])
    return {"revalidated": data}
"""

# Every response names the worker process that answered it (cached ones included).
WORKER_MIDDLEWARE = """
import os

from approutes import NextResponse


def middleware(request):
    return NextResponse.next(headers={"x-worker": str(os.getpid())})
"""

PID_ROUTE = """
import os


async def GET():
    return {"pid": os.getpid()}
"""


def counted_project(root: Path, config: str, *, delay: float = 0.0) -> Path:
    return make_project(
        root,
        {
            "app/api/data/route.py": COUNTED_ROUTE.format(config=config, delay=delay),
            "app/api/revalidate/route.py": REVALIDATE_ROUTE,
            "app/api/pid/route.py": PID_ROUTE,
            "middleware.py": WORKER_MIDDLEWARE,
        },
    )


def renders(counter: Path) -> int:
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def state(response: httpx.Response) -> str | None:
    value: str | None = response.headers.get("x-approutes-cache")
    return value


async def _fire(url: str, count: int) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=20) as client:
        return list(await asyncio.gather(*(client.get(url) for _ in range(count))))


def fire(url: str, count: int) -> list[httpx.Response]:
    """`count` concurrent GETs of `url`, each on its own connection."""
    return asyncio.run(_fire(url, count))


def wait_for_workers(base: str, workers: int, deadline: float = 20.0) -> None:
    """Poll until `workers` different processes have answered (all of them are serving)."""
    seen: set[int] = set()
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        seen |= {r.json()["pid"] for r in fire(f"{base}/api/pid", 20)}
        if len(seen) >= workers:
            return
        time.sleep(0.1)
    raise AssertionError(f"only workers {seen} answered within {deadline} s")


async def _age_entry(setting: str, root: Path, path: str, seconds: float) -> None:
    store = store_from_setting(setting, root, dev=False)
    entry = await store.get(route_key(path))
    assert entry is not None, f"no cached entry for {path}"
    await store.set(route_key(path), dataclasses.replace(entry, created=entry.created - seconds))
    await store.close()


def age_entry(setting: str, root: Path, path: str, seconds: float) -> None:
    """Make the cached response of `path` `seconds` older, in the store the servers share.

    What a server sees after `seconds` pass, without waiting for them.
    """
    asyncio.run(_age_entry(setting, root, path, seconds))


async def _regeneration_lock_is_free(setting: str, root: Path, path: str) -> bool:
    store = store_from_setting(setting, root, dev=False)
    try:
        if not await store.acquire(route_key(path), 1.0):
            return False
        await store.release(route_key(path))
        return True
    finally:
        await store.close()


def wait_for_regeneration(counter: Path, setting: str, root: Path, path: str) -> None:
    """Poll until a regeneration has rendered and none holds the lock of `path` any more.

    Every regeneration takes the lock before its request is answered, so once all requests
    are answered and the lock is free, no render is still to come.
    """

    def done() -> bool:
        free = asyncio.run(_regeneration_lock_is_free(setting, root, path))
        return renders(counter) >= 2 and free

    wait_until(done, "the regeneration is done")


def hits_from_every_worker(url: str, workers: int, batches: int = 15) -> list[httpx.Response]:
    """Concurrent batches of GETs until each of the `workers` has answered one."""
    responses: list[httpx.Response] = []
    for _ in range(batches):
        responses.extend(fire(url, 20))
        if len({r.headers["x-worker"] for r in responses}) >= workers:
            break
    return responses


# --- headers as Next sends them, and the classic pitfall, over HTTP (granian) --------------


def test_next_cache_headers_and_the_static_pitfall_over_http(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/static/route.py": TIMESTAMP_ROUTE.format(config='dynamic = "force-static"'),
            "app/api/dynamic/route.py": TIMESTAMP_ROUTE.format(config='dynamic = "force-dynamic"'),
            "app/api/default/route.py": TIMESTAMP_ROUTE.format(config=""),
            "app/api/minute/route.py": TIMESTAMP_ROUTE.format(config="revalidate = 60"),
            "approutes.toml": 'cache = "memory"\n',
        },
    )
    with server_process(root, "--server", "granian") as (base, _):
        static = [httpx.get(f"{base}/api/static") for _ in range(2)]
        dynamic = [httpx.get(f"{base}/api/dynamic") for _ in range(2)]
        default = [httpx.get(f"{base}/api/default") for _ in range(2)]
        minute = [httpx.get(f"{base}/api/minute") for _ in range(2)]
        head = httpx.head(f"{base}/api/static")
        post = httpx.post(f"{base}/api/static")

    assert static[0].json() == static[1].json()
    assert [state(r) for r in static] == ["MISS", "HIT"]
    assert {r.headers["cache-control"] for r in static} == {f"s-maxage={ONE_YEAR}"}
    assert minute[0].json() == minute[1].json()
    assert [state(r) for r in minute] == ["MISS", "HIT"]
    assert {r.headers["cache-control"] for r in minute} == {
        f"s-maxage=60, stale-while-revalidate={ONE_YEAR - 60}"
    }
    for fresh in (dynamic, default):
        assert fresh[0].json() != fresh[1].json()
        for response in fresh:
            assert response.status_code == 200
            assert "cache-control" not in response.headers
            assert "x-approutes-cache" not in response.headers
    assert (head.status_code, head.content, state(head)) == (200, b"", "HIT")
    assert head.headers["cache-control"] == f"s-maxage={ONE_YEAR}"
    assert (post.status_code, post.headers["allow"]) == (405, "GET, HEAD")


# --- Redis shared by two instances ----------------------------------------------------------


def test_revalidate_tag_on_one_instance_is_seen_by_another_through_redis(
    tmp_path: Path,
    redis_url: str,  # noqa: F811 - the imported fixture
) -> None:
    flush_redis(redis_url)
    counter = tmp_path / "renders.txt"
    root = counted_project(tmp_path / "project", 'dynamic = "force-static"\ntags = ["data"]')
    env = {"APPROUTES_CACHE": redis_url, COUNTER_VARIABLE: str(counter)}
    server = ("--server", "uvicorn")
    with (
        server_process(root, *server, env=env) as (first, _),
        server_process(root, *server, env=env) as (second, _),
    ):
        assert first != second
        miss = httpx.get(f"{first}/api/data")
        shared_hit = httpx.get(f"{second}/api/data")
        posted = httpx.post(f"{first}/api/revalidate", json={"tag": "data"})
        after_on_second = httpx.get(f"{second}/api/data")
        after_on_first = httpx.get(f"{first}/api/data")

    assert (state(miss), miss.json()) == ("MISS", {"render": 1})
    assert (state(shared_hit), shared_hit.json()) == ("HIT", {"render": 1})
    assert posted.status_code == 200
    assert (state(after_on_second), after_on_second.json()) == ("MISS", {"render": 2})
    assert (state(after_on_first), after_on_first.json()) == ("HIT", {"render": 2})
    assert renders(counter) == 2


# --- one regeneration under a stampede, across worker processes -----------------------------


@pytest.mark.parametrize("store", ["filesystem", "redis"])
def test_a_hundred_requests_on_a_stale_entry_across_workers_run_one_regeneration(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    cache = "filesystem"
    if store == "redis":
        cache = request.getfixturevalue("redis_url")
        flush_redis(cache)
    counter = tmp_path / "renders.txt"
    root = counted_project(tmp_path / "project", "revalidate = 1", delay=0.3)
    env: Mapping[str, str] = {"APPROUTES_CACHE": cache, COUNTER_VARIABLE: str(counter)}
    with server_process(root, "--server", "uvicorn", "--workers", "2", env=env) as (base, _):
        wait_for_workers(base, 2)
        miss = httpx.get(f"{base}/api/data")
        age_entry(cache, root, "/api/data", 1.5)  # past `revalidate = 1`
        stampede = fire(f"{base}/api/data", 100)
        wait_for_regeneration(counter, cache, root, "/api/data")
        regenerations = renders(counter) - 1
        after = httpx.get(f"{base}/api/data")

    assert (state(miss), miss.json()) == ("MISS", {"render": 1})
    assert [r.status_code for r in stampede] == [200] * 100
    states = [state(r) for r in stampede]
    assert set(states) <= {"STALE", "HIT"}
    assert "STALE" in states
    assert {str(r.json()) for r in stampede if state(r) == "STALE"} == {str({"render": 1})}
    assert len({r.headers["x-worker"] for r in stampede}) == 2, "both workers took requests"
    assert regenerations == 1
    assert after.json() == {"render": 2}


# --- the filesystem store shared by the workers of one machine ------------------------------


def test_workers_share_the_filesystem_store_and_its_invalidations(tmp_path: Path) -> None:
    counter = tmp_path / "renders.txt"
    root = counted_project(tmp_path / "project", 'dynamic = "force-static"')
    env = {"APPROUTES_CACHE": "filesystem", COUNTER_VARIABLE: str(counter)}
    with server_process(root, "--server", "uvicorn", "--workers", "2", env=env) as (base, _):
        wait_for_workers(base, 2)
        miss = httpx.get(f"{base}/api/data")
        hits = hits_from_every_worker(f"{base}/api/data", 2)
        renders_before = renders(counter)
        posted = httpx.post(f"{base}/api/revalidate", json={"path": "/api/data"})
        miss_after = httpx.get(f"{base}/api/data")
        hits_after = hits_from_every_worker(f"{base}/api/data", 2)

    assert (state(miss), miss.json()) == ("MISS", {"render": 1})
    assert len({r.headers["x-worker"] for r in hits}) == 2
    assert {(state(r), r.json()["render"]) for r in hits} == {("HIT", 1)}
    assert renders_before == 1
    assert posted.status_code == 200
    assert (state(miss_after), miss_after.json()) == ("MISS", {"render": 2})
    assert len({r.headers["x-worker"] for r in hits_after}) == 2
    assert {(state(r), r.json()["render"]) for r in hits_after} == {("HIT", 2)}
    assert renders(counter) == 2
    assert (root / ".approutes" / "cache" / "entries").is_dir()
