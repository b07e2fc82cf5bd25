"""Caching in-process: dynamic by default, force-static, revalidate, on-demand invalidation,
@cached, dynamic = "error", static params and `approutes build` (DESIGN §3, §8; rules 38-42).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING

import pytest
from tests.conftest import FakeClock, client_for, make_project

from approutes.cache import cached
from approutes.cache.runtime import current_cache
from approutes.cli.build_command import build_project
from approutes.errors import ConfigurationError
from approutes.project.importer import forget_project_modules

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import httpx

pytestmark = pytest.mark.anyio

ROUTE = "app/api/x/route.py"
ERROR_LOGGER = "approutes.error"
ONE_YEAR = 31_536_000
STORES = ["memory", "filesystem"]


@pytest.fixture(autouse=True)
def _isolate_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # create_app puts the project root first on sys.path and keeps its modules (and the
    # project's own `lib` package) in sys.modules: undo all of it after every test.
    monkeypatch.setattr(sys, "path", [*sys.path])
    yield
    forget_project_modules(tmp_path)
    for name in [n for n in sys.modules if n == "lib" or n.startswith("lib.")]:
        del sys.modules[name]


# --- helpers --------------------------------------------------------------------------------


def counting_route(counter: Path, config: str = "", *, extra: str = "") -> str:
    """A route whose GET appends a line to `counter` and answers how many renders there were.

    `config` is segment config (module-level lines); `extra` more JSON fields (an expression
    over `request` and `context` yielding a dict).
    """
    return f"""
from pathlib import Path

from approutes import NextResponse

{config}

COUNTER = Path({str(counter)!r})


def GET(request, context):
    with COUNTER.open("a") as file:
        file.write("render\\n")
    body = {{"render": len(COUNTER.read_text().splitlines())}}
    body.update({extra or "{}"})
    return NextResponse.json(body)
