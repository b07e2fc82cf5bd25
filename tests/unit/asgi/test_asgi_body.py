"""AsgiBody: limits, the stall timeout, the disconnect watch."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from approutes.asgi.body import AsgiBody
from approutes.errors import ClientDisconnected, PayloadTooLarge, RequestTimeout


def _scope(*headers: tuple[bytes, bytes]) -> dict[str, Any]:
    return {"type": "http", "headers": list(headers)}


def _receiving(*messages: dict[str, Any], then_stall: bool = False) -> Any:
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        if then_stall:
            await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    return receive


@pytest.mark.anyio
async def test_a_body_that_stalls_is_a_408_after_the_timeout() -> None:
    first = {"type": "http.request", "body": b"ab", "more_body": True}
    body = AsgiBody(_scope(), _receiving(first, then_stall=True), timeout=0.05)

    with pytest.raises(RequestTimeout):
        await body.read_all(1024)


@pytest.mark.anyio
async def test_a_streamed_body_that_stalls_is_a_408_too() -> None:
    first = {"type": "http.request", "body": b"ab", "more_body": True}
    body = AsgiBody(_scope(), _receiving(first, then_stall=True), timeout=0.05)
    received: list[bytes] = []

    async def consume() -> None:
        async for chunk in body.chunks(1024):
            received.append(chunk)
            await asyncio.sleep(0.1)  # a slow consumer is not a stalled client

    with pytest.raises(RequestTimeout):
        await consume()

    assert received == [b"ab"]


@pytest.mark.anyio
async def test_a_body_in_several_messages_is_joined() -> None:
    messages = [
        {"type": "http.request", "body": b"a", "more_body": True},
        {"type": "http.request", "body": b"b", "more_body": False},
    ]
    assert await AsgiBody(_scope(), _receiving(*messages)).read_all(10) == b"ab"


@pytest.mark.anyio
async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    body = AsgiBody(_scope((b"content-length", b"11")), _receiving())

    with pytest.raises(PayloadTooLarge):
        await body.read_all(10)


@pytest.mark.anyio
async def test_a_disconnect_mid_body_is_reported() -> None:
    first = {"type": "http.request", "body": b"a", "more_body": True}
    body = AsgiBody(_scope(), _receiving(first))

    with pytest.raises(ClientDisconnected):
        await body.read_all(10)
