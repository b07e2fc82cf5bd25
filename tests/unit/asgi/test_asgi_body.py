"""AsgiBody: limits, the stall timeout (the loop's StallWatch), the disconnect watch."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from approutes.asgi.body import AsgiBody
from approutes.asgi.stall_watch import StallWatch
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


# --- the stall watch, driven sweep by sweep ---------------------------------------------------


def _stalling_after(*messages: dict[str, Any]) -> tuple[Any, asyncio.Queue[dict[str, Any]]]:
    """A receive that gives `messages`, then waits for what the test puts in the queue."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)
    return queue.get, queue


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.mark.anyio
async def test_a_stalled_read_is_a_408_only_once_its_timeout_has_passed_in_sweeps() -> None:
    watch = StallWatch(interval=1.0)
    receive, _ = _stalling_after({"type": "http.request", "body": b"ab", "more_body": True})
    body = AsgiBody(_scope(), receive, timeout=2.0, watch=watch)
    reading = asyncio.ensure_future(body.read_all(1024))
    await _settle()

    watch.sweep()
    watch.sweep()  # the read may have begun just before the first sweep: 1 s is sure
    await _settle()
    assert not reading.done()

    watch.sweep()  # 2 s are sure now
    await _settle()
    with pytest.raises(RequestTimeout):
        await reading
    assert watch.reads == {}


@pytest.mark.anyio
async def test_each_message_that_comes_starts_the_wait_again() -> None:
    watch = StallWatch(interval=1.0)
    receive, queue = _stalling_after()
    body = AsgiBody(_scope(), receive, timeout=1.0, watch=watch)
    reading = asyncio.ensure_future(body.read_all(1024))
    for _ in range(4):
        await _settle()
        watch.sweep()  # never two in a row without a message: never 1 s sure
        queue.put_nowait({"type": "http.request", "body": b"a", "more_body": True})
    queue.put_nowait({"type": "http.request", "body": b"z", "more_body": False})

    assert await reading == b"aaaaz"
    assert watch.reads == {}


@pytest.mark.anyio
async def test_the_sweeps_run_while_a_read_waits_and_stop_when_none_does() -> None:
    scheduled: list[Any] = []

    def call_later(delay: float, callback: Any) -> asyncio.TimerHandle:
        scheduled.append(callback)
        return asyncio.get_running_loop().call_later(3600, lambda: None)

    watch = StallWatch(call_later, interval=1.0)
    receive, queue = _stalling_after()
    body = AsgiBody(_scope(), receive, timeout=1.0, watch=watch)
    reading = asyncio.ensure_future(body.read_all(1024))
    await _settle()
    assert len(scheduled) == 1  # armed by the read

    scheduled.pop()()  # a sweep: the read still waits, so the next one is armed
    assert len(scheduled) == 1
    queue.put_nowait({"type": "http.request", "body": b"a", "more_body": False})
    assert await reading == b"a"

    scheduled.pop()()  # nothing waits: no sweep after this one
    assert scheduled == []

    receive, queue = _stalling_after()
    later = AsgiBody(_scope(), receive, timeout=1.0, watch=watch)
    reading = asyncio.ensure_future(later.read_all(1024))
    await _settle()
    assert len(scheduled) == 1  # the next read that waits arms it again
    queue.put_nowait({"type": "http.request", "body": b"b", "more_body": False})
    assert await reading == b"b"