"""


def renders(counter: Path) -> int:
    """How many times the counting route wrote to `counter`."""
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def cache_setting(store: str) -> dict[str, str]:
    return {"approutes.toml": f'cache = "{store}"\n'}


def state(response: httpx.Response) -> str | None:
    value: str | None = response.headers.get("x-approutes-cache")
    return value


async def wait_for_regeneration() -> None:
    """Wait until the background regenerations of the app created last are done."""
    await asyncio.wait_for(current_cache().revalidator.wait_for_background(), timeout=10)


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


# --- dynamic by default (rule 38) -----------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    ["", 'dynamic = "force-dynamic"', "revalidate = 0", 'dynamic = "auto"'],
    ids=["default", "force-dynamic", "revalidate-0", "auto"],
)
async def test_a_dynamic_get_runs_every_time_without_cache_headers(
    tmp_path: Path, config: str
) -> None:
    counter = tmp_path / "renders.txt"
    root = make_project(tmp_path / "project", {ROUTE: counting_route(counter, config)})
    async with client_for(root) as client:
        first = await client.get("/api/x")
        second = await client.get("/api/x")

    assert [first.json(), second.json()] == [{"render": 1}, {"render": 2}]
    for response in (first, second):
        assert response.status_code == 200
        assert "cache-control" not in response.headers
        assert "x-approutes-cache" not in response.headers
    assert renders(counter) == 2


async def test_a_dynamic_response_keeps_exactly_the_cache_control_its_handler_set(
    tmp_path: Path,
) -> None:
    source = """
    from approutes import NextResponse

    dynamic = "force-dynamic"


    def GET():
        return NextResponse.json({"ok": True}, headers={"cache-control": "private, max-age=5"})
    """
    root = make_project(tmp_path, {ROUTE: source})
    async with client_for(root) as client:
        response = await client.get("/api/x")

    assert response.headers.get_list("cache-control") == ["private, max-age=5"]
    assert "x-approutes-cache" not in response.headers


@pytest.mark.parametrize(
    ("dynamic", "same_body"),
    [("force-static", True), ("force-dynamic", False)],
    ids=["force-static-same-twice", "force-dynamic-fresh"],
)
async def test_the_classic_pitfall_a_static_timestamp_is_frozen_until_made_dynamic(
    tmp_path: Path, dynamic: str, same_body: bool
) -> None:
    source = f"""
    import time

    dynamic = "{dynamic}"


    async def GET():
        return {{"now": time.time_ns()}}
    """
    root = make_project(tmp_path, {ROUTE: source, **cache_setting("memory")})
    async with client_for(root) as client:
        first = await client.get("/api/x")
        await asyncio.sleep(0.01)
        second = await client.get("/api/x")

    assert first.status_code == second.status_code == 200
    assert (first.json() == second.json()) is same_body


# --- force-static (rule 39) -----------------------------------------------------------------


@pytest.mark.parametrize("store", STORES)
async def test_force_static_renders_once_then_serves_hits_with_next_headers(
    tmp_path: Path, store: str
) -> None:
    counter = tmp_path / "renders.txt"
    files = {ROUTE: counting_route(counter, 'dynamic = "force-static"'), **cache_setting(store)}
    root = make_project(tmp_path / "project", files)
    async with client_for(root) as client:
        first = await client.get("/api/x")
        second = await client.get("/api/x")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"render": 1}
    assert [state(first), state(second)] == ["MISS", "HIT"]
    for response in (first, second):
        assert response.headers.get_list("cache-control") == [f"s-maxage={ONE_YEAR}"]
        assert response.headers["content-type"] == "application/json"
    assert renders(counter) == 1


async def test_force_static_handler_sees_no_query_headers_or_cookies(tmp_path: Path) -> None:
    source = """
    from approutes.headers import cookies, headers

    dynamic = "force-static"


    def GET(request):
        return {
            "q": request.search_params.get("q"),
            "query_entries": list(request.search_params.items()),
            "search": request.next_url.search,
            "header": request.headers.get("x-probe"),
            "header_count": len(list(request.headers.items())),
            "helper_header": headers().get("x-probe"),
            "cookie": request.cookies.get("session"),
            "helper_cookie": cookies().get("session"),
        }
    """
    root = make_project(tmp_path, {ROUTE: source, **cache_setting("memory")})
    async with client_for(root) as client:
        response = await client.get(
            "/api/x?q=secret", headers={"x-probe": "yes", "cookie": "session=abc"}
        )

    assert response.status_code == 200
    assert response.json() == {
        "q": None,
        "query_entries": [],
        "search": "",
        "header": None,
        "header_count": 0,
        "helper_header": None,
        "cookie": None,
        "helper_cookie": None,
    }


async def test_force_static_with_a_dynamic_segment_caches_each_path_apart(tmp_path: Path) -> None:
    counter = tmp_path / "renders.txt"
    route = counting_route(
        counter, 'dynamic = "force-static"', extra='{"id": context.params["id"]}'
    )
    root = make_project(
        tmp_path / "project", {"app/api/posts/[id]/route.py": route, **cache_setting("memory")}
    )
    async with client_for(root) as client:
        one = await client.get("/api/posts/1")
        two = await client.get("/api/posts/2")
        one_again = await client.get("/api/posts/1")
        two_again = await client.get("/api/posts/2")

    assert one.json() == one_again.json() == {"render": 1, "id": "1"}
    assert two.json() == two_again.json() == {"render": 2, "id": "2"}
    assert [state(r) for r in (one, two, one_again, two_again)] == ["MISS", "MISS", "HIT", "HIT"]
    assert renders(counter) == 2


async def test_the_query_does_not_split_the_cache(tmp_path: Path) -> None:
    counter = tmp_path / "renders.txt"
    files = {ROUTE: counting_route(counter, 'dynamic = "force-static"'), **cache_setting("memory")}
    root = make_project(tmp_path / "project", files)
    async with client_for(root) as client:
        first = await client.get("/api/x?page=1")
        second = await client.get("/api/x?page=2")
        third = await client.get("/api/x")

    assert first.json() == second.json() == third.json() == {"render": 1}
    assert [state(first), state(second), state(third)] == ["MISS", "HIT", "HIT"]


async def test_head_on_a_cached_route_gets_the_get_headers_and_no_body(tmp_path: Path) -> None:
    counter = tmp_path / "renders.txt"
    files = {ROUTE: counting_route(counter, 'dynamic = "force-static"'), **cache_setting("memory")}
    root = make_project(tmp_path / "project", files)
    async with client_for(root) as client:
        get = await client.get("/api/x")
        head = await client.head("/api/x")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers.get_list("cache-control") == [f"s-maxage={ONE_YEAR}"]
    assert head.headers["content-type"] == get.headers["content-type"]
    assert state(head) == "HIT"
    assert renders(counter) == 1


async def test_a_head_before_any_get_caches_the_whole_get_response(tmp_path: Path) -> None:
    counter = tmp_path / "renders.txt"
    files = {ROUTE: counting_route(counter, 'dynamic = "force-static"'), **cache_setting("memory")}
    root = make_project(tmp_path / "project", files)
    async with client_for(root) as client:
        head = await client.head("/api/x")
        get = await client.get("/api/x")

    assert (head.status_code, head.content, state(head)) == (200, b"", "MISS")
    assert (get.status_code, state(get), get.json()) == (200, "HIT", {"render": 1})
    assert head.headers["content-length"] == get.headers["content-length"]
    assert renders(counter) == 1


# --- other methods on static routes (rule 41) -----------------------------------------------


@pytest.mark.parametrize(
    "config", ['dynamic = "force-static"', "revalidate = 60"], ids=["force-static", "revalidate-60"]
)
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
async def test_a_static_route_answers_other_methods_405_allowing_get_and_head_only(
    tmp_path: Path, config: str, method: str
) -> None:
    counter = tmp_path / "renders.txt"
    root = make_project(tmp_path / "project", {ROUTE: counting_route(counter, config)})
    async with client_for(root) as client:
        response = await client.request(method, "/api/x")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json() == {"error": "Method Not Allowed"}
    assert renders(counter) == 0


async def test_an_exported_post_on_a_static_route_runs_every_time_uncached(
    tmp_path: Path,
) -> None:
    counter = tmp_path / "renders.txt"
    source = counting_route(counter, 'dynamic = "force-static"') + (
        "\n\ndef POST():\n"
        "    with COUNTER.open('a') as file:\n"
        "        file.write('post\\n')\n"
        "    return {'post': len(COUNTER.read_text().splitlines())}\n"
    )
    root = make_project(tmp_path / "project", {ROUTE: source, **cache_setting("memory")})
    async with client_for(root) as client:
        get = await client.get("/api/x")
        first = await client.post("/api/x")
        second = await client.post("/api/x")
        get_again = await client.get("/api/x")

    assert [first.json(), second.json()] == [{"post": 2}, {"post": 3}]
    for response in (first, second):
        assert response.status_code == 200
        assert "x-approutes-cache" not in response.headers
        assert "cache-control" not in response.headers
    assert get.json() == get_again.json() == {"render": 1}
    assert state(get_again) == "HIT"


# --- revalidate = N (rule 40) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "cache_control"),
    [
        ('dynamic = "force-static"', f"s-maxage={ONE_YEAR}"),
        ("revalidate = 60", f"s-maxage=60, stale-while-revalidate={ONE_YEAR - 60}"),
        ("revalidate = 3600", f"s-maxage=3600, stale-while-revalidate={ONE_YEAR - 3600}"),
        (
            'dynamic = "force-static"\nrevalidate = 1',
            f"s-maxage=1, stale-while-revalidate={ONE_YEAR - 1}",
        ),
    ],
    ids=["force-static", "revalidate-60", "revalidate-3600", "force-static-revalidate-1"],
)
async def test_cached_responses_carry_the_cache_control_next_sends(
    tmp_path: Path, config: str, cache_control: str
) -> None:
    counter = tmp_path / "renders.txt"
    files = {ROUTE: counting_route(counter, config), **cache_setting("memory")}
    root = make_project(tmp_path / "project", files)
    async with client_for(root) as client:
        miss = await client.get("/api/x")
        hit = await client.get("/api/x")

    assert miss.headers.get_list("cache-control") == [cache_control]
    assert hit.headers.get_list("cache-control") == [cache_control]
    assert [state(miss), state(hit)] == ["MISS", "HIT"]


@pytest.mark.parametrize("store", STORES)
async def test_after_revalidate_seconds_the_stale_copy_is_served_while_one_render_runs(
    tmp_path: Path, store: str
) -> None:
    counter = tmp_path / "renders.txt"
    files = {ROUTE: counting_route(counter, "revalidate = 1"), **cache_setting(store)}
    root = make_project(tmp_path / "project", files)
    clock = FakeClock()
    async with client_for(root, clock=clock) as client:
        miss = await client.get("/api/x")
        hit = await client.get("/api/x")
        clock.advance(1.1)
        stale = await client.get("/api/x")
        await wait_for_regeneration()
        fresh = await client.get("/api/x")

    assert [state(miss), state(hit), state(stale), state(fresh)] == ["MISS", "HIT", "STALE", "HIT"]
    assert miss.json() == hit.json() == stale.json() == {"render": 1}
    assert fresh.json() == {"render": 2}
    assert renders(counter) == 2


async def test_concurrent_requests_on_a_stale_entry_share_one_regeneration(
    tmp_path: Path,
) -> None:
    counter = tmp_path / "renders.txt"
    files = {ROUTE: counting_route(counter, "revalidate = 1"), **cache_setting("memory")}
    root = make_project(tmp_path / "project", files)
    clock = FakeClock()
    async with client_for(root, clock=clock) as client:
        await client.get("/api/x")
        clock.advance(1.1)
        responses = await asyncio.gather(*(client.get("/api/x") for _ in range(30)))
        await wait_for_regeneration()

    assert {r.status_code for r in responses} == {200}
    assert {state(r) for r in responses} <= {"STALE", "HIT"}
    assert all(r.json() == {"render": 1} for r in responses if state(r) == "STALE")
    assert renders(counter) == 2


async def test_a_regeneration_that_raises_keeps_the_stale_copy_and_logs_the_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    counter = tmp_path / "renders.txt"
    source = f"""
    from pathlib import Path

    revalidate = 1
    COUNTER = Path({str(counter)!r})


    def GET():
        with COUNTER.open("a") as file:
            file.write("render\\n")
        count = len(COUNTER.read_text().splitlines())
        if count == 2:
            raise RuntimeError("the database is down")
        return {{"render": count}}
    """
    root = make_project(tmp_path / "project", {ROUTE: source, **cache_setting("memory")})
    clock = FakeClock()
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        async with client_for(root, clock=clock) as client:
            miss = await client.get("/api/x")
            clock.advance(1.1)
            stale = await client.get("/api/x")
            await wait_for_regeneration()
            still_stale = await client.get("/api/x")
            await wait_for_regeneration()
            fresh = await client.get("/api/x")

    assert [miss.status_code, stale.status_code, still_stale.status_code] == [200, 200, 200]
    assert miss.json() == stale.json() == still_stale.json() == {"render": 1}
    assert [state(stale), state(still_stale)] == ["STALE", "STALE"]
    assert fresh.json() == {"render": 3}
    assert state(fresh) == "HIT"
    failures = [
        r
        for r in caplog.records
        if r.name == ERROR_LOGGER
        and "regenerating" in r.getMessage()
        and "failed" in r.getMessage()
    ]
    assert len(failures) == 1
    assert "/api/x" in failures[0].getMessage()
    assert "the database is down" in caplog.text


# --- a status of 400 or more is not cached --------------------------------------------------


@pytest.mark.parametrize("status", [404, 500])
async def test_an_error_status_from_a_static_route_is_not_cached(
    tmp_path: Path, status: int
) -> None:
    counter = tmp_path / "renders.txt"
    source = f"""
    from pathlib import Path

    from approutes import NextResponse

    dynamic = "force-static"
    COUNTER = Path({str(counter)!r})


    def GET():
        with COUNTER.open("a") as file:
            file.write("render\\n")
        count = len(COUNTER.read_text().splitlines())
        if count == 1:
            return NextResponse.json({{"error": "not yet"}}, status={status})
        return {{"render": count}}
    """
    root = make_project(tmp_path / "project", {ROUTE: source, **cache_setting("memory")})
    async with client_for(root) as client:
        failed = await client.get("/api/x")
        rendered = await client.get("/api/x")
        cached_one = await client.get("/api/x")

    assert failed.status_code == status
    assert failed.json() == {"error": "not yet"}
    assert state(rendered) == "MISS"
    assert rendered.json() == cached_one.json() == {"render": 2}
    assert state(cached_one) == "HIT"
    assert renders(counter) == 2


async def test_a_static_handler_that_raises_is_a_500_and_is_not_cached(tmp_path: Path) -> None:
    counter = tmp_path / "renders.txt"
    source = f"""
    from pathlib import Path

    dynamic = "force-static"
    COUNTER = Path({str(counter)!r})


    def GET():
        with COUNTER.open("a") as file:
            file.write("render\\n")
        raise RuntimeError("boom")
    """
    root = make_project(tmp_path / "project", {ROUTE: source, **cache_setting("memory")})
    async with client_for(root) as client:
        first = await client.get("/api/x")
        second = await client.get("/api/x")

    assert first.status_code == second.status_code == 500
    assert first.json() == {"error": "Internal Server Error"}
    assert renders(counter) == 2


# --- on-demand revalidation -----------------------------------------------------------------


def two_counted_routes(tmp_path: Path, store: str, config_a: str, config_b: str) -> Path:
    return make_project(
        tmp_path / "project",
        {
            "app/api/a/route.py": counting_route(tmp_path / "a.txt", config_a),
            "app/api/b/route.py": counting_route(tmp_path / "b.txt", config_b),
            "app/api/revalidate/route.py": REVALIDATE_ROUTE,
            **cache_setting(store),
        },
    )


@pytest.mark.parametrize("store", STORES)
async def test_revalidate_path_from_a_post_route_makes_the_next_get_a_miss(
    tmp_path: Path, store: str
) -> None:
    static = 'dynamic = "force-static"'
    root = two_counted_routes(tmp_path, store, static, static)
    async with client_for(root) as client:
        await client.get("/api/a")
        await client.get("/api/b")
        posted = await client.post("/api/revalidate", json={"path": "/api/a"})
        a = await client.get("/api/a")
        b = await client.get("/api/b")
        a_again = await client.get("/api/a")

    assert posted.status_code == 200
    assert (state(a), a.json()) == ("MISS", {"render": 2})
    assert (state(a_again), a_again.json()) == ("HIT", {"render": 2})
    assert (state(b), b.json()) == ("HIT", {"render": 1})


@pytest.mark.parametrize("store", STORES)
async def test_revalidate_tag_from_a_post_route_makes_the_next_get_a_miss(
    tmp_path: Path, store: str
) -> None:
    root = two_counted_routes(
        tmp_path, store, 'dynamic = "force-static"\ntags = ["t"]', 'revalidate = 60\ntags = ["u"]'
    )
    async with client_for(root) as client:
        await client.get("/api/a")
        await client.get("/api/b")
        posted = await client.post("/api/revalidate", json={"tag": "t"})
        a = await client.get("/api/a")
        b = await client.get("/api/b")

    assert posted.status_code == 200
    assert (state(a), a.json()) == ("MISS", {"render": 2})
    assert (state(b), b.json()) == ("HIT", {"render": 1})


@pytest.mark.parametrize("store", STORES)
async def test_revalidate_tag_drops_an_entry_made_after_the_cache_clock_moved_on(
    tmp_path: Path, store: str
) -> None:
    # The invalidation is stamped by the cache's clock, the one entries are made by.
    root = two_counted_routes(tmp_path, store, 'revalidate = 60\ntags = ["t"]', "")
    clock = FakeClock()
    async with client_for(root, clock=clock) as client:
        await client.get("/api/a")
        clock.advance(61)
        stale = await client.get("/api/a")
        await wait_for_regeneration()
        posted = await client.post("/api/revalidate", json={"tag": "t"})
        after = await client.get("/api/a")

    assert (state(stale), stale.json()) == ("STALE", {"render": 1})
    assert posted.status_code == 200
    assert (state(after), after.json()) == ("MISS", {"render": 3})


async def test_revalidate_path_clears_one_path_of_a_dynamic_segment_only(tmp_path: Path) -> None:
    counter = tmp_path / "renders.txt"
    route = counting_route(
        counter, 'dynamic = "force-static"', extra='{"id": context.params["id"]}'
    )
    files = {
        "app/api/posts/[id]/route.py": route,
        "app/api/revalidate/route.py": REVALIDATE_ROUTE,
        **cache_setting("memory"),
    }
    root = make_project(tmp_path / "project", files)
    async with client_for(root) as client:
        await client.get("/api/posts/1")
        await client.get("/api/posts/2")
        await client.post("/api/revalidate", json={"path": "/api/posts/1"})
        one = await client.get("/api/posts/1")
        two = await client.get("/api/posts/2")

    assert (state(one), one.json()) == ("MISS", {"render": 3, "id": "1"})
    assert (state(two), two.json()) == ("HIT", {"render": 2, "id": "2"})


# --- @cached --------------------------------------------------------------------------------


CACHED_LIB = """
from pathlib import Path

