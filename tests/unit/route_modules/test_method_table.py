"""build_method_table: handlers by method, HEAD from GET, automatic OPTIONS, Allow."""

from __future__ import annotations

from typing import Any

import pytest

from approutes.route_modules.handler_plan import HandlerPlan, plan_handler
from approutes.route_modules.method_table import HTTP_METHODS, build_method_table
from approutes.web.response import Response

FILE = "app/api/x/route.py"


async def handler(request: Any, context: Any) -> None: ...


def plans(*methods: str) -> dict[str, HandlerPlan]:
    return {m: plan_handler(handler, m, FILE) for m in methods}


@pytest.mark.parametrize(
    ("methods", "allow"),
    [
        pytest.param(("GET",), "GET, HEAD, OPTIONS", id="get"),
        pytest.param(("GET", "POST"), "GET, HEAD, OPTIONS, POST", id="get-post"),
        pytest.param(("POST",), "OPTIONS, POST", id="post-only-no-head"),
        pytest.param(("PUT", "DELETE", "PATCH"), "DELETE, OPTIONS, PATCH, PUT", id="sorted"),
        pytest.param(("HEAD",), "HEAD, OPTIONS", id="own-head"),
        pytest.param(("GET", "OPTIONS"), "GET, HEAD, OPTIONS", id="own-options"),
        pytest.param(HTTP_METHODS, "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT", id="all"),
    ],
)
def test_allow_lists_methods_sorted_with_options_and_head(
    methods: tuple[str, ...], allow: str
) -> None:
    assert build_method_table(plans(*methods), FILE).allow_header == allow


def test_head_is_served_by_get_when_not_exported() -> None:
    given = plans("GET")
    table = build_method_table(given, FILE)
    assert table.handlers.get("HEAD") is given["GET"]


def test_exported_head_wins_over_get() -> None:
    given = plans("GET", "HEAD")
    table = build_method_table(given, FILE)
    assert table.handlers.get("HEAD") is given["HEAD"]


def test_head_without_get_is_not_allowed() -> None:
    assert build_method_table(plans("POST"), FILE).handlers.get("HEAD") is None


def test_automatic_options_answers_204_with_allow() -> None:
    table = build_method_table(plans("GET", "POST"), FILE)
    plan = table.handlers.get("OPTIONS")
    assert plan is not None
    assert plan.arity == 0
    assert not plan.is_async
    assert plan.method == "OPTIONS"
    assert plan.file == FILE
    response = plan.fn()
    assert isinstance(response, Response)
    assert response.status == 204
    assert response.body is None
    assert response.headers.get("allow") == "GET, HEAD, OPTIONS, POST"


def test_exported_options_replaces_the_automatic_one() -> None:
    given = plans("GET", "OPTIONS")
    assert build_method_table(given, FILE).handlers.get("OPTIONS") is given["OPTIONS"]


@pytest.mark.parametrize(
    "method",
    [
        pytest.param("POST", id="not-exported"),
        pytest.param("get", id="lower-case"),
        pytest.param("PROPFIND", id="unknown-method"),
        pytest.param("TRACE", id="trace"),
    ],
)
def test_method_without_handler_resolves_to_none(method: str) -> None:
    assert build_method_table(plans("GET"), FILE).handlers.get(method) is None


def test_exported_is_what_the_module_defines_in_canonical_order() -> None:
    table = build_method_table(plans("DELETE", "GET", "POST"), FILE)
    assert table.exported == ("GET", "POST", "DELETE")
    assert build_method_table(plans("GET", "HEAD"), FILE).exported == ("GET", "HEAD")


def test_every_exported_method_resolves_to_its_own_handler() -> None:
    given = plans(*HTTP_METHODS)
    table = build_method_table(given, FILE)
    for method in HTTP_METHODS:
        assert table.handlers.get(method) is given[method]


def test_building_the_table_leaves_the_given_plans_alone() -> None:
    given = plans("GET")
    build_method_table(given, FILE)
    assert list(given) == ["GET"]
