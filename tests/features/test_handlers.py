"""Handlers: signatures, threads, return values, errors, navigation helpers, cookies(), after()."""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

from approutes.errors import OutsideRequestError
from approutes.headers import cookies, headers
from approutes.server import after

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import httpx

ROUTE = "app/api/x/route.py"
ERROR_LOGGER = "approutes.error"


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # create_app puts each project root first on sys.path; undo that after every test.
    monkeypatch.setattr(sys, "path", [*sys.path])


async def respond(
    tmp_path: Path, source: str, method: str = "GET", *, route: str = ROUTE, path: str = "/api/x"
) -> httpx.Response:
    """Build a project with `source` as `route` and answer one `method` request for `path`."""
    root = make_project(tmp_path, {route: source})
    async with client_for(root) as client:
        return await client.request(method, path)


def error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ERROR_LOGGER]


# --- signatures and threads -----------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["async def", "def"])
@pytest.mark.parametrize(
    ("signature", "body", "expected"),
    [
        ("()", '{"called": True}', {"called": True}),
        ("(request)", '{"method": request.method}', {"method": "GET"}),
        (
            "(request, context)",
            '{"method": request.method, "id": context.params["id"]}',
            {"method": "GET", "id": "42"},
        ),
        (
            "(req, ctx, extra=None)",
            '{"id": ctx.params["id"], "extra": extra}',
            {"id": "42", "extra": None},
        ),
        ("(*args)", '{"count": len(args)}', {"count": 2}),
    ],
    ids=["no-args", "request", "request-context", "extra-default-arg", "star-args"],
)
async def test_a_handler_may_take_request_and_context_or_fewer(
    tmp_path: Path, kind: str, signature: str, body: str, expected: dict[str, object]
) -> None:
    source = f"{kind} GET{signature}:\n    return {body}\n"
    response = await respond(
        tmp_path, source, route="app/api/users/[id]/route.py", path="/api/users/42"
    )

    assert response.status_code == 200
    assert response.json() == expected


@pytest.mark.anyio
async def test_a_sync_handler_runs_in_a_worker_thread_where_headers_and_cookies_work(
    tmp_path: Path,
) -> None:
    source = """
    import threading

    from approutes.headers import cookies, headers

    def GET():
        cookies().set("seen", "yes")
        return {
            "worker_thread": threading.current_thread() is not threading.main_thread(),
            "agent": headers().get("x-agent"),
            "theme": cookies().get("theme").value,
        }
    """
    root = make_project(tmp_path, {ROUTE: source})
    async with client_for(root) as client:
        response = await client.get("/api/x", headers={"x-agent": "probe", "cookie": "theme=dark"})

    assert response.status_code == 200
    assert response.json() == {"worker_thread": True, "agent": "probe", "theme": "dark"}
    assert response.headers.get_list("set-cookie") == ["seen=yes; Path=/"]


@pytest.mark.anyio
async def test_an_async_handler_runs_on_the_event_loop_thread(tmp_path: Path) -> None:
    source = """
    import threading

    async def GET():
        return {"main_thread": threading.current_thread() is threading.main_thread()}
    """
    response = await respond(tmp_path, source)

    assert response.json() == {"main_thread": True}


# --- return values --------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        ('{"name": "Ada", "tags": ["x"]}', {"name": "Ada", "tags": ["x"]}),
        ("[1, 2, 3]", [1, 2, 3]),
        ("[]", []),
        ("{}", {}),
    ],
    ids=["dict", "list", "empty-list", "empty-dict"],
)
async def test_returning_a_dict_or_list_answers_json_200(
    tmp_path: Path, returned: str, expected: object
) -> None:
    response = await respond(tmp_path, f"async def GET():\n    return {returned}\n")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == expected


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("return None", "None"),
        ("pass", "None"),
        ("return 42", "int"),
        ("return 'hello'", "str"),
        ("return (1, 2)", "tuple"),
    ],
    ids=["none", "no-return", "int", "str", "tuple"],
)
async def test_returning_anything_else_is_500_logged_with_the_route_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, body: str, what: str
) -> None:
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        response = await respond(tmp_path, f"async def GET():\n    {body}\n")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    records = error_records(caplog)
    assert len(records) == 1
    assert ROUTE in records[0].getMessage()
    assert f"returned {'None' if what == 'None' else 'a ' + what}" in caplog.text


