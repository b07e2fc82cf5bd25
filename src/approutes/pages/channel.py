"""ResponseChannel: a pages/api handler's response, handed to the event loop as it is written.

The handler runs as a task (async) or in a worker thread (sync). `res` calls `respond` once
the response is decided: whole (`end`, `send`, `json`, `redirect`), or its status and
headers with a stream to follow (the first `write`). The chunks written after that reach
the stream through a queue; every call is safe from any thread.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from approutes.web.response import Response

__all__ = ["ChunkStream", "ResponseChannel"]


class ResponseChannel:
    """Between a handler (on the loop or in a thread) and the loop serving its request.

    Attributes:
        decided: Resolves to the Response once it is decided (or to the handler's error).
        client_gone: The stream was closed before the response ended (the client left).
        handler_task: The task running the handler, cancelled if the client leaves.
        chunks: The queue between `push` and the stream (None ends it, an error breaks it).
    """

    __slots__ = ("_loop_thread", "chunks", "client_gone", "decided", "handler_task", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Serve through `loop`; call it from the loop's own thread."""
        self.loop = loop
        self._loop_thread = threading.get_ident()
        self.decided: asyncio.Future[Response] = loop.create_future()
        self.chunks: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()
        self.client_gone = False
        self.handler_task: asyncio.Future[Any] | None = None

    def on_loop(self) -> bool:
        """Whether the caller runs on the loop's thread (else: a sync handler's thread)."""
        return threading.get_ident() == self._loop_thread

    def respond(self, response: Response) -> None:
        """Decide the response: the whole of it, or its head with `stream()` as body."""
        self._call(self._decide, response)

    def push(self, chunk: bytes) -> None:
        """Queue one chunk of the streamed body."""
        self._call(self.chunks.put_nowait, chunk)

    def close(self) -> None:
        """End the streamed body."""
        self._call(self.chunks.put_nowait, None)

    def break_stream(self, error: BaseException) -> None:
        """End the streamed body with `error` (logged by the sender, naming the file)."""
        self._call(self.chunks.put_nowait, error)

    def stream(self) -> ChunkStream:
        """The body written after the head, until `close()` or `break_stream()`."""
        return ChunkStream(self)

    def _decide(self, response: Response) -> None:
        if not self.decided.done():
            self.decided.set_result(response)

    def _call(self, fn: Callable[..., object], *args: object) -> None:
        if threading.get_ident() == self._loop_thread:
            fn(*args)
            return
        try:
            self.loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is closed: the server stopped
            return


class ChunkStream:
    """The streamed body of a handler that called `res.write()`.

    Closed before the handler ended the response (the client went away, or a HEAD request
    needs no body), it cancels an async handler; later `res.write()` calls return False.
    """

    __slots__ = ("_channel", "_finished")

    def __init__(self, channel: ResponseChannel) -> None:
        """Read the chunks `channel` queues."""
        self._channel = channel
        self._finished = False

    def __aiter__(self) -> ChunkStream:
        return self

    async def __anext__(self) -> bytes:
        if self._finished:
            raise StopAsyncIteration
        item = await self._channel.chunks.get()
        if item is None:
            self._finished = True
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            self._finished = True
            raise item
        return item

    async def aclose(self) -> None:
        """Stop reading: the response will not be sent further."""
        if self._finished:
            return
        self._finished = True
        channel = self._channel
        channel.client_gone = True
        task = channel.handler_task
        if task is not None and not task.done():
            task.cancel()
