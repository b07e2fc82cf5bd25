"""Writes a Response to ASGI `send`: buffered or streamed body, HEAD without a body."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterator
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
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.raw()]
    stream = response.stream
    if stream is None:
        body = response.body or b""
        if response.status not in _NO_LENGTH_STATUSES and not response.headers.has(
            "content-length"
        ):
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head_only else body})
        return
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if head_only:
        await _close(stream)
    else:
        try:
            async for chunk in _iterate(stream):
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except Exception as exc:  # noqa: BLE001 - a broken stream must not take the server down
            where = f" from {route_file}" if route_file else ""
            error_log.error("streamed body%s raised midway; response ended", where, exc_info=exc)
    await send({"type": "http.response.body", "body": b""})


async def _iterate(stream: StreamBody) -> AsyncIterator[bytes]:
    if isinstance(stream, AsyncIterable):
        async for chunk in stream:
            yield body_chunk(chunk)
        return
    if isinstance(stream, list | tuple):
        for chunk in stream:
            yield body_chunk(chunk)
        return
    # NOTE: a sync generator may block (file reads, a slow query): pull each chunk in a thread.
    iterator = iter(stream)
    while (chunk := await asyncio.to_thread(_next_or_done, iterator)) is not _DONE:  # type: ignore[arg-type]
        yield body_chunk(chunk)


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