@pytest.mark.anyio
@pytest.mark.parametrize("helper", ["NextResponse.next()", 'NextResponse.rewrite("/api/y")'])
async def test_returning_a_middleware_only_response_is_500_naming_the_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, helper: str
) -> None:
    source = f"from approutes import NextResponse\n\nasync def GET():\n    return {helper}\n"
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        response = await respond(tmp_path, source)

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    records = error_records(caplog)
    assert len(records) == 1
    assert ROUTE in records[0].getMessage()
    assert "only middleware may return" in caplog.text


# --- exceptions -----------------------------------------------------------------------------

FAILING_ROUTE = """
from approutes.headers import cookies

async def GET():
    cookies().set("lost", "1")
    raise RuntimeError("secret")
"""


@pytest.mark.anyio
async def test_an_uncaught_exception_is_a_500_that_never_leaks_the_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        response = await respond(tmp_path, FAILING_ROUTE)

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    assert "secret" not in response.text
    assert "set-cookie" not in response.headers
    records = error_records(caplog)
    assert len(records) == 1
    assert ROUTE in records[0].getMessage()
    assert records[0].exc_info is not None
    assert "secret" in caplog.text


@pytest.mark.anyio
async def test_in_dev_the_500_body_adds_detail_and_traceback(tmp_path: Path) -> None:
    root = make_project(tmp_path, {ROUTE: FAILING_ROUTE})
    async with client_for(root, dev=True) as client:
        response = await client.get("/api/x")

    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "Internal Server Error"
    assert body["detail"] == "RuntimeError: secret"
    assert "secret" in "".join(body["traceback"])
    assert "route.py" in "".join(body["traceback"])


@pytest.mark.anyio
async def test_a_head_request_to_a_throwing_get_is_a_bodiless_500(tmp_path: Path) -> None:
    response = await respond(tmp_path, FAILING_ROUTE, "HEAD")

    assert response.status_code == 500
    assert response.content == b""


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("raise_line", "status", "body", "extra_headers"),
    [
        ('raise HTTPError(409, "Taken")', 409, {"error": "Taken"}, {}),
        ("raise HTTPError(403)", 403, {"error": "Forbidden"}, {}),
        (
            'raise HTTPError(429, "Slow down", headers={"retry-after": "5"})',
            429,
            {"error": "Slow down"},
            {"retry-after": "5"},
        ),
        ('raise BadRequest("Missing name")', 400, {"error": "Missing name"}, {}),
    ],
    ids=["status-and-message", "default-message", "with-headers", "bad-request"],
)
async def test_raising_http_error_answers_its_status_and_message(
    tmp_path: Path,
    raise_line: str,
    status: int,
    body: dict[str, str],
    extra_headers: dict[str, str],
) -> None:
    source = f"from approutes import BadRequest, HTTPError\n\nasync def POST():\n    {raise_line}\n"
    response = await respond(tmp_path, source, "POST")

    assert response.status_code == status
    assert response.json() == body
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    for name, value in extra_headers.items():
        assert response.headers[name] == value


@pytest.mark.anyio
async def test_an_uncaught_pydantic_validation_error_is_400_listing_the_issues(
    tmp_path: Path,
) -> None:
    source = """
    from pydantic import BaseModel

    class Item(BaseModel):
        qty: int

    class Order(BaseModel):
        name: str
        items: list[Item]

    async def POST(request):
        order = Order.model_validate(await request.json())
        return {"name": order.name}
    """
    root = make_project(tmp_path, {ROUTE: source})
    async with client_for(root) as client:
        response = await client.post("/api/x", json={"items": [{"qty": 1}, {"qty": "many"}]})
        valid = await client.post("/api/x", json={"name": "A", "items": []})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == "Invalid input"
    issues = body["issues"]
    assert [(issue["path"], issue["code"]) for issue in issues] == [
        (["name"], "missing"),
        (["items", 1, "qty"], "int_parsing"),
    ]
    assert all(set(issue) == {"path", "message", "code"} for issue in issues)
    assert issues[0]["message"] == "Field required"
    assert valid.json() == {"name": "A"}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kind", "wait"),
    [("async def", "await asyncio.sleep(0.02)"), ("def", "time.sleep(0.02)")],
    ids=["async", "sync"],
)
async def test_a_handler_over_max_duration_answers_504(
    tmp_path: Path, kind: str, wait: str
) -> None:
    # The handler runs until the test releases it, after the answer: a 504 that waited for
    # the handler would never come (the handler gives up after 10 s and answers 200).
    release = tmp_path / "release"
    finished = tmp_path / "finished"
    source = f"""
import asyncio
import time
from pathlib import Path

max_duration = 0.1

{kind} GET():
    stop = time.monotonic() + 10
    while not Path({str(release)!r}).exists() and time.monotonic() < stop:
        {wait}
    Path({str(finished)!r}).touch()
    return {{"finished": True}}
"""
    root = make_project(tmp_path, {ROUTE: source})
    async with client_for(root) as client:
        response = await client.get("/api/x")
        finished_before_the_answer = finished.exists()
        release.touch()

    assert response.status_code == 504
    assert response.json() == {"error": "Gateway Timeout"}
    assert response.headers["cache-control"] == "no-store"
    assert not finished_before_the_answer