from approutes.cache import cached

CALLS = Path({calls!r})


@cached(tags=["numbers"], revalidate=3600)
async def describe(n, *, label="n"):
    with CALLS.open("a") as file:
        file.write(f"{{n}}\\n")
    return (n, label, {{"square": n * n}})
"""

CACHED_ROUTE = """
from approutes.cache import revalidate_tag

from lib.numbers import describe


async def GET(request):
    n = int(request.search_params.get("n"))
    result = await describe(n)
    return {"result": result, "type": type(result).__name__}


async def POST():
    await revalidate_tag("numbers")
    return {"ok": True}
"""


@pytest.mark.parametrize("store", STORES)
async def test_cached_computes_once_per_arguments_until_its_tag_is_revalidated(
    tmp_path: Path, store: str
) -> None:
    calls = tmp_path / "calls.txt"
    root = make_project(
        tmp_path / "project",
        {
            "lib/__init__.py": "",
            "lib/numbers.py": CACHED_LIB.format(calls=str(calls)),
            ROUTE: CACHED_ROUTE,
            **cache_setting(store),
        },
    )
    async with client_for(root) as client:
        first = await client.get("/api/x?n=3")
        second = await client.get("/api/x?n=3")
        after_two = calls.read_text().splitlines()
        other = await client.get("/api/x?n=4")
        after_other = calls.read_text().splitlines()
        await client.post("/api/x")
        third = await client.get("/api/x?n=3")

    expected = {"result": [3, "n", {"square": 9}], "type": "list"}
    assert first.json() == second.json() == third.json() == expected
    assert other.json() == {"result": [4, "n", {"square": 16}], "type": "list"}
    assert after_two == ["3"]
    assert after_other == ["3", "4"]
    assert calls.read_text().splitlines() == ["3", "4", "3"]


async def test_cached_returns_json_types_on_the_first_call_and_from_the_cache(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path, cache_setting("memory"))
    async with client_for(root):
        calls: list[int] = []

        @cached(tags=["pairs"])
        async def pair(n: int) -> tuple[int, int]:
            calls.append(n)
            return (n, n + 1)

        first = await pair(1)
        second = await pair(1)
        third = await pair(n=2)

    assert first == second == [1, 2]
    assert third == [2, 3]
    assert calls == [1, 2]


async def test_a_cached_result_past_revalidate_is_returned_stale_while_one_call_refreshes_it(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path, cache_setting("memory"))
    clock = FakeClock()
    async with client_for(root, clock=clock):
        calls: list[str] = []

        @cached(revalidate=1)
        async def version(name: str) -> str:
            calls.append(name)
            return f"{name}-{len(calls)}"

        first = await version("a")
        clock.advance(1.1)
        stale = await asyncio.gather(*(version("a") for _ in range(5)))
        await wait_for_regeneration()
        fresh = await version("a")

    assert first == "a-1"
    assert stale == ["a-1"] * 5
    assert fresh == "a-2"
    assert calls == ["a", "a"]


async def test_cached_refuses_a_function_that_is_not_async() -> None:
    def plain(n: int) -> int:
        return n

    with pytest.raises(TypeError, match="async def"):
        cached(tags=["t"])(plain)  # type: ignore[arg-type]


async def test_cached_refuses_arguments_that_are_not_json() -> None:
    @cached(tags=["t"])
    async def echo(value: object) -> object:
        return value

    with pytest.raises(TypeError, match="arguments must be JSON"):
        await echo(object())


# --- dynamic = "error" ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "what"),
    [
        ('request.headers.get("x-probe")', "request.headers"),
        ('request.cookies.get("session")', "request.cookies"),
        ('request.search_params.get("q")', "search_params"),
        ('request.next_url.search_params.get("q")', "search_params"),
        ('headers().get("x-probe")', "request.headers"),
        ("await request.text()", "the request body"),
    ],
    ids=[
        "headers",
        "cookies",
        "search-params",
        "next-url-search-params",
        "headers-helper",
        "body",
    ],
)
async def test_dynamic_error_route_reading_the_request_is_500_naming_route_and_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, expression: str, what: str
) -> None:
    source = f"""
    from approutes.headers import headers

    dynamic = "error"


    async def GET(request):
        return {{"value": {expression}}}
    """
    root = make_project(tmp_path, {ROUTE: source, **cache_setting("memory")})
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        async with client_for(root) as client:
            response = await client.get(
                "/api/x?q=1", headers={"x-probe": "yes", "cookie": "session=abc"}
            )

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "Internal Server Error"}
    records = [r for r in caplog.records if r.name == ERROR_LOGGER]
    assert len(records) == 1
    assert ROUTE in caplog.text
    assert what in caplog.text
    assert 'dynamic = "error"' in caplog.text


async def test_dynamic_error_route_that_reads_nothing_is_cached(tmp_path: Path) -> None:
    counter = tmp_path / "renders.txt"
    files = {ROUTE: counting_route(counter, 'dynamic = "error"'), **cache_setting("memory")}
    root = make_project(tmp_path / "project", files)
    async with client_for(root) as client:
        first = await client.get("/api/x", headers={"x-probe": "yes"})
        second = await client.get("/api/x")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"render": 1}
    assert [state(first), state(second)] == ["MISS", "HIT"]
    assert first.headers["cache-control"] == f"s-maxage={ONE_YEAR}"


# --- generate_static_params (rule 42) -------------------------------------------------------


def params_route(counter: Path, config: str) -> str:
    return counting_route(
        counter,
        config + '\n\ndef generate_static_params():\n    return [{"id": "1"}, {"id": "2"}]\n',
        extra='{"id": context.params["id"]}',
    )


async def test_listed_static_params_are_cached_and_others_404_without_dynamic_params(
    tmp_path: Path,
) -> None:
    counter = tmp_path / "renders.txt"
    files = {
        "app/api/posts/[id]/route.py": params_route(counter, "dynamic_params = False"),
        **cache_setting("memory"),
    }
    root = make_project(tmp_path / "project", files)
    async with client_for(root) as client:
        one = await client.get("/api/posts/1")
        one_again = await client.get("/api/posts/1")
        two = await client.get("/api/posts/2")
        unknown = await client.get("/api/posts/3")

    assert one.status_code == two.status_code == 200
    assert one.json() == one_again.json() == {"render": 1, "id": "1"}
    assert [state(one), state(one_again)] == ["MISS", "HIT"]
    assert one.headers["cache-control"] == f"s-maxage={ONE_YEAR}"
    assert two.json() == {"render": 2, "id": "2"}
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "Not Found"}
    assert renders(counter) == 2


async def test_unlisted_params_render_on_first_request_and_are_cached_by_default(
    tmp_path: Path,
) -> None:
    counter = tmp_path / "renders.txt"
    files = {"app/api/posts/[id]/route.py": params_route(counter, ""), **cache_setting("memory")}
    root = make_project(tmp_path / "project", files)
    async with client_for(root) as client:
        unknown = await client.get("/api/posts/3")
        unknown_again = await client.get("/api/posts/3")

    assert unknown.status_code == 200
    assert unknown.json() == unknown_again.json() == {"render": 1, "id": "3"}
    assert [state(unknown), state(unknown_again)] == ["MISS", "HIT"]
    assert unknown.headers["cache-control"] == f"s-maxage={ONE_YEAR}"


# --- approutes build ------------------------------------------------------------------------


async def test_build_prerenders_static_routes_so_the_first_request_is_a_hit(
    tmp_path: Path,
) -> None:
    static_counter = tmp_path / "static.txt"
    posts_counter = tmp_path / "posts.txt"
    dynamic_counter = tmp_path / "dynamic.txt"
    root = make_project(
        tmp_path / "project",
        {
            "app/api/static/route.py": counting_route(static_counter, 'dynamic = "force-static"'),
            "app/api/posts/[id]/route.py": params_route(posts_counter, ""),
            "app/api/dynamic/route.py": counting_route(dynamic_counter),
            "approutes.toml": 'cache = "filesystem"\n',
        },
    )

    result = await asyncio.to_thread(build_project, root)

    assert sorted(result.prerendered) == ["/api/posts/1", "/api/posts/2", "/api/static"]
    assert (renders(static_counter), renders(posts_counter), renders(dynamic_counter)) == (1, 2, 0)
    assert (root / ".approutes" / "cache").is_dir()
    async with client_for(root) as client:
        static = await client.get("/api/static")
        post = await client.get("/api/posts/2")
        unlisted = await client.get("/api/posts/3")

    assert (state(static), static.json()) == ("HIT", {"render": 1})
    assert static.headers["cache-control"] == f"s-maxage={ONE_YEAR}"
    assert (state(post), post.json()) == ("HIT", {"render": 2, "id": "2"})
    assert (state(unlisted), unlisted.json()) == ("MISS", {"render": 3, "id": "3"})
    assert (renders(static_counter), renders(posts_counter), renders(dynamic_counter)) == (1, 3, 0)


async def test_build_stops_with_prerender_failed_naming_a_handler_that_raises(
    tmp_path: Path,
) -> None:
    source = """
    dynamic = "force-static"


    def GET():
        raise RuntimeError("no database at build time")
    """
    root = make_project(tmp_path, {"app/api/boom/route.py": source})

    with pytest.raises(ConfigurationError) as caught:
        await asyncio.to_thread(build_project, root)

    message = caught.value.render()
    assert "prerender-failed" in message
    assert "app/api/boom/route.py" in message
    assert "no database at build time" in message


async def test_a_prerendered_entry_expires_after_its_revalidate_seconds(tmp_path: Path) -> None:
    counter = tmp_path / "renders.txt"
    files = {
        ROUTE: counting_route(counter, "revalidate = 1"),
        "approutes.toml": 'cache = "filesystem"\n',
    }
    root = make_project(tmp_path / "project", files)
    await asyncio.to_thread(build_project, root)

    clock = FakeClock()
    async with client_for(root, clock=clock) as client:
        hit = await client.get("/api/x")
        clock.advance(1.1)
        stale = await client.get("/api/x")
        await wait_for_regeneration()
        fresh = await client.get("/api/x")

    assert (state(hit), hit.json()) == ("HIT", {"render": 1})
    assert (state(stale), stale.json()) == ("STALE", {"render": 1})
    assert (state(fresh), fresh.json()) == ("HIT", {"render": 2})
