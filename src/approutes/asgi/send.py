"""Writes a Response to ASGI `send`: buffered, streamed or file body, HEAD without a body.

Compression (`asgi/compression.py`) is applied here, the one place every response passes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable
from typing import TYPE_CHECKING

from approutes.asgi.compression import THRESHOLD
from approutes.log import error_log
from approutes.request_context import CURRENT_STATE
from approutes.web.file_body import FileBody
from approutes.web.response import Response, StreamBody, body_chunk
from approutes.web.thread_iteration import pull_in_threads

if TYPE_CHECKING:
    from approutes.asgi.body import AsgiBody
    from approutes.asgi.compression import Coding, Compression, Encoder
    from approutes.asgi.interface import Scope, Send

__all__ = ["send_response"]

_NO_LENGTH_STATUSES = frozenset({204, 304})
_PATHSEND = "http.response.pathsend"
_READY_LENGTHS = 2048
_LENGTH_LINES = [(b"content-length", b"%d" % size) for size in range(_READY_LENGTHS)]
COMPRESS_IN_THREAD_FROM = 256 * 1024
"""Bytes from which a body sent in one piece is compressed in a worker thread."""
WATCH_AFTER = 0.1
"""Seconds a stream runs before approutes watches for the client going away."""
YIELD_EVERY = 16
"""Chunks a stream sends before the event loop gets a turn (and the watch starts, if not yet).