@pytest.mark.anyio
async def test_a_handler_within_max_duration_answers_normally(tmp_path: Path) -> None:
    source = """
    import asyncio

    max_duration = 2

    async def GET():
        await asyncio.sleep(0.01)
        return {"finished": True}
    """
    response = await respond(tmp_path, source)

    assert response.status_code == 200
    assert response.json() == {"finished": True}


@pytest.mark.anyio
async def test_a_process_runtime_handler_runs_in_another_process(tmp_path: Path) -> None:
    source = """
    import os

    runtime = "process"

    def GET():
        return {"pid": os.getpid()}
    """
    root = make_project(tmp_path, {ROUTE: source})
    async with client_for(root) as client:
        response = await client.get("/api/x")

    assert response.status_code == 200
    assert response.json()["pid"] != os.getpid()


# --- navigation helpers ---------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "status", "location"),
    [
        ('redirect("/x")', 307, "/x"),
        ('redirect("../login?next=/a")', 307, "../login?next=/a"),
        ('redirect("https://example.com/a")', 307, "https://example.com/a"),
        ('permanent_redirect("/api/v2/x")', 308, "/api/v2/x"),
    ],
    ids=["redirect", "relative-kept-as-given", "absolute", "permanent"],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_redirect_helpers_end_the_handler_with_location_exactly_as_given(
    tmp_path: Path, call: str, status: int, location: str, method: str
) -> None:
    source = f"""
from approutes.navigation import permanent_redirect, redirect

async def {method}():
    {call}
    return {{"unreachable": True}}
"""
    response = await respond(tmp_path, source, method)

    assert response.status_code == status
    assert response.headers["location"] == location
    assert response.content == b""


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["async def", "def"])
async def test_redirect_inside_try_except_exception_still_redirects(
    tmp_path: Path, kind: str
) -> None:
    source = f"""
from approutes.navigation import redirect

{kind} GET():
    try:
        redirect("/login")
    except Exception:
        return {{"swallowed": True}}
    return {{"unreachable": True}}
"""
    response = await respond(tmp_path, source)

    assert response.status_code == 307
    assert response.headers["location"] == "/login"


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["async def", "def"])
async def test_not_found_answers_the_404_json(tmp_path: Path, kind: str) -> None:
    source = f"""
from approutes.navigation import not_found

{kind} GET(request, context):
    if context.params["id"] != "1":
        not_found()
    return {{"id": 1}}
"""
    root = make_project(tmp_path, {"app/api/users/[id]/route.py": source})
    async with client_for(root) as client:
        found = await client.get("/api/users/1")
        missing = await client.get("/api/users/2")

    assert found.status_code == 200
    assert missing.status_code == 404
    assert missing.json() == {"error": "Not Found"}
    assert missing.headers["content-type"] == "application/json"
    assert missing.headers["cache-control"] == "no-store"


# --- cookies() ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_cookies_set_comes_after_the_handlers_own_set_cookie(tmp_path: Path) -> None:
    source = """
    from approutes import Response
    from approutes.headers import cookies

    async def GET():
        cookies().set("theme", "dark")
        response = Response("ok")
        response.headers.append("set-cookie", "session=abc; Path=/; HttpOnly")
        return response
    """
    response = await respond(tmp_path, source)

    assert response.status_code == 200
    assert response.headers.get_list("set-cookie") == [
        "session=abc; Path=/; HttpOnly",
        "theme=dark; Path=/",
    ]


