"""Writes a Response to ASGI `send`: buffered or streamed body, HEAD without a body."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Iterator
from typing import TYPE_CHECKING

from approutes.log import error_log
from approutes.web.response import Response, StreamBody, body_chunk

if TYPE_CHECKING:
    from approutes.asgi.interface import Send

__all__ = ["send_response"]

_NO_LENGTH_STATUSES = frozenset({204, 304})
_DONE = object()


async def send_response(
    response: Response, send: Send, *, head_only: bool = False, route_file: str = ""
) -> None:
    """Send `response`; a stream is sent chunk by chunk as the iterator yields.

    A stream that raises midway is logged once (naming `route_file`) and ended cleanly.
    """
    headers, has_length = response.encoded_headers()
    stream = response.stream
    if stream is None:
        body = response.body or b""
        if not has_length and response.status not in _NO_LENGTH_STATUSES:
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head_only else body})
        return
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if head_only:
        await _close(stream)
    else:
        try:
            await _send_chunks(stream, send)
        except Exception as exc:  # noqa: BLE001 - a broken stream must not take the server down
            where = f" from {route_file}" if route_file else ""
            error_log.error("streamed body%s raised midway; response ended", where, exc_info=exc)
    await send({"type": "http.response.body", "body": b""})


async def _send_chunks(stream: StreamBody, send: Send) -> None:
    if isinstance(stream, AsyncIterable):
        async for item in stream:
            # PERF: no wrapper generator between the user's iterator and send (bench S6).
            chunk = item if type(item) is bytes else body_chunk(item)
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        return
    if isinstance(stream, list | tuple):
        for item in stream:
            await _send_chunk(send, body_chunk(item))
        return
    # NOTE: a sync generator may block (file reads, a slow query): pull each chunk in a thread.
    iterator = iter(stream)
    while (item := await asyncio.to_thread(_next_or_done, iterator)) is not _DONE:  # type: ignore[arg-type]
        await _send_chunk(send, body_chunk(item))


async def _send_chunk(send: Send, chunk: bytes) -> None:
    if chunk:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})


def _next_or_done(iterator: Iterator[object]) -> object:
    return next(iterator, _DONE)


async def _close(stream: StreamBody) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()
        return
    close = getattr(stream, "close", None)
    if close is not None:
        close()