PERF: a stream of fewer chunks (bench S6 sends 10) costs neither a loop turn nor a task.
"""


async def send_response(
    response: Response,
    send: Send,
    *,
    head_only: bool = False,
    route_file: str = "",
    body: AsgiBody | None = None,
    scope: Scope | None = None,
    compression: Compression | None = None,
    request_id: str | None = None,
) -> int:
    """Send `response`; a stream is sent chunk by chunk as the iterator yields.

    A stream that raises midway is logged once (naming `route_file`) and cut: its body is
    left unfinished, so the server closes the connection without the chunked terminator. With
    the request's `body`, a client that goes away mid-stream stops the iterator.

    With `compression` and the request's `scope`, a compressible body is compressed in the
    coding the client prefers (a stream chunk by chunk, each flushed). A whole `FileBody`
    sent uncompressed goes to the server as ASGI pathsend when the scope lists it. With a
    `request_id`, the response carries it as `x-request-id`.

    Returns:
        The bytes of body sent, as they went on the wire (for the access log).
    """
    headers, has_length = response.encoded_headers()
    if request_id is not None:
        headers.append((b"x-request-id", request_id.encode("ascii")))
    stream = response.stream
    if stream is None:
        content = response.body or b""
        # PERF: a body under the threshold costs one comparison (bench S1-S5 send ~20 bytes).
        if compression is not None and len(content) >= THRESHOLD and not head_only and scope:
            # PERF: inline, no coroutine of its own (~1.5k instructions, callgrind, bench S4).
            coding = compression.coding_for(headers, scope["headers"], len(content))
            if coding is not None:
                has_length = False
                content = (
                    coding.whole(content)
                    if len(content) < COMPRESS_IN_THREAD_FROM
                    else await _compressed_in_thread(coding, content)
                )
        if not has_length and response.status not in _NO_LENGTH_STATUSES:
            size = len(content)
            # PERF: a ready line for small bodies, ~0.8k instructions fewer (callgrind, S1).
            headers.append(
                _LENGTH_LINES[size] if size < _READY_LENGTHS else (b"content-length", b"%d" % size)
            )
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        if head_only:
            content = b""
        await send({"type": "http.response.body", "body": content})
        return len(content)
    encoder = None
    if compression is not None and not head_only and scope is not None:
        coding = compression.coding_for(headers, scope["headers"], None)
        if coding is not None:
            encoder = coding.stream()
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if head_only:
        await _close(stream)
        await send({"type": "http.response.body", "body": b""})
        return 0
    if (
        encoder is None
        and type(stream) is FileBody
        and stream.whole
        and scope is not None
        and _PATHSEND in scope.get("extensions", ())
    ):
        # PERF: the server sends the file itself (granian), no chunk passes through Python.
        await send({"type": _PATHSEND, "path": stream.path})
        return stream.length
    whole, sent = await _stream_body(stream, send, body, route_file, encoder)
    if not whole:
        # COMPAT(next): a broken stream is cut, not ended: returning without the last message
        # makes uvicorn and granian close the connection without the terminating chunk, so a
        # client sees a truncated transfer rather than a whole body. uvicorn adds its own
        # one-line "returned without completing response"; raising instead would make both
        # servers log the error a second time, with its traceback.
        return sent
    end = encoder.finish() if encoder is not None else b""
    await send({"type": "http.response.body", "body": end})
    return sent + len(end)


async def _compressed_in_thread(coding: Coding, content: bytes) -> bytes:
    # NOTE: zlib, zstd and brotli let go of the GIL while they compress: a large body does
    # not hold up the other requests of this event loop.
    return await asyncio.get_running_loop().run_in_executor(None, coding.whole, content)


async def _stream_body(
    stream: StreamBody,
    send: Send,
    body: AsgiBody | None,
    route_file: str,
    encoder: Encoder | None,
) -> tuple[bool, int]:
    """Send the chunks of `stream`; return whether all were sent, and the bytes sent.

    Not all were sent when the stream broke or the client went away first.
    """
    task = asyncio.current_task()
    watch = (
        None
        if body is None or task is None or isinstance(stream, list | tuple)
        else _DisconnectWatch(body, task)
    )
    counter = _Sent()
    try:
        await _send_chunks(stream, send, watch, encoder, counter)
    except asyncio.CancelledError:
        if watch is None or not watch.client_gone or task is None:
            raise
        task.uncancel()
        return False, counter.bytes
    except Exception as exc:  # noqa: BLE001 - a broken stream must not take the server down
        where = f" from {route_file}" if route_file else ""
        error_log.error("streamed body%s raised midway; response cut", where, exc_info=exc)
        state = CURRENT_STATE.get()
        if state is not None and state.error_sink is not None:
            await state.error_sink.report(exc, state)
        return False, counter.bytes
    finally:
        if watch is not None:
            watch.stop()
    return True, counter.bytes


class _Sent:
    """Bytes of a streamed body sent so far (kept when the stream breaks midway)."""

    __slots__ = ("bytes",)

    def __init__(self) -> None:
        self.bytes = 0


class _DisconnectWatch:
    """Cancels the streaming task when the client goes away.

    PERF: it starts watching only once the stream has run for WATCH_AFTER seconds or sent
    YIELD_EVERY chunks: a stream that ends sooner costs one timer, not a task (callgrind,
    bench S6).
    """

    __slots__ = ("_body", "_started", "_task", "_timer", "_watcher")

    def __init__(self, body: AsgiBody, task: asyncio.Task[object]) -> None:
        self._body = body
        self._task = task
        self._started = False
        self._watcher: asyncio.Future[None] | None = None
        self._timer = asyncio.get_running_loop().call_later(WATCH_AFTER, self._start)

    @property
    def client_gone(self) -> bool:
        """Whether the watch cancelled the task because the client went away."""
        watcher = self._watcher
        return watcher is not None and watcher.done() and not watcher.cancelled()

    def start_now(self) -> None:
        """Watch from now on, without waiting for the timer (nothing if already started)."""
        if not self._started:
            self._timer.cancel()
            self._start()

    def stop(self) -> None:
        self._timer.cancel()
        if self._watcher is not None:
            self._watcher.cancel()

    def _start(self) -> None:
        self._started = True
        if self._body.claim_for_disconnect_watch():
            self._watcher = asyncio.ensure_future(self._cancel_on_disconnect())

    async def _cancel_on_disconnect(self) -> None:
        await self._body.wait_for_disconnect()
        self._task.cancel()


async def _send_chunks(
    stream: StreamBody,
    send: Send,
    watch: _DisconnectWatch | None,
    encoder: Encoder | None,
    counter: _Sent,
) -> None:
    """Send every chunk, through `encoder` if any; an iterator stopped early is closed.

    Every `YIELD_EVERY` chunks the disconnect `watch` starts (if the timer has not started it)
    and the event loop gets a turn.
    """
    if isinstance(stream, list | tuple):
        for item in stream:
            chunk = body_chunk(item)
            if chunk:
                if encoder is not None:
                    chunk = encoder.chunk(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                counter.bytes += len(chunk)
        return
    # NOTE: a sync iterator may block (file reads, a slow query): each item comes from a thread.
    items = stream if isinstance(stream, AsyncIterable) else pull_in_threads(stream)
    sent = 0
    try:
        async for item in items:
            # PERF: no wrapper generator between the user's iterator and send (bench S6).
            chunk = item if type(item) is bytes else body_chunk(item)
            if chunk:
                if encoder is not None:
                    chunk = encoder.chunk(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                counter.bytes += len(chunk)
                sent += 1
                if not sent % YIELD_EVERY:
                    # NOTE: send may return without suspending: granian while its queue has
                    # room and whenever the client is gone (the chunk is dropped), uvicorn once
                    # disconnected. An iterator that never awaits would then hold the event
                    # loop to its end, and the watch could never see the client leave.
                    if watch is not None:
                        watch.start_now()
                    await asyncio.sleep(0)
    except BaseException:
        await _close(items)
        raise


async def _close(stream: StreamBody) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()
        return
    close = getattr(stream, "close", None)
    if close is not None:
        close()
