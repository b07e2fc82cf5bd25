"""plan_handler: each handler's arity and sync/async nature, decided once at load."""

from __future__ import annotations

from typing import Any

import pytest

from approutes.errors import RouteModuleError
from approutes.route_modules.handler_plan import HandlerPlan, plan_handler

FILE = "app/api/x/route.py"


async def no_args() -> None: ...


async def request_only(request: Any) -> None: ...


async def request_and_context(request: Any, context: Any) -> None: ...


def sync_request_and_context(request: Any, context: Any) -> None: ...


async def with_optional_extra(request: Any, context: Any, extra: Any = None) -> None: ...


async def optional_request(request: Any = None) -> None: ...


async def star_args(*args: Any) -> None: ...


async def request_and_star_args(request: Any, *args: Any) -> None: ...


async def request_and_kwargs(request: Any, **kwargs: Any) -> None: ...


async def optional_keyword_only(request: Any, *, flag: bool = False) -> None: ...


async def three_required(request: Any, context: Any, extra: Any) -> None: ...


async def required_keyword_only(request: Any, *, user: Any) -> None: ...


@pytest.mark.parametrize(
    ("fn", "arity"),
    [
        pytest.param(no_args, 0, id="nothing"),
        pytest.param(request_only, 1, id="request"),
        pytest.param(request_and_context, 2, id="request-context"),
        pytest.param(with_optional_extra, 2, id="optional-third-not-passed"),
        pytest.param(optional_request, 1, id="optional-request"),
        pytest.param(star_args, 2, id="star-args-gets-both"),
        pytest.param(request_and_star_args, 2, id="request-and-star-args"),
        pytest.param(request_and_kwargs, 1, id="kwargs-ignored"),
        pytest.param(optional_keyword_only, 1, id="optional-keyword-only"),
        pytest.param(lambda: None, 0, id="lambda"),
    ],
)
def test_arity_is_how_many_arguments_the_handler_takes(fn: Any, arity: int) -> None:
    assert plan_handler(fn, "GET", FILE).arity == arity


def test_async_handler_is_marked_async_and_sync_one_is_not() -> None:
    assert plan_handler(request_and_context, "GET", FILE).is_async
    assert not plan_handler(sync_request_and_context, "GET", FILE).is_async


def test_plan_keeps_the_function_method_and_file() -> None:
    plan = plan_handler(request_only, "POST", FILE)
    assert plan == HandlerPlan(request_only, 1, True, "POST", FILE)


@pytest.mark.parametrize(
    "fn",
    [
        pytest.param(three_required, id="three-required"),
        pytest.param(required_keyword_only, id="required-keyword-only"),
    ],
)
def test_handler_needing_arguments_approutes_cannot_give_refuses_to_load(fn: Any) -> None:
    with pytest.raises(RouteModuleError) as caught:
        plan_handler(fn, "GET", FILE)
    assert caught.value.code == "handler-signature"
    assert caught.value.files == (FILE,)
    assert "GET" in caught.value.problem


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("not a function", id="str"),
        pytest.param(None, id="none"),
        pytest.param({"a": 1}, id="dict"),
    ],
)
def test_non_callable_handler_refuses_to_load(value: object) -> None:
    with pytest.raises(RouteModuleError) as caught:
        plan_handler(value, "DELETE", FILE)
    assert caught.value.code == "handler-not-callable"
    assert caught.value.files == (FILE,)
    assert "DELETE" in caught.value.problem
