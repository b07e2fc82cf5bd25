"""`sse()`: a stream of server-sent events, framed, kept alive, never buffered."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from approutes.web.json_codec import dumps
from approutes.web.response import Response
from approutes.web.thread_iteration import pull_in_threads

if TYPE_CHECKING:
    from approutes.web.headers import HeadersInit

__all__ = ["Event", "sse"]

Event: TypeAlias = str | Mapping[str, Any]
"""A string (sent as the event's data) or a dict of `data`, `event`, `id`, `retry`, `comment`."""

KEEP_ALIVE_SECONDS = 15.0
_KEEP_ALIVE = b": keep-alive\n\n"
_FIELDS = frozenset({"data", "event", "id", "retry", "comment"})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def sse(
    events: AsyncIterable[Event] | Iterable[Event],
    *,
    keep_alive: float = KEEP_ALIVE_SECONDS,
    status: int = 200,
    headers: HeadersInit | None = None,
) -> Response:
    """Answer with `events` as a `text/event-stream`, each event sent as soon as it comes.

    A string is one event's data; a dict may set `data` (a string, or anything JSON can
    encode), `event`, `id`, `retry` (milliseconds) and `comment`. Multi-line data becomes
    several `data:` lines. After `keep_alive` seconds without an event a comment line is
    sent, so proxies and browsers keep the connection open. A client that disconnects
    stops the iterator (its `finally` runs).

    Example:
        async def GET():
            async def ticks():
                for n in range(3):
                    yield {"event": "tick", "data": {"n": n}}
                    await asyncio.sleep(1)
            return sse(ticks())
    """
    response = Response(_framed(events, keep_alive), status=status, headers=headers)
    response.headers.set("content-type", "text/event-stream; charset=utf-8")
    response.headers.set("cache-control", "no-cache")
    # NOTE: asks nginx and similar proxies not to buffer the stream.
    response.headers.set("x-accel-buffering", "no")
    return response


def encode_event(event: Event) -> bytes:
    r"""Frame one event.

    >>> encode_event("one\ntwo")
    b'data: one\ndata: two\n\n'
    >>> encode_event({"event": "tick", "id": "7", "data": {"n": 1}})
    b'event: tick\nid: 7\ndata: {"n":1}\n\n'

    Raises:
        TypeError: neither a string nor a dict.
        ValueError: an unknown field, or an `event` or `id` with a line break.
    """
    if isinstance(event, str):
        return _data_lines(event) + b"\n"
    if not isinstance(event, Mapping):
        raise TypeError(f"an event must be a str or a dict, not {type(event).__name__}")
    unknown = set(event) - _FIELDS
    if unknown:
        raise ValueError(f"unknown event fields {sorted(unknown)}; known: {sorted(_FIELDS)}")
    lines: list[str] = []
    if "comment" in event:
        lines.extend(f": {line}" for line in _LINE_BREAK.split(str(event["comment"])))
    for field in ("event", "id"):
        if field in event:
            value = str(event[field])
            if _LINE_BREAK.search(value):
                raise ValueError(f"the event's {field!r} cannot contain a line break")
            lines.append(f"{field}: {value}")
    if "retry" in event:
        lines.append(f"retry: {int(event['retry'])}")
    text = "".join(line + "\n" for line in lines).encode()
    if "data" in event:
        data = event["data"]
        text += _data_lines(data if isinstance(data, str) else dumps(data).decode())
    return text + b"\n"


def _data_lines(data: str) -> bytes:
    return "".join(f"data: {line}\n" for line in _LINE_BREAK.split(data)).encode()


async def _framed(
    events: AsyncIterable[Event] | Iterable[Event], keep_alive: float
) -> AsyncIterator[bytes]:
    source = aiter(events) if isinstance(events, AsyncIterable) else pull_in_threads(events)
    # NOTE: the next event is awaited in a future of its own so that a keep-alive can go out
    # while it is pending, without cancelling the user's iterator.
    pending: asyncio.Future[Event] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(source))
            done, _ = await asyncio.wait({pending}, timeout=keep_alive)
            if not done:
                yield _KEEP_ALIVE
                continue
            try:
                event = pending.result()
            except StopAsyncIteration:
                return
            pending = None
            yield encode_event(event)
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            await asyncio.wait({pending})
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()
