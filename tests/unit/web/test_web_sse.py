"""sse(): event framing, keep-alives while the source is silent, and closing the source."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from typing import Any

import pytest

from approutes import sse
from approutes.web.sse import encode_event


@pytest.mark.parametrize(
    ("event", "framed"),
    [
        ("hello", b"data: hello\n\n"),
        ("", b"data: \n\n"),
        ("a\r\nb\rc\nd", b"data: a\ndata: b\ndata: c\ndata: d\n\n"),
        ({"data": "x"}, b"data: x\n\n"),
        ({"data": [1, {"a": None}]}, b'data: [1,{"a":null}]\n\n'),
        ({"event": "tick", "id": 7, "retry": 2500}, b"event: tick\nid: 7\nretry: 2500\n\n"),
        ({"comment": "one\ntwo"}, b": one\n: two\n\n"),
        (
            {"comment": "c", "event": "e", "id": "1", "retry": 10, "data": "d"},
            b": c\nevent: e\nid: 1\nretry: 10\ndata: d\n\n",
        ),
    ],
)
def test_events_are_framed_as_the_event_stream_format_says(
    event: str | dict[str, Any], framed: bytes
) -> None:
    assert encode_event(event) == framed


@pytest.mark.parametrize(
    ("event", "error", "message"),
    [
        ({"event": "a\nb"}, ValueError, "'event' cannot contain a line break"),
        ({"id": "1\r2"}, ValueError, "'id' cannot contain a line break"),
        ({"data": "x", "name": "y"}, ValueError, "unknown event fields ['name']"),
        (42, TypeError, "must be a str or a dict, not int"),
    ],
)
def test_an_event_that_would_break_the_stream_is_refused(
    event: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message.replace("[", r"\[").replace("]", r"\]")):
        encode_event(event)


def test_the_response_is_an_uncached_unbuffered_event_stream() -> None:
    response = sse(["a"], status=201, headers={"x-room": "1"})

    assert response.status == 201
    assert response.headers.get("content-type") == "text/event-stream; charset=utf-8"
    assert response.headers.get("cache-control") == "no-cache"
    assert response.headers.get("x-accel-buffering") == "no"
    assert response.headers.get("x-room") == "1"


async def _collect(stream: object) -> list[bytes]:
    assert isinstance(stream, AsyncIterable)
    return [chunk async for chunk in stream]


@pytest.mark.anyio
async def test_a_sync_iterable_of_events_is_streamed_in_order() -> None:
    def events() -> Iterator[str]:
        yield "one"
        yield "two"

    chunks = await _collect(sse(events()).stream)

    assert chunks == [b"data: one\n\n", b"data: two\n\n"]


@pytest.mark.anyio
async def test_keep_alive_comments_fill_the_silence_between_events() -> None:
    async def slow() -> AsyncIterator[str]:
        yield "first"
        await asyncio.sleep(0.35)
        yield "second"

    chunks = await _collect(sse(slow(), keep_alive=0.1).stream)

    assert chunks[0] == b"data: first\n\n"
    assert chunks[-1] == b"data: second\n\n"
    assert 2 <= chunks.count(b": keep-alive\n\n") <= 4
    assert len(chunks) == chunks.count(b": keep-alive\n\n") + 2


@pytest.mark.anyio
async def test_closing_the_stream_while_the_source_waits_runs_the_sources_finally() -> None:
    closed: list[str] = []

    async def forever() -> AsyncIterator[str]:
        try:
            yield "hello"
            await asyncio.Event().wait()
            yield "never"
        finally:
            closed.append("source")

    stream = sse(forever(), keep_alive=10).stream
    assert isinstance(stream, AsyncIterator)
    assert await anext(stream) == b"data: hello\n\n"
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await stream.aclose()  # type: ignore[attr-defined]

    assert closed == ["source"]