@pytest.mark.anyio
async def test_cookies_set_is_kept_on_a_redirect_response(tmp_path: Path) -> None:
    source = """
    from approutes.headers import cookies
    from approutes.navigation import redirect

    async def POST():
        cookies().set("theme", "dark")
        redirect("/x")
    """
    response = await respond(tmp_path, source, "POST")

    assert response.status_code == 307
    assert response.headers["location"] == "/x"
    assert response.headers.get_list("set-cookie") == ["theme=dark; Path=/"]


@pytest.mark.anyio
async def test_cookies_set_is_dropped_by_not_found(tmp_path: Path) -> None:
    source = """
    from approutes.headers import cookies
    from approutes.navigation import not_found

    async def GET():
        cookies().set("theme", "dark")
        not_found()
    """
    response = await respond(tmp_path, source)

    assert response.status_code == 404
    assert "set-cookie" not in response.headers


@pytest.mark.anyio
async def test_cookies_delete_expires_the_cookie_and_get_sees_changes(tmp_path: Path) -> None:
    source = """
    from approutes.headers import cookies

    async def GET():
        before = cookies().get("session").value
        cookies().delete("session")
        cookies().set("theme", "dark")
        return {
            "before": before,
            "after": cookies().get("session"),
            "theme": cookies().get("theme").value,
        }
    """
    root = make_project(tmp_path, {ROUTE: source})
    async with client_for(root) as client:
        response = await client.get("/api/x", headers={"cookie": "session=abc"})

    assert response.json() == {"before": "abc", "after": None, "theme": "dark"}
    assert response.headers.get_list("set-cookie") == [
        "session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        "theme=dark; Path=/",
    ]


# --- after() --------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("callback_kind", ["async def", "def"])
async def test_after_runs_its_callback_once_the_response_is_built(
    tmp_path: Path, callback_kind: str
) -> None:
    source = f"""
from approutes.server import after

EVENTS = []

{callback_kind} record():
    EVENTS.append("after")

async def POST():
    EVENTS.append("handler")
    after(record)
    return {{"events": list(EVENTS)}}

async def GET():
    return {{"events": EVENTS}}
"""
    root = make_project(tmp_path, {ROUTE: source})
    async with client_for(root) as client:
        posted = await client.post("/api/x")
        # httpx's ASGITransport awaits the whole app call, so after() has run by now.
        listed = await client.get("/api/x")

    assert posted.json() == {"events": ["handler"]}
    assert listed.json() == {"events": ["handler", "after"]}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("ending", "status"),
    [
        ('raise RuntimeError("boom")', 500),
        ('redirect("/elsewhere")', 307),
        ("not_found()", 404),
        ('raise HTTPError(409, "Taken")', 409),
    ],
    ids=["error", "redirect", "not-found", "http-error"],
)
async def test_after_callbacks_run_even_when_the_handler_does_not_return(
    tmp_path: Path, ending: str, status: int
) -> None:
    source = f"""
from approutes import HTTPError
from approutes.navigation import not_found, redirect
from approutes.server import after

EVENTS = []

async def POST():
    after(lambda: EVENTS.append("after"))
    {ending}

async def GET():
    return {{"events": EVENTS}}
"""
    root = make_project(tmp_path, {ROUTE: source})
    async with client_for(root) as client:
        posted = await client.post("/api/x")
        listed = await client.get("/api/x")

    assert posted.status_code == status
    assert listed.json() == {"events": ["after"]}


@pytest.mark.anyio
async def test_an_after_callback_that_raises_is_logged_and_the_response_is_unharmed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = """
    from approutes.server import after

    def boom():
        raise ValueError("after went wrong")

    async def GET():
        after(boom)
        return {"ok": True}
    """
    root = make_project(tmp_path, {ROUTE: source})
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        async with client_for(root) as client:
            response = await client.get("/api/x")
            again = await client.get("/api/x")

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert again.status_code == 200
    records = error_records(caplog)
    assert len(records) == 2
    assert ROUTE in records[0].getMessage()
    assert "after went wrong" in caplog.text


# --- helpers outside a request --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "call"),
    [
        pytest.param("headers()", headers, id="headers"),
        pytest.param("cookies()", cookies, id="cookies"),
        pytest.param("after()", lambda: after(lambda: None), id="after"),
    ],
)
def test_a_request_helper_outside_a_request_raises_outside_request_error_naming_it(
    name: str, call: Callable[[], object]
) -> None:
    with pytest.raises(OutsideRequestError, match=re.escape(name)):
        call()


def test_outside_request_error_is_a_runtime_error() -> None:
    with pytest.raises(RuntimeError):
        headers()
